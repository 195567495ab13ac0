"""Segment semantic-patch instructions: the 25 kinds as typed values, parsed strictly from JSON.

Parsing checks everything that does not depend on the segment (JSON types, required
parameters, context kinds, clause operators and operands), so that
:func:`segmentd.domain.segments.semantic_patch.apply_all` starts from well-formed instructions.
A failure raises :class:`InvalidRequest` naming ``instructions[i].<field>``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TypeAlias

from segmentd.domain.segments.codec import (
    as_object,
    clause_from_json,
    get_int,
    get_list,
    get_required_str,
    get_str,
)
from segmentd.domain.shared.clauses import DEFAULT_KIND, Clause
from segmentd.domain.shared.json_types import JsonValue
from segmentd.domain.shared.validate import MAX_WEIGHT, check_clause, check_context_kind, check_tags
from segmentd.errors import InvalidRequest


class InstructionKind(enum.StrEnum):
    """Every segment semantic-patch ``kind``, spelled as LaunchDarkly's wire format."""

    ADD_TAGS = "addTags"
    REMOVE_TAGS = "removeTags"
    UPDATE_NAME = "updateName"
    ADD_INCLUDED_TARGETS = "addIncludedTargets"
    ADD_EXCLUDED_TARGETS = "addExcludedTargets"
    REMOVE_INCLUDED_TARGETS = "removeIncludedTargets"
    REMOVE_EXCLUDED_TARGETS = "removeExcludedTargets"
    ADD_INCLUDED_USERS = "addIncludedUsers"
    ADD_EXCLUDED_USERS = "addExcludedUsers"
    REMOVE_INCLUDED_USERS = "removeIncludedUsers"
    REMOVE_EXCLUDED_USERS = "removeExcludedUsers"
    ADD_RULE = "addRule"
    REMOVE_RULE = "removeRule"
    REORDER_RULES = "reorderRules"
    UPDATE_RULE_DESCRIPTION = "updateRuleDescription"
    UPDATE_RULE_ROLLOUT_AND_CONTEXT_KIND = "updateRuleRolloutAndContextKind"
    ADD_CLAUSES = "addClauses"
    REMOVE_CLAUSES = "removeClauses"
    UPDATE_CLAUSE = "updateClause"
    ADD_VALUES_TO_CLAUSE = "addValuesToClause"
    REMOVE_VALUES_FROM_CLAUSE = "removeValuesFromClause"
    ADD_BIG_SEGMENT_INCLUDED_TARGETS = "addBigSegmentIncludedTargets"
    ADD_BIG_SEGMENT_EXCLUDED_TARGETS = "addBigSegmentExcludedTargets"
    REMOVE_BIG_SEGMENT_INCLUDED_TARGETS = "removeBigSegmentIncludedTargets"
    REMOVE_BIG_SEGMENT_EXCLUDED_TARGETS = "removeBigSegmentExcludedTargets"
    PROCESS_BIG_SEGMENT_IMPORT = "processBigSegmentImport"


