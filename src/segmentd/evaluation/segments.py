"""Segment membership (docs/evaluation.md §how-membership-is-decided).

Order of checks: cycle check, then Big Segment procedure for ``unbounded`` segments, else
``included`` → ``includedContexts`` → ``excluded`` → ``excludedContexts`` → rules. Includes
beat excludes. Where SDKs disagree we follow the Go reference (see ``docs/evaluation.md``).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from segmentd.domain.shared.clauses import DEFAULT_KIND
from segmentd.domain.shared.context import Context
from segmentd.evaluation.bucketing import bucket, bucketable_value, in_rollout
from segmentd.evaluation.clauses import clause_matches
from segmentd.evaluation.preprocess import PreparedClause, PreparedRule, PreparedSegment
from segmentd.evaluation.reasons import (
    BIG_SEGMENT_EXCLUDED,
    BIG_SEGMENT_INCLUDED,
    EXCLUDED,
    INCLUDED,
    NO_MATCH,
    BigSegmentsStatus,
    MalformedSegment,
    Reason,
)


class SegmentProvider(Protocol):
    """Where nested ``segmentMatch`` clauses (and evaluation by key) find segments."""

    def get_segment(self, key: str) -> PreparedSegment | None:
        """The current prepared version of segment ``key``, or ``None`` if unknown."""
        ...


@dataclass(frozen=True, slots=True)
class MembershipQuery:
    """A Big Segment store's answer for one context key.

    ``membership`` maps ``<segment key>.g<generation>`` to ``True`` (included) or ``False``
    (excluded); a ref that is both included and excluded must be reported as ``True``.
    ``None`` means the store knows nothing about this key.
    """

    membership: Mapping[str, bool] | None
    status: BigSegmentsStatus


class BigSegmentMembership(Protocol):
    """The Big Segment store, as the evaluator sees it.

    ``get_membership`` receives the plain context key (stores that index by
    :func:`hashed_context_key` hash it themselves) and reports staleness in ``status``. If it
    raises, the evaluation records ``STORE_ERROR`` and evaluates the segment's rules.
    """

    def get_membership(self, context_key: str) -> MembershipQuery:
        """All Big Segment memberships of one context key, with the store's status."""
        ...


def hashed_context_key(context_key: str) -> str:
    """LD's Big Segment store key: base64(SHA-256(UTF-8 key)), standard alphabet, padded."""
    return base64.b64encode(hashlib.sha256(context_key.encode()).digest()).decode("ascii")


class Scope:
    """State of one evaluation: segment stack (cycles), Big Segment cache and status."""

    __slots__ = (
        "_memberships",
        "big_segments",
        "big_segments_status",
        "clause_results",
        "context",
        "provider",
        "stack",
    )

    def __init__(
        self,
        context: Context,
        provider: SegmentProvider,
        big_segments: BigSegmentMembership | None = None,
    ) -> None:
        self.context = context
        self.provider = provider
        self.big_segments = big_segments
        self.stack: list[str] = []
        self.big_segments_status: BigSegmentsStatus | None = None
        #: Answers of clauses by ``PreparedClause.identity``, shared by the segments of one
        #: multi-segment evaluation (``None``: not shared).
        self.clause_results: dict[int, bool] | None = None
        self._memberships: dict[str, tuple[Mapping[str, bool] | None, BigSegmentsStatus]] | None = (
            None
        )

    def matches_segment_key(self, key: str) -> bool:
        """Membership in a nested segment; unknown or deleted segments do not match."""
        segment = self.provider.get_segment(key)
        if segment is None or segment.deleted:
            return False
        return segment_membership(segment, self)[0]

    def record_status(self, status: BigSegmentsStatus) -> None:
        """Keep the most severe status seen (Go; the Python SDK keeps the last one)."""
        current = self.big_segments_status
        if current is None or status.severity > current.severity:
            self.big_segments_status = status

    def membership_of(self, context_key: str) -> Mapping[str, bool] | None:
        """Big Segment memberships of a key, queried at most once per scope; the store's
        status is recorded on every use, so each evaluation reports it."""
        if self._memberships is None:
            self._memberships = {}
        cached = self._memberships.get(context_key)
        if cached is not None:
            self.record_status(cached[1])
            return cached[0]
        membership: Mapping[str, bool] | None = None
        if self.big_segments is None:
            status = BigSegmentsStatus.NOT_CONFIGURED
        else:
            try:
                answer = self.big_segments.get_membership(context_key)
            except Exception:  # a failing store is a status, not an evaluation error
                status = BigSegmentsStatus.STORE_ERROR
            else:
                status = answer.status
                membership = answer.membership
        self.record_status(status)
        self._memberships[context_key] = (membership, status)
        return membership


