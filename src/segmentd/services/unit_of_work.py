"""The unit of work: one transaction over the repositories of every feature."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from segmentd.services.audit.ports import AuditRepository
from segmentd.services.big_segments.ports import BigSegmentRecordRepository, BigSegmentRepository
from segmentd.services.expiring.ports import ExpiringTargetRepository
from segmentd.services.feed.ports import FeedRepository
from segmentd.services.flags.ports import FlagRepository
from segmentd.services.projects.ports import (
    EnvironmentRepository,
    ProjectRepository,
    TokenRepository,
)
from segmentd.services.segments.ports import SegmentRepository


class UnitOfWork(Protocol):
    """One transaction over every repository: all of its writes commit, or none does."""

    @property
    def projects(self) -> ProjectRepository: ...

    @property
    def environments(self) -> EnvironmentRepository: ...

    @property
    def tokens(self) -> TokenRepository: ...

    @property
    def segments(self) -> SegmentRepository: ...

    @property
    def flags(self) -> FlagRepository: ...

    @property
    def feed(self) -> FeedRepository: ...

    @property
    def big_segments(self) -> BigSegmentRepository: ...

    @property
    def big_segment_records(self) -> BigSegmentRecordRepository: ...

    @property
    def audit(self) -> AuditRepository: ...

    @property
    def expiring_targets(self) -> ExpiringTargetRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = False) -> UnitOfWork:
        """Open a unit of work; ``write=True`` takes the write lock up front where the store
        needs that to avoid lock upgrades (SQLite ``BEGIN IMMEDIATE``)."""
        ...
