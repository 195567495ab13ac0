"""``PATCH /api/v2/flags/{projectKey}/{flagKey}``: JSON Patch, merge patch and semantic patch.

All three act on a copy and return a new :class:`Flag` whose configurations are validated
again; nothing is stored here and versions are left alone (the service raises the version of
each environment whose targeting changed). An instruction already in effect is a no-op.

JSON Patch and merge patch act on the document ``{"name", "description", "tags",
"temporary", "variations", "clientSideAvailability", "includeInSnippet", "archived",
"deprecated", "customProperties", "maintainerId", "maintainerTeamKey", "defaults",
"_version", "environments": {envKey: FeatureFlagConfig}}`` through the JSON Patch core
(:data:`FLAG_PATHS`). Writable are those project-wide members but ``_version`` and, per
environment, ``on``, ``rules``, ``fallthrough``, ``offVariation``, ``targets``,
``contextTargets``, ``trackEvents``, ``trackEventsFallthrough`` and ``prerequisites`` (empty
only); other members of an environment are ignored unless read-only; anything else is a 400.
Changed variations are checked as a create checks them, and every configuration against
them. A failing ``test`` of a version is a 409, any other failing ``test`` or missing path a
422.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial

from segmentd.domain.flags.codec import (
    client_side_from_json,
    client_side_to_json,
    config_from_json,
    config_to_json,
    serve_from_json,
    variation_to_json,
    variations_from_json,
)
from segmentd.domain.flags.model import (
    Flag,
    FlagConfig,
    FlagRule,
    Variation,
    VariationOrRollout,
    validate_config,
    validate_flag_fields,
)
from segmentd.domain.flags.settings import settings_from_json, settings_to_json
from segmentd.domain.patch.json_patch import PatchDocument, PatchPaths, apply_patch
from segmentd.domain.segments.codec import as_object, get_list, get_str, get_str_tuple
from segmentd.domain.segments.instructions import (
    AddClauses,
    AddRule,
    ClauseValuesChange,
    InstructionKind,
    RemoveRule,
    parse_instruction,
)
from segmentd.domain.shared.clauses import clause_value_key
from segmentd.domain.shared.ids import NewId, new_uuid
from segmentd.domain.shared.json_types import JsonObject
from segmentd.domain.shared.validate import check_clause
from segmentd.errors import InvalidRequest, UnprocessablePatch

FLAG_FIELDS = frozenset(
    (
        "name",
        "description",
        "tags",
        "temporary",
        "clientSideAvailability",
        "includeInSnippet",
        "variations",
        # the lifecycle settings Terraform replaces on every apply (domain/flags/settings.py)
        "archived",
        "deprecated",
        "customProperties",
        "maintainerId",
        "maintainerTeamKey",
        "defaults",
    )
)
CONFIG_FIELDS = frozenset(
    (
        "on",
        "rules",
        "fallthrough",
        "offVariation",
        "targets",
        "contextTargets",
        "trackEvents",
        "trackEventsFallthrough",
        "prerequisites",
    )
)
#: Members of an environment's configuration that only segmentd sets. Any other member a
#: patch names that is not in :data:`CONFIG_FIELDS` is accepted and has no effect, as
#: LaunchDarkly's Terraform provider needs (docs/compatibility.md).
READ_ONLY_CONFIG_FIELDS = frozenset(("version", "salt", "sel", "lastModified", "archived"))


def patch_document(flag: Flag) -> JsonObject:
    """The JSON a flag's JSON Patch and merge patch act on."""
    doc: JsonObject = {
        "name": flag.name,
        "tags": list(flag.tags),
        "temporary": flag.temporary,
        "_version": flag.version,
        "environments": {k: config_to_json(c) for k, c in flag.environments.items()},
        "clientSideAvailability": client_side_to_json(flag.client_side),
        "includeInSnippet": flag.client_side.using_environment_id,
        "variations": [variation_to_json(v) for v in flag.variations],
        **settings_to_json(flag.settings),
    }
    if flag.description is not None:
        doc["description"] = flag.description
    return doc