K = InstructionKind
_USER_KINDS = frozenset(
    (K.ADD_INCLUDED_USERS, K.ADD_EXCLUDED_USERS, K.REMOVE_INCLUDED_USERS, K.REMOVE_EXCLUDED_USERS)
)
_CONTEXT_TARGET_KINDS = frozenset(
    (
        K.ADD_INCLUDED_TARGETS,
        K.ADD_EXCLUDED_TARGETS,
        K.REMOVE_INCLUDED_TARGETS,
        K.REMOVE_EXCLUDED_TARGETS,
    )
)
_BIG_TARGET_KINDS = frozenset(
    (
        K.ADD_BIG_SEGMENT_INCLUDED_TARGETS,
        K.ADD_BIG_SEGMENT_EXCLUDED_TARGETS,
        K.REMOVE_BIG_SEGMENT_INCLUDED_TARGETS,
        K.REMOVE_BIG_SEGMENT_EXCLUDED_TARGETS,
    )
)
#: Kinds that add keys to an include or exclude list (checked for include/exclude clashes).
ADD_TARGET_KINDS = frozenset(
    (
        K.ADD_INCLUDED_TARGETS,
        K.ADD_EXCLUDED_TARGETS,
        K.ADD_INCLUDED_USERS,
        K.ADD_EXCLUDED_USERS,
        K.ADD_BIG_SEGMENT_INCLUDED_TARGETS,
        K.ADD_BIG_SEGMENT_EXCLUDED_TARGETS,
    )
)
#: Kinds whose list is the included one (the others name the excluded list).
INCLUDED_KINDS = frozenset(
    (
        K.ADD_INCLUDED_TARGETS,
        K.REMOVE_INCLUDED_TARGETS,
        K.ADD_INCLUDED_USERS,
        K.REMOVE_INCLUDED_USERS,
        K.ADD_BIG_SEGMENT_INCLUDED_TARGETS,
        K.REMOVE_BIG_SEGMENT_INCLUDED_TARGETS,
    )
)


@dataclass(frozen=True, slots=True)
class TagsChange:
    kind: InstructionKind  # addTags | removeTags
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UpdateName:
    value: str
    kind: InstructionKind = field(default=K.UPDATE_NAME, init=False)


@dataclass(frozen=True, slots=True)
class TargetsChange:
    """add/remove Included/Excluded Targets, and the ``*Users`` kinds with kind ``user``."""

    kind: InstructionKind
    context_kind: str
    values: tuple[str, ...]

    @property
    def included(self) -> bool:
        return self.kind in INCLUDED_KINDS

    @property
    def adds(self) -> bool:
        return self.kind in ADD_TARGET_KINDS


@dataclass(frozen=True, slots=True)
class AddRule:
    clauses: tuple[Clause, ...]
    description: str | None = None
    kind: InstructionKind = field(default=K.ADD_RULE, init=False)


@dataclass(frozen=True, slots=True)
class RemoveRule:
    rule_id: str
    kind: InstructionKind = field(default=K.REMOVE_RULE, init=False)


@dataclass(frozen=True, slots=True)
class ReorderRules:
    rule_ids: tuple[str, ...]
    kind: InstructionKind = field(default=K.REORDER_RULES, init=False)


@dataclass(frozen=True, slots=True)
class UpdateRuleDescription:
    rule_id: str
    description: str
    kind: InstructionKind = field(default=K.UPDATE_RULE_DESCRIPTION, init=False)


@dataclass(frozen=True, slots=True)
class UpdateRuleRolloutAndContextKind:
    rule_id: str
    weight: int
    context_kind: str = DEFAULT_KIND
    kind: InstructionKind = field(default=K.UPDATE_RULE_ROLLOUT_AND_CONTEXT_KIND, init=False)


@dataclass(frozen=True, slots=True)
class AddClauses:
    rule_id: str
    clauses: tuple[Clause, ...]
    kind: InstructionKind = field(default=K.ADD_CLAUSES, init=False)


@dataclass(frozen=True, slots=True)
class RemoveClauses:
    rule_id: str
    clause_ids: tuple[str, ...]
    kind: InstructionKind = field(default=K.REMOVE_CLAUSES, init=False)


@dataclass(frozen=True, slots=True)
class UpdateClause:
    rule_id: str
    clause_id: str
    clause: Clause
    kind: InstructionKind = field(default=K.UPDATE_CLAUSE, init=False)


@dataclass(frozen=True, slots=True)
class ClauseValuesChange:
    kind: InstructionKind  # addValuesToClause | removeValuesFromClause
    rule_id: str
    clause_id: str
    values: tuple[JsonValue, ...]


