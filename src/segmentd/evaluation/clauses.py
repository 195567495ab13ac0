"""Clause matching: one clause against one context (docs/evaluation.md §clauses).

The order of checks is LaunchDarkly's: ``segmentMatch`` first (values are segment keys), then
the ``kind`` pseudo-attribute, then the clause's context kind, then the attribute. A missing
context kind or a missing/null attribute is a non-match that ``negate`` does NOT flip; an
array attribute matches if any element does.
"""

from __future__ import annotations

from typing import Protocol

from segmentd.domain.shared.context import Context
from segmentd.domain.shared.json_types import JsonValue
from segmentd.evaluation.preprocess import PreparedClause
from segmentd.evaluation.reasons import MalformedSegment


class SegmentLookup(Protocol):
    """What a ``segmentMatch`` clause needs: membership of this context in another segment."""

    def matches_segment_key(self, key: str) -> bool:
        """Whether the evaluated context is in segment ``key`` (unknown/deleted: ``False``)."""
        ...


def clause_value(clause: PreparedClause, context: Context) -> tuple[bool, JsonValue]:
    """The context value a value-testing clause looks at: ``(found, value)``.

    ``found`` is ``False`` when the context lacks the clause's kind or the attribute is
    absent or null. Raises :class:`MalformedSegment` for an invalid attribute reference,
    which LD reports only when the context has the clause's kind.
    """
    member = context.by_kind.get(clause.context_kind)
    if member is None:
        return False, None
    if clause.attribute.error is not None:
        raise MalformedSegment(
            "attributeReference",
            f"clause attribute {clause.attribute.raw!r}: {clause.attribute.error}",
        )
    value = member.resolve(clause.attribute)
    return value is not None, value


def clause_matches(clause: PreparedClause, context: Context, segments: SegmentLookup) -> bool:
    """Whether ``context`` satisfies ``clause``.

    Why: this is the unit every segment rule is built from. Promise: type mismatches and
    unknown operators are non-matches; only malformed data (a bad attribute reference, or a
    segment cycle found through ``segments``) raises :class:`MalformedSegment`.
    """
    if not clause.is_segment_match and not clause.is_kind:
        # Hot path: an ordinary attribute test, inlined for speed.
        member = context.by_kind.get(clause.context_kind)
        if member is None:
            return False  # negate is not applied to a missing kind (LD parity)
        name = clause.top_level_name
        value = member.lookup.get(name) if name is not None else clause_value(clause, context)[1]
        if value is None:
            return False  # negate is not applied to a missing value (LD parity)
        if type(value) is list:
            return any(map(clause.test, value)) != clause.negate
        return clause.test(value) != clause.negate
    if clause.is_segment_match:
        for key in clause.segment_keys:
            if segments.matches_segment_key(key):
                return not clause.negate
        return clause.negate
    return any(map(clause.test, context.kinds)) != clause.negate  # the `kind` attribute