def _check_environment_path(
    tokens: Sequence[str], pointer: str, field: str, document: JsonObject
) -> None:
    """``/environments/{envKey}/{member}…``: a writable member of a known environment."""
    if len(tokens) >= 3 and _config_writable(tokens[2]):
        environments = document.get("environments")
        if not isinstance(environments, dict) or tokens[1] not in environments:
            raise UnprocessablePatch(f"{field}: unknown environment {tokens[1]!r}")
        return
    raise InvalidRequest(f"{field}: {pointer!r} is read-only or not supported")


def _config_writable(name: str) -> bool:
    return name in CONFIG_FIELDS or not (name in READ_ONLY_CONFIG_FIELDS or name.startswith("_"))


def _is_version(tokens: Sequence[str]) -> bool:
    return list(tokens) == ["_version"] or (
        len(tokens) == 3 and tokens[0] == "environments" and tokens[2] == "version"
    )


FLAG_PATHS = PatchPaths(
    noun="flag",
    writable=FLAG_FIELDS,
    nested={"environments": _check_environment_path},
    is_version=_is_version,
    aliases={"/version": "/_version"},
)


def _variations(flag: Flag, value: object, new_id: NewId) -> tuple[Variation, ...]:
    """The patched variations, checked as a create checks them; a new one gets an id, and
    an unchanged list is the flag's own (so the versions stay)."""
    if not isinstance(value, list):
        raise InvalidRequest("variations: expected an array")
    variations = variations_from_json(value)
    if variations == flag.variations:
        return flag.variations
    with_ids = tuple(replace(v, id=v.id or new_id()) for v in variations)
    return validate_flag_fields(replace(flag, variations=with_ids)).variations


def _decode(flag: Flag, doc: JsonObject, *, new_id: NewId) -> Flag:
    name = doc.get("name")
    if not isinstance(name, str):
        raise InvalidRequest("name: expected a string")
    temporary = doc.get("temporary", False)
    if not isinstance(temporary, bool):
        raise InvalidRequest("temporary: expected a boolean")
    environments = as_object(doc.get("environments", {}), "environments")
    client_side = client_side_from_json(
        doc.get("clientSideAvailability"), defaults=flag.client_side
    )
    snippet = doc.get("includeInSnippet")
    if snippet is not None and not isinstance(snippet, bool):
        raise InvalidRequest("includeInSnippet: expected a boolean")
    if snippet is not None and snippet != flag.client_side.using_environment_id:
        # The legacy name of usingEnvironmentId; a change to it wins.
        client_side = replace(client_side, using_environment_id=snippet)
    variations = _variations(flag, doc.get("variations"), new_id)
    settings = settings_from_json(doc, variation_count=len(variations), stored=flag.settings)
    configs = {}
    for key, config in flag.environments.items():
        env = as_object(environments.get(key, {}), f"environments.{key}")
        if get_list(env, "prerequisites", f"environments.{key}"):
            raise InvalidRequest(
                f"environments.{key}.prerequisites: segmentd does not evaluate prerequisite "
                "flags; only an empty list is accepted"
            )
        # a removed offVariation means none, not the stored one
        env = {"offVariation": None, **env}
        decoded = config_from_json(env, defaults=config)
        validated = validate_config(decoded, len(variations), new_id=new_id)
        configs[key] = config if validated.targeting_equals(config) else validated
    return replace(
        flag,
        name=name,
        description=get_str(doc, "description"),
        tags=get_str_tuple(doc, "tags"),
        temporary=temporary,
        environments=configs,
        client_side=client_side,
        variations=variations,
        settings=settings,
    )


def apply_flag_patch(flag: Flag, document: PatchDocument, *, new_id: NewId = new_uuid) -> Flag:
    """Apply a parsed ``application/json`` body (see the module docstring) to ``flag``."""
    return apply_patch(
        flag,
        document,
        paths=FLAG_PATHS,
        to_json=patch_document,
        decode=partial(_decode, new_id=new_id),
    )


# ---------------------------------------------------------------- semantic patch

FLAG_INSTRUCTION_KINDS = (
    "turnFlagOn",
    "turnFlagOff",
    "addRule",
    "removeRule",
    "addClauses",
    "addValuesToClause",
    "removeValuesFromClause",
    "updateFallthroughVariationOrRollout",
    "updateOffVariation",
)