@dataclass(frozen=True, slots=True)
class BigSegmentTargetsChange:
    """add/remove BigSegment Included/Excluded Targets: executed by the big-segment store."""

    kind: InstructionKind
    values: tuple[str, ...]

    @property
    def included(self) -> bool:
        return self.kind in INCLUDED_KINDS

    @property
    def adds(self) -> bool:
        return self.kind in ADD_TARGET_KINDS


@dataclass(frozen=True, slots=True)
class ProcessBigSegmentImport:
    import_id: str
    kind: InstructionKind = field(default=K.PROCESS_BIG_SEGMENT_IMPORT, init=False)


BigSegmentInstruction: TypeAlias = BigSegmentTargetsChange | ProcessBigSegmentImport
Instruction: TypeAlias = (
    TagsChange
    | UpdateName
    | TargetsChange
    | AddRule
    | RemoveRule
    | ReorderRules
    | UpdateRuleDescription
    | UpdateRuleRolloutAndContextKind
    | AddClauses
    | RemoveClauses
    | UpdateClause
    | ClauseValuesChange
    | BigSegmentInstruction
)

# ---------------------------------------------------------------- parsing

_Obj: TypeAlias = Mapping[str, object]


def _strings(obj: _Obj, name: str, where: str) -> tuple[str, ...]:
    """A required, non-empty array of non-empty strings."""
    items = get_list(obj, name, where, required=True)
    if not items:
        raise InvalidRequest(f"{where}.{name}: must not be empty")
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item:
            raise InvalidRequest(f"{where}.{name}[{i}]: expected a non-empty string")
    return tuple(items)  # type: ignore[arg-type]  # checked just above


def _scalars(obj: _Obj, name: str, where: str) -> tuple[JsonValue, ...]:
    items = get_list(obj, name, where, required=True)
    if not items:
        raise InvalidRequest(f"{where}.{name}: must not be empty")
    for i, item in enumerate(items):
        if not isinstance(item, str | int | float):  # bool is an int
            raise InvalidRequest(f"{where}.{name}[{i}]: expected a string, number or boolean")
    return tuple(items)  # type: ignore[arg-type]  # checked just above


def _clause(value: object, where: str) -> Clause:
    """A clause as instructions give it: ``contextKind`` defaults to ``user``, ids are ours."""
    obj = as_object(value, where)
    if not isinstance(obj.get("attribute", ""), str):  # the codec reads null/absent as ""
        raise InvalidRequest(f"{where}.attribute: expected a string")
    clause = clause_from_json(obj, where)
    clause = replace(clause, id=None, context_kind=clause.context_kind or DEFAULT_KIND)
    return check_clause(clause, field=where)


def _clauses(obj: _Obj, name: str, where: str, *, allow_empty: bool) -> tuple[Clause, ...]:
    items = get_list(obj, name, where, required=not allow_empty)
    if not items and not allow_empty:
        raise InvalidRequest(f"{where}.{name}: must not be empty")
    return tuple(_clause(c, f"{where}.{name}[{i}]") for i, c in enumerate(items))


def _kind(obj: _Obj, name: str, where: str) -> str:
    return check_context_kind(get_required_str(obj, name, where), field=f"{where}.{name}")


def _parse_targets(kind: K, obj: _Obj, where: str) -> Instruction:
    if kind in _USER_KINDS:
        return TargetsChange(kind, DEFAULT_KIND, _strings(obj, "values", where))
    if kind in _BIG_TARGET_KINDS:
        return BigSegmentTargetsChange(kind, _strings(obj, "values", where))
    return TargetsChange(kind, _kind(obj, "contextKind", where), _strings(obj, "values", where))


def _parse_rollout(obj: _Obj, where: str) -> Instruction:
    weight = get_int(obj, "weight", where)
    if weight is None or not 0 <= weight <= MAX_WEIGHT:
        raise InvalidRequest(f"{where}.weight: expected an integer from 0 to {MAX_WEIGHT}")
    context_kind = get_str(obj, "contextKind", where) or DEFAULT_KIND
    return UpdateRuleRolloutAndContextKind(
        rule_id=get_required_str(obj, "ruleId", where),
        weight=weight,
        context_kind=check_context_kind(context_kind, field=f"{where}.contextKind"),
    )


