"""The segment data model, as frozen value objects.

Field meanings follow LaunchDarkly's data model (docs/evaluation.md §the-segment-object);
names are snake_case here and camelCase only in :mod:`segmentd.domain.segments.codec`.
Collections are tuples so that objects are hashable and safely shared between threads.
"""

from __future__ import annotations

from dataclasses import dataclass

from segmentd.domain.shared.clauses import Clause

#: Individual targets a standard segment may hold (included plus excluded, all kinds).
MAX_STANDARD_TARGETS = 15_000


@dataclass(frozen=True, slots=True)
class SegmentRule:
    """Clauses ANDed together, optionally limited to a percentage (``weight``)."""

    clauses: tuple[Clause, ...]
    id: str | None = None
    weight: int | None = None
    bucket_by: str | None = None
    rollout_context_kind: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class SegmentTarget:
    """Individually targeted keys of one context kind."""

    context_kind: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Segment:
    """A named audience in one environment.

    ``version`` grows by one on every stored change (SDKs ignore versions that do not grow).
    ``generation`` is ``None`` for standard segments and counts full replacements of a big
    segment's membership (LaunchDarkly's ``<key>.g<generation>`` references).
    """

    key: str
    name: str
    creation_date: int
    last_modified_date: int
    version: int = 1
    salt: str = ""
    description: str | None = None
    tags: tuple[str, ...] = ()
    included: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    included_contexts: tuple[SegmentTarget, ...] = ()
    excluded_contexts: tuple[SegmentTarget, ...] = ()
    rules: tuple[SegmentRule, ...] = ()
    unbounded: bool = False
    unbounded_context_kind: str | None = None
    generation: int | None = None
    deleted: bool = False

    @property
    def target_count(self) -> int:
        """Individual targets held in the segment itself (big-segment members live elsewhere)."""
        return (
            len(self.included)
            + len(self.excluded)
            + sum(len(t.values) for t in self.included_contexts)
            + sum(len(t.values) for t in self.excluded_contexts)
        )
