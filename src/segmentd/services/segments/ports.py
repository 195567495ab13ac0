"""What the segment use cases need from a store."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from segmentd.domain.segments.model import Segment
from segmentd.domain.segments.query import SegmentQuery
from segmentd.services.ports import Page


class SegmentRepository(Protocol):
    def add(self, *, environment_id: str, segment: Segment) -> Segment:
        """Store a new segment and return it as stored.

        Raises ``KeyExists`` if a live segment has the key. If a deleted segment had the key,
        the new one continues above its version, so SDKs never see a version go backwards.
        """
        ...

    def get(self, *, environment_id: str, key: str, lock: bool = False) -> Segment | None:
        """The live segment with this key, or ``None`` (deleted segments are not returned).

        ``lock=True`` (inside a write unit of work) holds the row until commit, so that a
        read-modify-write never races another writer (PostgreSQL ``FOR UPDATE``; SQLite's
        write transaction already excludes other writers).
        """
        ...

    def list(self, *, environment_id: str, query: SegmentQuery) -> Page[Segment]:
        """One page of the live segments matching ``query.filter`` in ``query.sort`` order
        (ties broken by key), and how many match in all."""
        ...

    def update(self, *, environment_id: str, segment: Segment, expected_version: int) -> None:
        """Replace a live segment if its stored version is still ``expected_version``.

        Raises ``OptimisticLockError`` otherwise, so that no concurrent update is lost.
        """
        ...

    def live_versions(self, *, environment_id: str) -> dict[str, int]:
        """Key → version of every live segment of the environment (a cheap freshness check)."""
        ...

    def get_many(self, *, environment_id: str, keys: Collection[str]) -> tuple[Segment, ...]:
        """The live segments among ``keys`` (in no particular order)."""
        ...

    def delete(self, *, environment_id: str, key: str, expected_version: int) -> int:
        """Turn a live segment into a tombstone one version higher, and return that version.

        The tombstone keeps the key's version history (so a recreated segment continues
        above it) and is what SDK feeds announce as a delete. Raises ``OptimisticLockError``
        if the stored version is no longer ``expected_version``.
        """
        ...
