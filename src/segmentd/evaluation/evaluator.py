"""Public façade of the evaluator: is a context a member of a segment, and why?

Pure and synchronous: no I/O, no framework. Segments come from a :class:`SegmentProvider`
(prepared once per version), Big Segment memberships from an optional
:class:`BigSegmentMembership`. Malformed data never raises out of :func:`evaluate`; it comes
back as a ``Result`` whose reason kind is ``"error"`` (LD's MALFORMED_FLAG).
"""

from __future__ import annotations

from collections.abc import Iterable

from segmentd.domain.segments.model import Segment
from segmentd.domain.shared.context import Context
from segmentd.evaluation.batch import SegmentBatch, batched_rules_membership
from segmentd.evaluation.explain import ClauseExplanation, Explanation, RuleExplanation, explain
from segmentd.evaluation.preprocess import PreparedCache, PreparedSegment, prepare_segment
from segmentd.evaluation.reasons import (
    BigSegmentsStatus,
    ErrorDetail,
    MalformedSegment,
    Reason,
    Result,
    reason_to_json,
)
from segmentd.evaluation.segments import (
    BigSegmentMembership,
    MembershipQuery,
    Scope,
    SegmentProvider,
    hashed_context_key,
    segment_membership,
    targeted_membership,
)

__all__ = [
    "BigSegmentMembership",
    "BigSegmentsStatus",
    "ClauseExplanation",
    "ErrorDetail",
    "Explanation",
    "MembershipQuery",
    "PreparedCache",
    "PreparedSegment",
    "Reason",
    "Result",
    "RuleExplanation",
    "SegmentBatch",
    "SegmentProvider",
    "StaticSegments",
    "evaluate",
    "evaluate_many",
    "explain",
    "hashed_context_key",
    "prepare_segment",
    "reason_to_json",
]


def evaluate(
    segment: str | Segment | PreparedSegment,
    context: Context,
    provider: SegmentProvider,
    *,
    big_segments: BigSegmentMembership | None = None,
) -> Result:
    """Decide whether ``context`` is a member of ``segment``.

    Why: the one entry point the service layer and API use, so that membership has a single
    definition (docs/evaluation.md §how-membership-is-decided). ``segment`` may be a key (looked up
    in ``provider``), a stored :class:`Segment` (prepared on the spot: slow, for one-offs) or a
    :class:`PreparedSegment`. Promise: never raises for decoded data; an unknown or deleted segment,
    a cycle or a bad attribute reference yields ``Reason(kind="error")`` and ``is_member=False``.
    ``big_segments_status`` is set when a Big Segment was consulted.
    """
    prepared = provider.get_segment(segment) if isinstance(segment, str) else None
    if prepared is None or prepared.deleted:
        found = _resolve(segment, provider)
        if isinstance(found, Result):
            return found
        prepared = found
    scope = Scope(context, provider, big_segments)
    try:
        is_member, reason = segment_membership(prepared, scope)
    except MalformedSegment as failure:
        return Result(False, Reason("error", error=failure.detail), scope.big_segments_status)
    return Result(is_member, reason, scope.big_segments_status)


def evaluate_many(
    segments: Iterable[PreparedSegment] | SegmentBatch,
    context: Context,
    provider: SegmentProvider,
    *,
    big_segments: BigSegmentMembership | None = None,
) -> list[Result]:
    """:func:`evaluate` for one context over many segments, in the order given.

    Why: answering "which segments is this context in?" for a whole environment. One scope
    serves every segment, so a Big Segment store is asked at most once per context key, and
    the segments' value-set clauses are looked up through a :class:`SegmentBatch` (pass one
    to reuse it; otherwise one is built for this call). Promise: each result equals what
    :func:`evaluate` returns for that segment alone.
    """
    batch = segments if isinstance(segments, SegmentBatch) else SegmentBatch(segments)
    scope = Scope(context, provider, big_segments)
    scope.clause_results = {}  # the same clause in many segments is decided once
    matched = batch.matched_clauses(context)
    results = []
    for prepared in batch.segments:
        scope.big_segments_status = None
        try:
            if prepared.batchable:
                decided = targeted_membership(prepared, context)
                if decided is None:
                    decided = batched_rules_membership(prepared, matched, scope)
                is_member, reason = decided
            else:
                is_member, reason = segment_membership(prepared, scope)
        except MalformedSegment as failure:
            is_member, reason = False, Reason("error", error=failure.detail)
            scope.stack.clear()
        results.append(Result(is_member, reason, scope.big_segments_status))
    return results


def _resolve(
    segment: str | Segment | PreparedSegment, provider: SegmentProvider
) -> PreparedSegment | Result:
    if isinstance(segment, str):
        found = provider.get_segment(segment)
        key = segment
    else:
        found = segment if isinstance(segment, PreparedSegment) else prepare_segment(segment)
        key = found.key
    if found is None or found.deleted:
        detail = ErrorDetail("segmentNotFound", f"segment {key!r} not found")
        return Result(False, Reason("error", error=detail))
    return found


class StaticSegments:
    """An in-memory :class:`SegmentProvider` over a fixed set of segments.

    Useful for tests, the CLI and the benchmark; the service uses its repository instead.
    Each segment is prepared once, through a shared :class:`PreparedCache`.
    """

    def __init__(self, segments: Iterable[Segment], *, cache: PreparedCache | None = None) -> None:
        self._cache = cache or PreparedCache()
        self._segments = {s.key: self._cache.get(s) for s in segments}

    def get_segment(self, key: str) -> PreparedSegment | None:
        """The prepared segment stored under ``key``, if any."""
        return self._segments.get(key)
