"""Explain an evaluation: which rules and clauses matched, and what value was tested.

For the API's explain endpoint and for debugging. The membership verdict comes from
:func:`segmentd.evaluation.evaluator.evaluate`'s algorithm; the per-rule detail evaluates every
clause of every rule (no short-circuit) so that a caller sees why each rule did or did not
match. A clause that hits malformed data is reported with ``error`` instead of raising.
"""

from __future__ import annotations

from dataclasses import dataclass

from segmentd.domain.shared.context import Context
from segmentd.domain.shared.json_types import JsonValue
from segmentd.evaluation.clauses import clause_matches, clause_value
from segmentd.evaluation.preprocess import PreparedClause, PreparedRule, PreparedSegment
from segmentd.evaluation.reasons import ErrorDetail, MalformedSegment, Reason, Result
from segmentd.evaluation.segments import (
    BigSegmentMembership,
    Scope,
    SegmentProvider,
    rollout_bucket,
    segment_membership,
)


@dataclass(frozen=True, slots=True)
class ClauseExplanation:
    """One clause: did it match, and which context value was tested (``None`` if absent)."""

    index: int
    attribute: str
    op: str
    negate: bool
    context_kind: str
    matched: bool
    context_value: JsonValue
    error: ErrorDetail | None = None


@dataclass(frozen=True, slots=True)
class RuleExplanation:
    """One rule: its clauses, its rollout bucket if weighted, and the overall outcome."""

    index: int
    id: str | None
    matched: bool
    clauses: tuple[ClauseExplanation, ...]
    weight: int | None
    bucket: float | None
    error: ErrorDetail | None = None


@dataclass(frozen=True, slots=True)
class Explanation:
    """The evaluation result plus per-rule detail for the top-level segment."""

    result: Result
    rules: tuple[RuleExplanation, ...]


def explain(
    segment: PreparedSegment,
    context: Context,
    provider: SegmentProvider,
    *,
    big_segments: BigSegmentMembership | None = None,
) -> Explanation:
    """Evaluate ``segment`` for ``context`` and explain every rule and clause.

    Why: operators ask "why is (or isn't) this context a member?". Promise: ``result`` equals
    what ``evaluate`` returns; the rule detail never raises, and nested segments are reported
    as one clause each (their own rules are not expanded).
    """
    scope = Scope(context, provider, big_segments)
    try:
        is_member, reason = segment_membership(segment, scope)
        result = Result(is_member, reason, scope.big_segments_status)
    except MalformedSegment as failure:
        result = Result(False, Reason("error", error=failure.detail), scope.big_segments_status)
    rules = tuple(_explain_rule(rule, segment, context, provider) for rule in segment.rules)
    return Explanation(result, rules)


def _explain_rule(
    rule: PreparedRule, segment: PreparedSegment, context: Context, provider: SegmentProvider
) -> RuleExplanation:
    clauses = tuple(
        _explain_clause(i, clause, segment, context, provider)
        for i, clause in enumerate(rule.clauses)
    )
    matched = all(c.matched for c in clauses) and all(c.error is None for c in clauses)
    bucket: float | None = None
    error: ErrorDetail | None = None
    if rule.weight is not None:
        try:
            bucket = rollout_bucket(rule, segment, context)
        except MalformedSegment as failure:
            error = failure.detail
        matched = matched and bucket is not None and bucket < rule.weight / 100_000
    return RuleExplanation(
        rule.index, rule.reason.rule_id, matched, clauses, rule.weight, bucket, error
    )


def _explain_clause(
    index: int,
    clause: PreparedClause,
    segment: PreparedSegment,
    context: Context,
    provider: SegmentProvider,
) -> ClauseExplanation:
    value: JsonValue = None
    error: ErrorDetail | None = None
    matched = False
    scope = Scope(context, provider)
    scope.stack.append(segment.key)
    try:
        if not clause.is_segment_match and not clause.is_kind:
            value = clause_value(clause, context)[1]
        elif clause.is_kind:
            value = list(context.kinds)
        matched = clause_matches(clause, context, scope)
    except MalformedSegment as failure:
        error = failure.detail
    return ClauseExplanation(
        index=index,
        attribute=clause.source.attribute,
        op=clause.op,
        negate=clause.negate,
        context_kind=clause.context_kind,
        matched=matched,
        context_value=value,
        error=error,
    )
