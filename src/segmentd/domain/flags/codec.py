"""Flag JSON ⇄ domain objects, in LaunchDarkly's REST form and in the SDK data-feed form.

The REST form names rule, clause and variation ids ``_id``; the SDK form names rule ids
``id``, lists bare variation values and carries ``salt``. Decoding is strict like
:mod:`segmentd.domain.segments.codec`: a value of the wrong JSON type raises naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping

from segmentd.domain.flags.model import (
    ClientSideAvailability,
    Flag,
    FlagConfig,
    FlagRule,
    FlagTarget,
    Rollout,
    Variation,
    VariationOrRollout,
    WeightedVariation,
)
from segmentd.domain.segments.codec import (
    as_object,
    clause_from_json,
    clause_to_json,
    get_bool,
    get_int,
    get_list,
    get_str,
    get_str_tuple,
)
from segmentd.domain.shared.clauses import DEFAULT_KIND
from segmentd.domain.shared.json_types import JsonObject, JsonValue
from segmentd.errors import InvalidRequest

# ---------------------------------------------------------------- encoding


def rollout_to_json(rollout: Rollout) -> JsonObject:
    out: JsonObject = {
        "variations": [{"variation": w.variation, "weight": w.weight} for w in rollout.variations]
    }
    if rollout.bucket_by is not None:
        out["bucketBy"] = rollout.bucket_by
    if rollout.context_kind is not None:
        out["contextKind"] = rollout.context_kind
    return out


def serve_to_json(serve: VariationOrRollout) -> JsonObject:
    if serve.rollout is not None:
        return {"rollout": rollout_to_json(serve.rollout)}
    return {"variation": serve.variation}


def flag_rule_to_json(rule: FlagRule, *, sdk: bool = False) -> JsonObject:
    out: JsonObject = {}
    if rule.id is not None:
        out["id" if sdk else "_id"] = rule.id
    out.update(serve_to_json(rule.serve))
    out["clauses"] = [clause_to_json(c, form="sdk" if sdk else "rest") for c in rule.clauses]
    out["trackEvents"] = rule.track_events
    if rule.description is not None and not sdk:
        out["description"] = rule.description
    return out


def _targets_to_json(targets: tuple[FlagTarget, ...], *, users: bool) -> list[JsonValue]:
    out: list[JsonValue] = []
    for t in targets:
        if (t.context_kind == DEFAULT_KIND) == users:
            entry: JsonObject = {"values": list(t.values), "variation": t.variation}
            if not users:
                entry["contextKind"] = t.context_kind
            out.append(entry)
    return out


def config_to_json(config: FlagConfig) -> JsonObject:
    """The targeting part of ``FeatureFlagConfig`` (REST form), also the stored form."""
    return {
        "on": config.on,
        "version": config.version,
        "salt": config.salt,
        "lastModified": config.last_modified,
        "targets": _targets_to_json(config.targets, users=True),
        "contextTargets": _targets_to_json(config.targets, users=False),
        "rules": [flag_rule_to_json(r) for r in config.rules],
        "fallthrough": serve_to_json(config.fallthrough),
        "offVariation": config.off_variation,
        "prerequisites": [],
        "trackEvents": config.track_events,
        "trackEventsFallthrough": config.track_events_fallthrough,
    }


def client_side_to_json(availability: ClientSideAvailability) -> JsonObject:
    return {
        "usingEnvironmentId": availability.using_environment_id,
        "usingMobileKey": availability.using_mobile_key,
    }


def client_side_from_json(
    value: object, *, defaults: ClientSideAvailability, path: str = "clientSideAvailability"
) -> ClientSideAvailability:
    """Decode ``clientSideAvailability``; an absent (or null) field keeps ``defaults``."""
    if value is None:
        return defaults
    obj = as_object(value, path)
    return ClientSideAvailability(
        using_environment_id=get_bool(
            obj, "usingEnvironmentId", path, default=defaults.using_environment_id
        ),
        using_mobile_key=get_bool(obj, "usingMobileKey", path, default=defaults.using_mobile_key),
    )


def variation_to_json(variation: Variation) -> JsonObject:
    out: JsonObject = {"value": variation.value}
    if variation.id is not None:
        out["_id"] = variation.id
    if variation.name is not None:
        out["name"] = variation.name
    if variation.description is not None:
        out["description"] = variation.description
    return out


def flag_to_sdk_json(flag: Flag, config: FlagConfig) -> JsonObject:
    """The normalised flag object server-side SDKs read for one environment.

    The shape: docs/sdk-feed.md §item-shape.

    User-kind targets go in ``targets``; when other kinds are targeted too, ``contextTargets``
    gets an empty ``user`` entry per user variation first, because SDKs then look up user
    keys only through such entries.
    """
    user_variations = [t.variation for t in config.targets if t.context_kind == DEFAULT_KIND]
    context_targets = _targets_to_json(config.targets, users=False)
    if context_targets:
        placeholders: list[JsonValue] = [
            {"contextKind": DEFAULT_KIND, "values": [], "variation": v} for v in user_variations
        ]
        context_targets = placeholders + context_targets
    out: JsonObject = {
        "key": flag.key,
        "version": config.version,
        "on": config.on,
        "variations": [v.value for v in flag.variations],
        "offVariation": config.off_variation,
        "fallthrough": serve_to_json(config.fallthrough),
        "salt": config.salt,
        "targets": _targets_to_json(config.targets, users=True),
        "contextTargets": context_targets,
        "rules": [flag_rule_to_json(r, sdk=True) for r in config.rules],
        "prerequisites": [],
        "trackEvents": config.track_events,
        "trackEventsFallthrough": config.track_events_fallthrough,
        "clientSide": flag.client_side.using_environment_id,
        "clientSideAvailability": client_side_to_json(flag.client_side),
        "deleted": config.deleted,
    }
    if config.off_variation is None:
        del out["offVariation"]
    return out


# ---------------------------------------------------------------- decoding


def _index(obj: Mapping[str, object], name: str, path: str) -> int | None:
    value = get_int(obj, name, path)
    if value is not None and value < 0:
        raise InvalidRequest(f"{path}.{name}: must not be negative")
    return value


def rollout_from_json(value: object, path: str) -> Rollout:
    obj = as_object(value, path)
    weighted = []
    for i, item in enumerate(get_list(obj, "variations", path, required=True)):
        where = f"{path}.variations[{i}]"
        entry = as_object(item, where)
        variation, weight = _index(entry, "variation", where), get_int(entry, "weight", where)
        if variation is None or weight is None:
            raise InvalidRequest(f"{where}: variation and weight are required integers")
        weighted.append(WeightedVariation(variation, weight))
    return Rollout(
        variations=tuple(weighted),
        bucket_by=get_str(obj, "bucketBy", path),
        context_kind=get_str(obj, "contextKind", path),
    )


def serve_from_json(value: object, path: str) -> VariationOrRollout:
    obj = as_object(value, path)
    rollout = obj.get("rollout")
    return VariationOrRollout(
        variation=_index(obj, "variation", path),
        rollout=None if rollout is None else rollout_from_json(rollout, f"{path}.rollout"),
    )


def flag_rule_from_json(value: object, path: str) -> FlagRule:
    obj = as_object(value, path)
    return FlagRule(
        id=get_str(obj, "_id", path) or get_str(obj, "id", path),
        clauses=tuple(
            clause_from_json(c, f"{path}.clauses[{i}]")
            for i, c in enumerate(get_list(obj, "clauses", path))
        ),
        serve=serve_from_json(obj, path),
        description=get_str(obj, "description", path),
        track_events=get_bool(obj, "trackEvents", path),
    )


def _targets_from_json(obj: Mapping[str, object], name: str) -> list[FlagTarget]:
    out = []
    for i, item in enumerate(get_list(obj, name)):
        where = f"{name}[{i}]"
        entry = as_object(item, where)
        variation = _index(entry, "variation", where)
        if variation is None:
            raise InvalidRequest(f"{where}.variation: is required")
        kind = get_str(entry, "contextKind", where) or DEFAULT_KIND
        values = get_str_tuple(entry, "values", where)
        if values or name == "targets":
            out.append(FlagTarget(values, variation, kind))
    return out


def config_from_json(value: object, *, defaults: FlagConfig) -> FlagConfig:
    """Decode a (REST-form) environment configuration; absent fields keep ``defaults``."""
    obj = as_object(value, "environment")
    rules = get_list(obj, "rules")
    fallthrough = obj.get("fallthrough")
    has_targets = "targets" in obj or "contextTargets" in obj
    targets = _targets_from_json(obj, "targets") + _targets_from_json(obj, "contextTargets")
    return FlagConfig(
        on=get_bool(obj, "on", "", default=defaults.on),
        version=defaults.version,
        salt=defaults.salt,
        last_modified=defaults.last_modified,
        targets=tuple(targets) if has_targets else defaults.targets,
        rules=tuple(flag_rule_from_json(r, f"rules[{i}]") for i, r in enumerate(rules))
        if "rules" in obj
        else defaults.rules,
        fallthrough=defaults.fallthrough
        if fallthrough is None
        else serve_from_json(fallthrough, "fallthrough"),
        off_variation=_index(obj, "offVariation", "")
        if "offVariation" in obj
        else (defaults.off_variation),
        track_events=get_bool(obj, "trackEvents", "", default=defaults.track_events),
        track_events_fallthrough=get_bool(
            obj, "trackEventsFallthrough", "", default=defaults.track_events_fallthrough
        ),
        deleted=defaults.deleted,
    )


def variations_from_json(items: list[object]) -> tuple[Variation, ...]:
    out = []
    for i, item in enumerate(items):
        where = f"variations[{i}]"
        obj = as_object(item, where)
        if "value" not in obj:
            raise InvalidRequest(f"{where}.value: is required")
        out.append(
            Variation(
                value=obj["value"],  # type: ignore[arg-type]  # decoded JSON
                id=get_str(obj, "_id", where),
                name=get_str(obj, "name", where),
                description=get_str(obj, "description", where),
            )
        )
    return tuple(out)
