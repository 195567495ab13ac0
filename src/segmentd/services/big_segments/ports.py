"""What the big-segment use cases need from a store and from the SDK-facing membership store."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from segmentd.domain.big_segments.model import (
    ExportRecord,
    ImportRecord,
    Membership,
    MembershipCounts,
    TargetChanges,
)
from segmentd.domain.projects.model import Environment
from segmentd.domain.segments.model import Segment


class BigSegmentRepository(Protocol):
    """Big-segment membership (millions of keys per segment) and its counts.

    Membership rows are keyed by (segment, generation, key, list); reads use the segment's
    current generation, so a replacement written under ``generation + 1`` stays invisible
    until the segment row switches to it in the same transaction.
    """

    def prepare(self, *, environment_id: str, segment: Segment) -> bool:
        """Tie the membership to this incarnation of the segment before writing; ``True``
        when leftovers of an earlier segment with the same key were dropped."""
        ...

    def counts(self, *, environment_id: str, segment: Segment) -> MembershipCounts: ...

    def set_counts(self, *, environment_id: str, key: str, counts: MembershipCounts) -> None: ...

    def membership(
        self, *, environment_id: str, segment: Segment, context_key: str
    ) -> Membership: ...

    def memberships_of_key(self, *, environment_id: str, context_key: str) -> dict[str, bool]:
        """``<segment key>.g<generation>`` → included (``True``, wins) or excluded
        (``False``) for every big segment of the environment that lists the key."""
        ...

    def lookup(
        self, *, project_key: str, environment_key: str, key: str, context_key: str
    ) -> tuple[bool, Membership] | None:
        """(is a big segment, membership) in one query; ``None`` if there is no such
        segment (the caller then finds out what is missing, for the error message)."""
        ...

    def add(
        self,
        *,
        environment_id: str,
        key: str,
        generation: int,
        keys: Iterable[str],
        excluded: bool,
    ) -> int:
        """Bulk-add keys (duplicates ignored); returns how many rows are new."""
        ...

    def remove(
        self,
        *,
        environment_id: str,
        key: str,
        generation: int,
        keys: Sequence[str],
        excluded: bool,
    ) -> int: ...

    def present(
        self,
        *,
        environment_id: str,
        key: str,
        generation: int,
        keys: Sequence[str],
        excluded: bool,
    ) -> set[str]: ...

    def copy_list(
        self, *, environment_id: str, key: str, generation: int, to_generation: int, excluded: bool
    ) -> int: ...

    def count(self, *, environment_id: str, key: str, generation: int, excluded: bool) -> int: ...

    def iter_keys(
        self, *, environment_id: str, key: str, generation: int, excluded: bool
    ) -> Iterator[list[str]]: ...

    def drop_generations(self, *, environment_id: str, key: str, except_generation: int) -> int: ...

    def big_segments(self, *, environment_id: str) -> list[tuple[str, int]]: ...

    def environments_with_big_segments(self) -> list[str]: ...

    def environment(self, environment_id: str) -> Environment | None: ...


class BigSegmentRecordRepository(Protocol):
    """The records of big-segment imports and exports: the jobs, not the membership they
    read or write (that is :class:`BigSegmentRepository`)."""

    def add_import(self, record: ImportRecord) -> None:
        """Raises ``ImportInProgress`` when the environment already has an active import."""
        ...

    def get_import(self, import_id: str) -> ImportRecord | None: ...

    def import_in_progress(self, *, environment_id: str, key: str) -> bool: ...

    def update_import(self, record: ImportRecord) -> None: ...

    def active_imports(self) -> list[ImportRecord]: ...

    def add_export(self, record: ExportRecord) -> None: ...

    def get_export(self, export_id: str) -> ExportRecord | None: ...

    def update_export(self, record: ExportRecord) -> None: ...


class MembershipPublisher(Protocol):
    """Where SDKs read big-segment membership (LaunchDarkly's Redis layout), or nothing.

    Every method returns ``False`` instead of raising when the store cannot be written; the
    caller then treats the environment as out of sync until a resync succeeds.
    """

    @property
    def enabled(self) -> bool: ...

    def apply(self, environment: Environment, ref: str, changes: TargetChanges) -> bool:
        """Add and remove ``ref`` in the sets of the given keys."""
        ...

    def add_all(
        self, environment: Environment, ref: str, chunks: Iterable[Sequence[str]], *, excluded: bool
    ) -> bool: ...

    def remove_all(
        self, environment: Environment, ref: str, chunks: Iterable[Sequence[str]], *, excluded: bool
    ) -> bool: ...

    def clear(self, environment: Environment) -> bool:
        """Drop the environment's membership sets and its synchronized-on time."""
        ...

    def sweep(self, environment: Environment, current_refs: frozenset[str]) -> bool:
        """Remove every ref not in ``current_refs`` from the environment's sets."""
        ...

    def mark_synchronized(
        self, environment: Environment, now_ms: int, *, refresh_only: bool = False
    ) -> bool:
        """Record that the store matches the database as of ``now_ms``. With
        ``refresh_only`` only an existing record is moved on: ``False`` when there is none
        (the store lost its data, e.g. Redis restarted without persistence)."""
        ...

    def close(self) -> None: ...