@dataclass(frozen=True, slots=True)
class TurnFlag:
    on: bool


@dataclass(frozen=True, slots=True)
class AddFlagRule:
    rule: AddRule
    serve: JsonObject  # variationId or rolloutWeights/…, resolved against the flag's variations
    before_rule_id: str | None = None


@dataclass(frozen=True, slots=True)
class UpdateFallthrough:
    serve: JsonObject


@dataclass(frozen=True, slots=True)
class UpdateOffVariation:
    variation_id: str


FlagInstruction = (
    TurnFlag
    | AddFlagRule
    | RemoveRule
    | AddClauses
    | ClauseValuesChange
    | UpdateFallthrough
    | UpdateOffVariation
)


def _serve_params(obj: Mapping[str, object], where: str) -> JsonObject:
    params: JsonObject = {
        k: obj[k]  # type: ignore[misc]  # decoded JSON
        for k in ("variationId", "rolloutWeights", "rolloutBucketBy", "rolloutContextKind")
        if obj.get(k) is not None
    }
    if ("variationId" in params) == ("rolloutWeights" in params):
        raise InvalidRequest(f"{where}: give exactly one of variationId and rolloutWeights")
    return params


def parse_flag_instruction(value: object, where: str) -> FlagInstruction:
    """One flag instruction; the segment parser reads the kinds both resources share."""
    obj = as_object(value, where)
    kind = obj.get("kind")
    if kind == "turnFlagOn" or kind == "turnFlagOff":
        return TurnFlag(on=kind == "turnFlagOn")
    if kind == "addRule":
        base = parse_instruction(
            {
                "kind": "addRule",
                "clauses": obj.get("clauses"),
                "description": obj.get("description"),
            },
            where,
        )
        assert isinstance(base, AddRule)
        return AddFlagRule(base, _serve_params(obj, where), get_str(obj, "beforeRuleId", where))
    if kind == "updateFallthroughVariationOrRollout":
        return UpdateFallthrough(_serve_params(obj, where))
    if kind == "updateOffVariation":
        variation_id = get_str(obj, "variationId", where, required=True)
        assert variation_id is not None
        return UpdateOffVariation(variation_id)
    if kind in ("removeRule", "addClauses", "addValuesToClause", "removeValuesFromClause"):
        parsed = parse_instruction(obj, where)
        assert isinstance(parsed, RemoveRule | AddClauses | ClauseValuesChange)
        return parsed
    raise InvalidRequest(
        f"{where}.kind: {kind!r} is not a supported flag instruction "
        f"(one of {', '.join(FLAG_INSTRUCTION_KINDS)})"
    )


def parse_flag_instructions(value: object) -> tuple[FlagInstruction, ...]:
    items = get_list({"instructions": value}, "instructions", required=True)
    if not items:
        raise InvalidRequest("instructions: must not be empty")
    return tuple(parse_flag_instruction(item, f"instructions[{i}]") for i, item in enumerate(items))


@dataclass(frozen=True, slots=True)
class FlagSemanticPatch:
    """A semantic patch of a flag: instructions for one environment's configuration."""

    instructions: tuple[FlagInstruction, ...]
    environment_key: str | None = None


def parse_flag_semantic_patch(body: object) -> FlagSemanticPatch:
    """Read ``{"environmentKey", "instructions": [...]}``; the service requires the key."""
    obj = as_object(body, "body")
    return FlagSemanticPatch(
        instructions=parse_flag_instructions(obj.get("instructions")),
        environment_key=get_str(obj, "environmentKey"),
    )


def _variation_index(flag: Flag, variation_id: object, where: str) -> int:
    for i, variation in enumerate(flag.variations):
        if variation.id is not None and variation.id == variation_id:
            return i
    raise InvalidRequest(f"{where}: no variation with id {variation_id!r}")


def _resolve_serve(flag: Flag, params: JsonObject, where: str) -> VariationOrRollout:
    if "variationId" in params:
        return VariationOrRollout(variation=_variation_index(flag, params["variationId"], where))
    weights = params["rolloutWeights"]
    if not isinstance(weights, dict):
        raise InvalidRequest(f"{where}.rolloutWeights: expected an object")
    rollout: JsonObject = {
        "variations": [
            {"variation": _variation_index(flag, vid, where), "weight": weight}
            for vid, weight in weights.items()
        ]
    }
    if "rolloutBucketBy" in params:
        rollout["bucketBy"] = params["rolloutBucketBy"]
    rollout["contextKind"] = params.get("rolloutContextKind", "user")
    return serve_from_json({"rollout": rollout}, where)


