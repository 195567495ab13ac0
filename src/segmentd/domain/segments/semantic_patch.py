"""Segment semantic patch (``domain-model=launchdarkly.semanticpatch``): parse, then apply_all.

:func:`apply_all` is all or nothing (docs/lifecycle.md §semantic-patch-instructions): it checks the
whole batch against the segment first, applies the instructions in order to an immutable working
copy, validates the result with :func:`validation.validate_segment`, and only then returns it. An
instruction whose effect already holds is a silent no-op; when the whole batch changes nothing, the
very same ``Segment`` object comes back, so the caller keeps the version.

Big-segment instructions (``*BigSegment*Targets``, ``processBigSegmentImport``) act on
membership stored outside the segment. ``apply_all`` checks them (big segment only, batch
limit, no key both added as included and as excluded within the batch) and hands them back
in :attr:`PatchResult.big_segment_instructions`, in request order, for the service to run
in the same transaction as the segment update.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import singledispatch

from segmentd.domain.segments.codec import as_object, get_str
from segmentd.domain.segments.instructions import (
    AddClauses,
    AddRule,
    BigSegmentInstruction,
    BigSegmentTargetsChange,
    ClauseValuesChange,
    Instruction,
    InstructionKind,
    ProcessBigSegmentImport,
    RemoveClauses,
    RemoveRule,
    ReorderRules,
    TagsChange,
    TargetsChange,
    UpdateClause,
    UpdateName,
    UpdateRuleDescription,
    UpdateRuleRolloutAndContextKind,
    parse_instructions,
)
from segmentd.domain.segments.model import Segment, SegmentRule
from segmentd.domain.segments.model import SegmentTarget as Target
from segmentd.domain.segments.validation import validate_segment
from segmentd.domain.shared.clauses import DEFAULT_KIND, Clause, clause_value_key
from segmentd.domain.shared.ids import NewId, new_uuid
from segmentd.domain.shared.validate import check_clause, check_name
from segmentd.errors import InvalidRequest

__all__ = [
    "MAX_TARGET_OPERATIONS",
    "PatchResult",
    "SemanticPatch",
    "apply_all",
    "parse_instructions",
    "parse_semantic_patch",
]

#: Individual-target operations one request may carry
#: (docs/lifecycle.md §semantic-patch-instructions).
MAX_TARGET_OPERATIONS = 1_500


@dataclass(frozen=True, slots=True)
class SemanticPatch:
    instructions: tuple[Instruction, ...]
    environment_key: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class PatchResult:
    """What :func:`apply_all` produced.

    ``segment`` is the new segment, or the input object itself when nothing changed.
    ``big_segment_instructions`` must still be executed against big-segment membership.
    """

    segment: Segment
    big_segment_instructions: tuple[BigSegmentInstruction, ...] = ()


def parse_semantic_patch(body: object, *, environment_key: str | None = None) -> SemanticPatch:
    """Read ``{"environmentKey"?, "comment"?, "instructions": [...]}``.

    ``environmentKey`` may be left out, since the path names the environment; when both are
    given and differ, the request is a 400 (docs/lifecycle.md §patching-a-segment).
    """
    obj = as_object(body, "body")
    body_env = get_str(obj, "environmentKey")
    if environment_key is not None and body_env is not None and body_env != environment_key:
        raise InvalidRequest(
            f"environmentKey: {body_env!r} does not match the environment in the path "
            f"({environment_key!r})"
        )
    return SemanticPatch(
        instructions=parse_instructions(obj.get("instructions")),
        environment_key=body_env,
        comment=get_str(obj, "comment"),
    )


# ---------------------------------------------------------------- batch checks


def _check_batch(segment: Segment, instructions: tuple[Instruction, ...]) -> None:
    operations = sum(
        len(i.values)
        for i in instructions
        if isinstance(i, TargetsChange | BigSegmentTargetsChange)
    )
    if operations > MAX_TARGET_OPERATIONS:
        raise InvalidRequest(
            f"instructions: at most {MAX_TARGET_OPERATIONS} individual-target operations per "
            f"request; this one has {operations}"
        )
    for i, instruction in enumerate(instructions):
        is_big = isinstance(instruction, BigSegmentTargetsChange | ProcessBigSegmentImport)
        if is_big and not segment.unbounded:
            raise InvalidRequest(f"instructions[{i}]: '{instruction.kind}': not a big segment")
        targeting = not is_big and not isinstance(instruction, TagsChange | UpdateName)
        if targeting and segment.unbounded:
            raise InvalidRequest(
                f"instructions[{i}]: '{instruction.kind}': a big segment has no rules or "
                "individual targets; use the big-segment instructions"
            )
    big_adds = [i for i in instructions if isinstance(i, BigSegmentTargetsChange) and i.adds]
    included = {k for i in big_adds if i.included for k in i.values}
    both = sorted(included.intersection(k for i in big_adds if not i.included for k in i.values))
    if both:
        raise InvalidRequest(f"instructions: keys both included and excluded: {both}")


# ---------------------------------------------------------------- individual targets


def _keys(segment: Segment, *, included: bool, kind: str) -> tuple[str, ...]:
    legacy = segment.included if included else segment.excluded
    targets = segment.included_contexts if included else segment.excluded_contexts
    keys = legacy if kind == DEFAULT_KIND else ()
    return keys + tuple(k for t in targets if t.context_kind == kind for k in t.values)


def _with_keys(segment: Segment, keys: tuple[str, ...], *, included: bool, kind: str) -> Segment:
    """Store ``keys`` as the list for ``kind``; ``user`` keys live in the legacy list."""
    targets = segment.included_contexts if included else segment.excluded_contexts
    others = tuple(t for t in targets if t.context_kind != kind)
    if kind != DEFAULT_KIND:
        at = next((i for i, t in enumerate(targets) if t.context_kind == kind), len(targets))
        others = (*others[:at], *((Target(kind, keys),) if keys else ()), *others[at:])
        keys = segment.included if included else segment.excluded
    if included:
        return replace(segment, included=keys, included_contexts=others)
    return replace(segment, excluded=keys, excluded_contexts=others)


@singledispatch
def _apply(instruction: Instruction, segment: Segment) -> Segment:
    raise NotImplementedError(type(instruction).__name__)  # every Instruction is registered


@_apply.register
def _(instruction: TargetsChange, segment: Segment) -> Segment:
    kind, included = instruction.context_kind, instruction.included
    current = _keys(segment, included=included, kind=kind)
    if not instruction.adds:
        removed = set(instruction.values)
        return _with_keys(
            segment, tuple(k for k in current if k not in removed), included=included, kind=kind
        )
    opposite = set(_keys(segment, included=not included, kind=kind))
    clash = sorted(opposite.intersection(instruction.values))
    if clash:
        raise InvalidRequest(f"keys would be both included and excluded for {kind!r}: {clash}")
    merged = tuple(dict.fromkeys(current + instruction.values))
    return (
        segment if merged == current else _with_keys(segment, merged, included=included, kind=kind)
    )


@_apply.register
def _(instruction: TagsChange, segment: Segment) -> Segment:
    if instruction.kind is InstructionKind.ADD_TAGS:
        return replace(segment, tags=tuple(dict.fromkeys(segment.tags + instruction.values)))
    removed = set(instruction.values)
    return replace(segment, tags=tuple(t for t in segment.tags if t not in removed))


@_apply.register
def _(instruction: UpdateName, segment: Segment) -> Segment:
    return replace(segment, name=check_name(instruction.value, field="value"))


@_apply.register
def _(_instruction: BigSegmentTargetsChange | ProcessBigSegmentImport, segment: Segment) -> Segment:
    return segment  # membership lives outside the segment: see PatchResult


# ---------------------------------------------------------------- rules and clauses


def _rule_index(segment: Segment, rule_id: str) -> int:
    for i, rule in enumerate(segment.rules):
        if rule.id == rule_id:
            return i
    raise InvalidRequest(f"ruleId: no rule with id {rule_id!r}")


def _with_rule(segment: Segment, index: int, rule: SegmentRule) -> Segment:
    return replace(segment, rules=(*segment.rules[:index], rule, *segment.rules[index + 1 :]))


def _clause_index(rule: SegmentRule, clause_id: str) -> int:
    for i, clause in enumerate(rule.clauses):
        if clause.id == clause_id:
            return i
    raise InvalidRequest(f"clauseId: no clause with id {clause_id!r} in rule {rule.id!r}")


@_apply.register
def _(instruction: AddRule, segment: Segment) -> Segment:
    rule = SegmentRule(clauses=instruction.clauses, description=instruction.description)
    return replace(segment, rules=(*segment.rules, rule))


@_apply.register
def _(instruction: RemoveRule, segment: Segment) -> Segment:
    # LaunchDarkly documents removeRule on a missing rule as doing nothing.
    return replace(segment, rules=tuple(r for r in segment.rules if r.id != instruction.rule_id))


@_apply.register
def _(instruction: ReorderRules, segment: Segment) -> Segment:
    current = [r.id for r in segment.rules]
    wanted = list(instruction.rule_ids)
    if sorted(wanted) != sorted(i for i in current if i is not None) or len(wanted) != len(current):
        raise InvalidRequest("ruleIds: must list every rule id of the segment exactly once")
    by_id = {r.id: r for r in segment.rules}
    return replace(segment, rules=tuple(by_id[i] for i in wanted))


@_apply.register
def _(instruction: UpdateRuleDescription, segment: Segment) -> Segment:
    index = _rule_index(segment, instruction.rule_id)
    rule = replace(segment.rules[index], description=instruction.description)
    return _with_rule(segment, index, rule)


@_apply.register
def _(instruction: UpdateRuleRolloutAndContextKind, segment: Segment) -> Segment:
    index = _rule_index(segment, instruction.rule_id)
    rule = replace(
        segment.rules[index],
        weight=instruction.weight,
        rollout_context_kind=instruction.context_kind,
    )
    return _with_rule(segment, index, rule)


@_apply.register
def _(instruction: AddClauses, segment: Segment) -> Segment:
    index = _rule_index(segment, instruction.rule_id)
    rule = segment.rules[index]
    return _with_rule(segment, index, replace(rule, clauses=rule.clauses + instruction.clauses))


@_apply.register
def _(instruction: RemoveClauses, segment: Segment) -> Segment:
    index = _rule_index(segment, instruction.rule_id)
    rule = segment.rules[index]
    removed = set(instruction.clause_ids)  # unknown clause ids are ignored, like removeRule
    clauses = tuple(c for c in rule.clauses if c.id not in removed)
    return _with_rule(segment, index, replace(rule, clauses=clauses))


def _update_clause(segment: Segment, rule_id: str, clause_id: str, new: Clause) -> Segment:
    index = _rule_index(segment, rule_id)
    rule = segment.rules[index]
    at = _clause_index(rule, clause_id)
    clauses = (*rule.clauses[:at], replace(new, id=clause_id), *rule.clauses[at + 1 :])
    return _with_rule(segment, index, replace(rule, clauses=clauses))


@_apply.register
def _(instruction: UpdateClause, segment: Segment) -> Segment:
    return _update_clause(segment, instruction.rule_id, instruction.clause_id, instruction.clause)


@_apply.register
def _(instruction: ClauseValuesChange, segment: Segment) -> Segment:
    rule = segment.rules[_rule_index(segment, instruction.rule_id)]
    clause = rule.clauses[_clause_index(rule, instruction.clause_id)]
    if instruction.kind is InstructionKind.ADD_VALUES_TO_CLAUSE:
        present = {clause_value_key(v) for v in clause.values}
        added = tuple(v for v in instruction.values if clause_value_key(v) not in present)
        values = clause.values + tuple({clause_value_key(v): v for v in added}.values())
    else:
        removed = {clause_value_key(v) for v in instruction.values}
        values = tuple(v for v in clause.values if clause_value_key(v) not in removed)
    new = check_clause(replace(clause, values=values), field="clause")
    return _update_clause(segment, instruction.rule_id, instruction.clause_id, new)


# ---------------------------------------------------------------- the batch


def apply_all(
    segment: Segment,
    instructions: tuple[Instruction, ...],
    *,
    new_id: NewId = new_uuid,
) -> PatchResult:
    """Apply a whole batch of instructions, atomically; see the module docstring.

    Raises :class:`InvalidRequest` (400) naming ``instructions[i]`` for the first failing
    instruction: unknown rule or clause ids, a key both included and excluded after an
    ``add*``, more than :data:`MAX_TARGET_OPERATIONS` target operations, big-segment
    instructions on a standard segment (or targeting instructions on a big one), and any
    result that :func:`validate_segment` refuses (such as more than 15,000 targets).
    ``new_id`` names the rules and clauses the batch creates.
    """
    _check_batch(segment, instructions)
    working = segment
    for i, instruction in enumerate(instructions):
        try:
            working = _apply(instruction, working)
        except InvalidRequest as exc:
            raise InvalidRequest(f"instructions[{i}] ({instruction.kind}): {exc.message}") from None
    result = validate_segment(working, new_id=new_id)
    big = tuple(
        i for i in instructions if isinstance(i, BigSegmentTargetsChange | ProcessBigSegmentImport)
    )
    return PatchResult(segment if result == segment else result, big)
