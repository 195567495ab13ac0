"""LaunchDarkly JSON ⇄ domain objects: the only module that knows the camelCase field names.

Two wire forms exist. The REST API (``launchdarkly-api``) names rule and clause ids ``_id``;
the SDK data feed names them ``id`` and carries ``salt``. :func:`segment_from_json` reads
either form, strictly: a value of the wrong JSON type raises :class:`InvalidRequest` naming
the field, because a lenient decoder would let data in that an SDK later refuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from segmentd.domain.segments.model import Segment, SegmentRule, SegmentTarget
from segmentd.domain.shared.clauses import Clause
from segmentd.domain.shared.json_types import JsonObject, JsonValue, json_type_name
from segmentd.errors import InvalidRequest

Form = Literal["rest", "sdk"]


# ---------------------------------------------------------------- encoding


def clause_to_json(clause: Clause, *, form: Form = "rest") -> JsonObject:
    out: JsonObject = {}
    if clause.id is not None:
        out["_id" if form == "rest" else "id"] = clause.id
    if clause.context_kind is not None:
        out["contextKind"] = clause.context_kind
    out["attribute"] = clause.attribute
    out["op"] = clause.op
    out["values"] = list(clause.values)
    out["negate"] = clause.negate
    return out


def rule_to_json(rule: SegmentRule, *, form: Form = "rest") -> JsonObject:
    out: JsonObject = {}
    if rule.id is not None:
        out["_id" if form == "rest" else "id"] = rule.id
    out["clauses"] = [clause_to_json(c, form=form) for c in rule.clauses]
    if rule.weight is not None:
        out["weight"] = rule.weight
    if rule.bucket_by is not None:
        out["bucketBy"] = rule.bucket_by
    if rule.rollout_context_kind is not None:
        out["rolloutContextKind"] = rule.rollout_context_kind
    if rule.description is not None and form == "rest":
        out["description"] = rule.description
    return out


def targets_to_json(targets: tuple[SegmentTarget, ...]) -> list[JsonValue]:
    return [{"contextKind": t.context_kind, "values": list(t.values)} for t in targets]


def targeting_to_json(segment: Segment, *, form: Form = "rest") -> JsonObject:
    """The targeting fields of a segment: individual targets and rules."""
    return {
        "included": list(segment.included),
        "excluded": list(segment.excluded),
        "includedContexts": targets_to_json(segment.included_contexts),
        "excludedContexts": targets_to_json(segment.excluded_contexts),
        "rules": [rule_to_json(r, form=form) for r in segment.rules],
    }


def segment_to_sdk_json(segment: Segment) -> JsonObject:
    """The normalised segment object server-side SDKs read (docs/sdk-feed.md §item-shape)."""
    out: JsonObject = {"key": segment.key, "version": segment.version}
    out.update(targeting_to_json(segment, form="sdk"))
    out["salt"] = segment.salt
    out["unbounded"] = segment.unbounded
    if segment.unbounded:
        if segment.unbounded_context_kind is not None:
            out["unboundedContextKind"] = segment.unbounded_context_kind
        out["generation"] = segment.generation
        out["included"] = []
        out["excluded"] = []
    out["deleted"] = segment.deleted
    return out


def segment_to_json(segment: Segment, *, form: Form = "rest") -> JsonObject:
    """Every stored field of a segment in LaunchDarkly's REST field names."""
    out: JsonObject = {
        "key": segment.key,
        "name": segment.name,
        "tags": list(segment.tags),
        "creationDate": segment.creation_date,
        "lastModifiedDate": segment.last_modified_date,
        "version": segment.version,
        "deleted": segment.deleted,
        "generation": segment.generation if segment.generation is not None else 0,
    }
    if segment.description is not None:
        out["description"] = segment.description
    if segment.unbounded:
        out["unbounded"] = True
        out["unboundedContextKind"] = segment.unbounded_context_kind or "user"
        out["rules"] = []
        out["included"] = []
    else:
        out["unbounded"] = False
        out.update(targeting_to_json(segment, form=form))
    if form == "sdk":
        out["salt"] = segment.salt
    return out


# ---------------------------------------------------------------- decoding