def segment_membership(segment: PreparedSegment, scope: Scope) -> tuple[bool, Reason]:
    """Whether the scope's context is in ``segment``, and why.

    Why: the single implementation of LD's membership order, shared by top-level evaluation
    and nested ``segmentMatch``. Promise: raises only :class:`MalformedSegment` (cycle, bad
    attribute reference, bad ``bucketBy``); a Big Segment store failure is a status.
    """
    stack = scope.stack
    if segment.key in stack:
        chain = " -> ".join([*stack, segment.key])
        raise MalformedSegment("cycle", f"segment reference cycle: {chain}")
    stack.append(segment.key)
    try:
        if segment.unbounded:
            return _big_segment_membership(segment, scope)
        decided = targeted_membership(segment, scope.context)
        if decided is not None:
            return decided
        return _rules_membership(segment, scope)
    finally:
        stack.pop()


def targeted_membership(segment: PreparedSegment, context: Context) -> tuple[bool, Reason] | None:
    """The target lists' answer (``included`` ... ``excludedContexts``), or ``None`` when
    they do not decide and the rules must."""
    user = context.by_kind.get(DEFAULT_KIND)
    if user is not None and user.key in segment.included:
        return True, INCLUDED
    # Go skips the per-kind lists for a context that is a single user (a `user` entry there
    # is LD-invalid data); the Python SDK checks them. We follow Go.
    check_kinds = segment.has_kind_targets and (user is None or context.is_multi)
    if check_kinds:
        for target in segment.included_contexts:
            member = context.individual(target.context_kind)
            if member is not None and member.key in target.keys:
                return True, target.reason
    if user is not None and user.key in segment.excluded:
        return False, EXCLUDED
    if check_kinds:
        for target in segment.excluded_contexts:
            member = context.individual(target.context_kind)
            if member is not None and member.key in target.keys:
                return False, target.reason
    return None


def _rules_membership(segment: PreparedSegment, scope: Scope) -> tuple[bool, Reason]:
    for rule in segment.rules:
        if rule_matches(rule, segment, scope):
            return True, rule.reason
    return False, NO_MATCH


def rule_matches(rule: PreparedRule, segment: PreparedSegment, scope: Scope) -> bool:
    """All clauses match and, for a weighted rule, the context buckets inside ``weight``."""
    return clauses_match(rule.clauses, scope) and rollout_admits(rule, segment, scope.context)


def clauses_match(clauses: tuple[PreparedClause, ...], scope: Scope) -> bool:
    """Every clause matches the scope's context, in order; each distinct clause is decided
    once per scope when the scope shares clause results (``Scope.clause_results``)."""
    context = scope.context
    shared = scope.clause_results
    for clause in clauses:
        identity = clause.identity
        if shared is None or identity is None:
            if not clause_matches(clause, context, scope):
                return False
            continue
        matched = shared.get(identity)
        if matched is None:
            matched = shared[identity] = clause_matches(clause, context, scope)
        if not matched:
            return False
    return True


def rollout_admits(rule: PreparedRule, segment: PreparedSegment, context: Context) -> bool:
    """An unweighted rule admits every context; a weighted one those bucketed inside it."""
    if rule.weight is None:
        return True
    value = rollout_bucket(rule, segment, context)
    return value is not None and in_rollout(value, rule.weight)


def rollout_bucket(rule: PreparedRule, segment: PreparedSegment, context: Context) -> float | None:
    """The context's bucket for a weighted rule, or ``None`` if it lacks the rollout kind.

    ``None`` makes the rule a non-match: this follows Go; the Python SDK uses bucket -1,
    which matches every weight. An absent or unbucketable value is bucket 0.
    """
    member = context.by_kind.get(rule.rollout_context_kind)
    if member is None:
        return None
    ref = rule.bucket_by
    if ref is None:
        text: str | None = member.key
    elif ref.error is not None:
        raise MalformedSegment("bucketBy", f"rule bucketBy {ref.raw!r}: {ref.error}")
    else:
        text = bucketable_value(member.resolve(ref))
    if text is None:
        return 0.0
    return bucket(segment.key, segment.salt, text)


def _big_segment_membership(segment: PreparedSegment, scope: Scope) -> tuple[bool, Reason]:
    if segment.generation is None:
        scope.record_status(BigSegmentsStatus.NOT_CONFIGURED)
        return False, NO_MATCH
    member = scope.context.individual(segment.unbounded_context_kind)
    if member is None:
        return False, NO_MATCH  # no query and no status, as in LD
    membership = scope.membership_of(member.key)
    included = None if membership is None else membership.get(segment.big_segment_ref)
    if included is True:
        return True, BIG_SEGMENT_INCLUDED
    if included is False:
        return False, BIG_SEGMENT_EXCLUDED
    # Unknown to the store: the JSON target lists are ignored, only rules count.
    return _rules_membership(segment, scope)