def _rule_index(config: FlagConfig, rule_id: str) -> int:
    for i, rule in enumerate(config.rules):
        if rule.id == rule_id:
            return i
    raise InvalidRequest(f"ruleId: no rule with id {rule_id!r}")


def _with_rule(config: FlagConfig, index: int, rule: FlagRule) -> FlagConfig:
    return replace(config, rules=(*config.rules[:index], rule, *config.rules[index + 1 :]))


def _change_clause_values(config: FlagConfig, change: ClauseValuesChange) -> FlagConfig:
    index = _rule_index(config, change.rule_id)
    rule = config.rules[index]
    at = next((i for i, c in enumerate(rule.clauses) if c.id == change.clause_id), None)
    if at is None:
        raise InvalidRequest(f"clauseId: no clause with id {change.clause_id!r}")
    clause = rule.clauses[at]
    if change.kind is InstructionKind.ADD_VALUES_TO_CLAUSE:
        present = {clause_value_key(v) for v in clause.values}
        values = clause.values + tuple(
            v for v in change.values if clause_value_key(v) not in present
        )
    else:
        removed = {clause_value_key(v) for v in change.values}
        values = tuple(v for v in clause.values if clause_value_key(v) not in removed)
    new = check_clause(replace(clause, values=tuple(dict.fromkeys(values))), field="clause")
    clauses = (*rule.clauses[:at], new, *rule.clauses[at + 1 :])
    return _with_rule(config, index, replace(rule, clauses=clauses))


def _apply(flag: Flag, config: FlagConfig, instruction: FlagInstruction) -> FlagConfig:
    if isinstance(instruction, TurnFlag):
        return replace(config, on=instruction.on)
    if isinstance(instruction, AddFlagRule):
        rule = FlagRule(
            clauses=instruction.rule.clauses,
            serve=_resolve_serve(flag, instruction.serve, "serve"),
            description=instruction.rule.description,
        )
        at = len(config.rules)
        if instruction.before_rule_id is not None:
            at = _rule_index(config, instruction.before_rule_id)
        return replace(config, rules=(*config.rules[:at], rule, *config.rules[at:]))
    if isinstance(instruction, RemoveRule):
        return replace(config, rules=tuple(r for r in config.rules if r.id != instruction.rule_id))
    if isinstance(instruction, AddClauses):
        index = _rule_index(config, instruction.rule_id)
        rule = config.rules[index]
        return _with_rule(config, index, replace(rule, clauses=rule.clauses + instruction.clauses))
    if isinstance(instruction, ClauseValuesChange):
        return _change_clause_values(config, instruction)
    if isinstance(instruction, UpdateFallthrough):
        return replace(config, fallthrough=_resolve_serve(flag, instruction.serve, "serve"))
    return replace(
        config, off_variation=_variation_index(flag, instruction.variation_id, "variationId")
    )


def apply_flag_instructions(
    flag: Flag,
    environment_key: str,
    instructions: tuple[FlagInstruction, ...],
    *,
    new_id: NewId = new_uuid,
) -> Flag:
    """Apply a batch to one environment's configuration, all or nothing.

    Returns ``flag`` itself when the batch changes nothing. Raises :class:`InvalidRequest`
    naming ``instructions[i]`` for the first instruction that cannot apply.
    """
    config = flag.environments.get(environment_key)
    if config is None:
        raise InvalidRequest(f"environmentKey: unknown environment {environment_key!r}")
    working = config
    for i, instruction in enumerate(instructions):
        try:
            working = _apply(flag, working, instruction)
        except InvalidRequest as exc:
            raise InvalidRequest(f"instructions[{i}]: {exc.message}") from None
    working = validate_config(working, len(flag.variations), new_id=new_id)
    if working.targeting_equals(config):
        return flag
    return replace(flag, environments={**flag.environments, environment_key: working})