def _where(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _fail(path: str, expected: str, value: object) -> InvalidRequest:
    return InvalidRequest(f"{path}: expected {expected}, got {json_type_name(value)}")


def get_str(
    obj: Mapping[str, object],
    name: str,
    path: str = "",
    *,
    default: str | None = None,
    required: bool = False,
) -> str | None:
    """Read an optional string field; ``null`` counts as absent."""
    value = obj.get(name)
    if value is None:
        if required:
            raise InvalidRequest(f"{_where(path, name)}: is required")
        return default
    if not isinstance(value, str):
        raise _fail(_where(path, name), "a string", value)
    return value


def get_required_str(obj: Mapping[str, object], name: str, path: str = "") -> str:
    value = get_str(obj, name, path, required=True)
    assert value is not None
    return value


def get_bool(
    obj: Mapping[str, object], name: str, path: str = "", *, default: bool = False
) -> bool:
    value = obj.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise _fail(_where(path, name), "a boolean", value)
    return value


def get_int(obj: Mapping[str, object], name: str, path: str = "") -> int | None:
    value = obj.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(_where(path, name), "an integer", value)
    return value


def get_list(
    obj: Mapping[str, object], name: str, path: str = "", *, required: bool = False
) -> list[object]:
    value = obj.get(name)
    if value is None:
        if required:
            raise InvalidRequest(f"{_where(path, name)}: is required")
        return []
    if not isinstance(value, list):
        raise _fail(_where(path, name), "an array", value)
    return value


def as_object(value: object, path: str) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise _fail(path, "an object", value)
    return value


_JUST_STR: frozenset[type] = frozenset({str})


def get_str_tuple(obj: Mapping[str, object], name: str, path: str = "") -> tuple[str, ...]:
    items = get_list(obj, name, path)
    if set(map(type, items)) <= _JUST_STR:  # one C-level pass: target lists are long
        return tuple(items)  # type: ignore[arg-type]
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise _fail(f"{_where(path, name)}[{i}]", "a string", item)
    return tuple(items)  # type: ignore[arg-type]


def _json_value(value: object) -> JsonValue:
    return value  # type: ignore[return-value]  # decoded JSON is JsonValue by construction


def clause_from_json(value: object, path: str) -> Clause:
    obj = as_object(value, path)
    return Clause(
        id=get_str(obj, "_id", path) or get_str(obj, "id", path),
        context_kind=get_str(obj, "contextKind", path),
        attribute=get_str(obj, "attribute", path, default="") or "",
        op=get_required_str(obj, "op", path),
        values=tuple(_json_value(v) for v in get_list(obj, "values", path, required=True)),
        negate=get_bool(obj, "negate", path),
    )


def rule_from_json(value: object, path: str) -> SegmentRule:
    obj = as_object(value, path)
    clauses = get_list(obj, "clauses", path)
    return SegmentRule(
        id=get_str(obj, "_id", path) or get_str(obj, "id", path),
        clauses=tuple(clause_from_json(c, f"{path}.clauses[{i}]") for i, c in enumerate(clauses)),
        weight=get_int(obj, "weight", path),
        bucket_by=get_str(obj, "bucketBy", path),
        rollout_context_kind=get_str(obj, "rolloutContextKind", path),
        description=get_str(obj, "description", path),
    )


def targets_from_json(obj: Mapping[str, object], name: str) -> tuple[SegmentTarget, ...]:
    out = []
    for i, item in enumerate(get_list(obj, name)):
        path = f"{name}[{i}]"
        target = as_object(item, path)
        out.append(
            SegmentTarget(
                context_kind=get_str(target, "contextKind", path) or "user",
                values=get_str_tuple(target, "values", path),
            )
        )
    return tuple(out)


def segment_from_json(value: object, *, defaults: Segment | None = None) -> Segment:
    """Decode a LaunchDarkly segment object (REST or SDK form).

    Fields that the JSON leaves out are taken from ``defaults`` when given, which is how a
    patched document is read back on top of the stored segment.
    """
    obj = as_object(value, "segment")
    base = defaults
    key = get_str(obj, "key") or (base.key if base else None)
    if key is None:
        raise InvalidRequest("key: is required")
    rules = get_list(obj, "rules")
    generation = get_int(obj, "generation")
    return Segment(
        key=key,
        name=get_str(obj, "name") or (base.name if base else key),
        description=get_str(obj, "description"),
        tags=get_str_tuple(obj, "tags"),
        creation_date=get_int(obj, "creationDate") or (base.creation_date if base else 0),
        last_modified_date=get_int(obj, "lastModifiedDate")
        or (base.last_modified_date if base else 0),
        version=get_int(obj, "version") or (base.version if base else 1),
        salt=get_str(obj, "salt") or (base.salt if base else ""),
        included=get_str_tuple(obj, "included"),
        excluded=get_str_tuple(obj, "excluded"),
        included_contexts=targets_from_json(obj, "includedContexts"),
        excluded_contexts=targets_from_json(obj, "excludedContexts"),
        rules=tuple(rule_from_json(r, f"rules[{i}]") for i, r in enumerate(rules)),
        unbounded=get_bool(obj, "unbounded"),
        unbounded_context_kind=get_str(obj, "unboundedContextKind"),
        generation=generation if generation is not None else (base.generation if base else None),
        deleted=get_bool(obj, "deleted"),
    )