def _parse_clause_values(kind: K, obj: _Obj, where: str) -> Instruction:
    return ClauseValuesChange(
        kind,
        rule_id=get_required_str(obj, "ruleId", where),
        clause_id=get_required_str(obj, "clauseId", where),
        values=_scalars(obj, "values", where),
    )


_Parser: TypeAlias = Callable[[K, _Obj, str], Instruction]
_PARSERS: dict[K, _Parser] = {
    K.ADD_TAGS: lambda k, o, w: TagsChange(
        k, check_tags(_strings(o, "values", w), field=f"{w}.values")
    ),
    K.REMOVE_TAGS: lambda k, o, w: TagsChange(k, _strings(o, "values", w)),
    K.UPDATE_NAME: lambda _k, o, w: UpdateName(get_required_str(o, "value", w)),
    **dict.fromkeys(_USER_KINDS | _CONTEXT_TARGET_KINDS | _BIG_TARGET_KINDS, _parse_targets),
    K.ADD_RULE: lambda _k, o, w: AddRule(
        _clauses(o, "clauses", w, allow_empty=True), get_str(o, "description", w)
    ),
    K.REMOVE_RULE: lambda _k, o, w: RemoveRule(get_required_str(o, "ruleId", w)),
    K.REORDER_RULES: lambda _k, o, w: ReorderRules(_strings(o, "ruleIds", w)),
    K.UPDATE_RULE_DESCRIPTION: lambda _k, o, w: UpdateRuleDescription(
        get_required_str(o, "ruleId", w), get_str(o, "description", w) or ""
    ),
    K.UPDATE_RULE_ROLLOUT_AND_CONTEXT_KIND: lambda _k, o, w: _parse_rollout(o, w),
    K.ADD_CLAUSES: lambda _k, o, w: AddClauses(
        get_required_str(o, "ruleId", w), _clauses(o, "clauses", w, allow_empty=False)
    ),
    K.REMOVE_CLAUSES: lambda _k, o, w: RemoveClauses(
        get_required_str(o, "ruleId", w), _strings(o, "clauseIds", w)
    ),
    K.UPDATE_CLAUSE: lambda _k, o, w: UpdateClause(
        get_required_str(o, "ruleId", w),
        get_required_str(o, "clauseId", w),
        _clause(o.get("clause"), f"{w}.clause"),
    ),
    K.ADD_VALUES_TO_CLAUSE: _parse_clause_values,
    K.REMOVE_VALUES_FROM_CLAUSE: _parse_clause_values,
    K.PROCESS_BIG_SEGMENT_IMPORT: lambda _k, o, w: ProcessBigSegmentImport(
        get_required_str(o, "importId", w)
    ),
}


def parse_instruction(value: object, where: str) -> Instruction:
    """Parse one ``{"kind": ..., ...}`` object; ``where`` prefixes error messages."""
    obj = as_object(value, where)
    raw_kind = get_required_str(obj, "kind", where)
    try:
        kind = InstructionKind(raw_kind)
    except ValueError:
        raise InvalidRequest(
            f"{where}.kind: {raw_kind!r} is not a segment semantic-patch instruction"
        ) from None
    return _PARSERS[kind](kind, obj, where)


def parse_instructions(value: object) -> tuple[Instruction, ...]:
    """Parse a non-empty ``instructions`` array; the first bad instruction raises."""
    if not isinstance(value, list):
        raise InvalidRequest("instructions: expected an array")
    if not value:
        raise InvalidRequest("instructions: must not be empty")
    return tuple(parse_instruction(item, f"instructions[{i}]") for i, item in enumerate(value))
