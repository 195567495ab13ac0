"""The interfaces the services need from the outside world.

Stores (:mod:`segmentd.store`) and publishers (:mod:`segmentd.export`) implement these
Protocols; services never import an adapter, and :mod:`segmentd.bootstrap` wires them up.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Generic, Literal, Protocol, Self, TypeVar

from segmentd.domain.audit.history import AuditEntry, AuditScope
from segmentd.domain.big_segments.model import (
    ExportRecord,
    ImportRecord,
    Membership,
    MembershipCounts,
    TargetChanges,
)
from segmentd.domain.expiring.targets import ExpiringTarget
from segmentd.domain.flags.model import Flag, FlagConfig
from segmentd.domain.projects.model import AccessToken, Environment, Project
from segmentd.domain.segments.model import Segment
from segmentd.domain.segments.query import SegmentQuery

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a collection, and how many items the whole collection holds."""

    items: tuple[T, ...]
    total: int


class Clock(Protocol):
    def now_ms(self) -> int:
        """The current time as integer Unix milliseconds."""
        ...


class IdFactory(Protocol):
    def new_id(self) -> str:
        """A fresh 24-hex-digit identifier (LaunchDarkly's ``_id`` style)."""
        ...

    def new_secret(self, prefix: str) -> str:
        """A fresh unguessable secret such as an SDK key or an access token."""
        ...


class ProjectRepository(Protocol):
    def add(self, project: Project) -> None:
        """Store a new project; raises ``KeyExists`` if the key is taken."""
        ...

    def get(self, key: str) -> Project | None: ...

    def list(self, *, limit: int, offset: int) -> Page[Project]: ...

    def update(self, project: Project) -> None:
        """Store a project's name, tags and ``includeInSnippetByDefault`` (key unchanged)."""
        ...


class EnvironmentRepository(Protocol):
    def add(self, environment: Environment) -> None:
        """Store a new environment; raises ``KeyExists`` if the key is taken in its project."""
        ...

    def get(self, *, project_key: str, key: str) -> Environment | None: ...

    def list(self, *, project_key: str, limit: int, offset: int) -> Page[Environment]: ...

    def find_by_sdk_key(self, sdk_key: str) -> Environment | None: ...


class TokenRepository(Protocol):
    def add(self, token: AccessToken) -> None: ...

    def get(self, token_id: str) -> AccessToken | None: ...

    def find_by_hash(self, token_hash: str) -> AccessToken | None: ...

    def list(self, *, limit: int, offset: int) -> Page[AccessToken]: ...

    def delete(self, token_id: str) -> bool:
        """Remove a token; ``False`` if there was none."""
        ...


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


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Which audit entries to list, newest first: a scope, a time window and a page."""

    scope: AuditScope = field(default_factory=AuditScope)
    before: int | None = None
    after: int | None = None
    text: str | None = None
    limit: int = 10
    offset: int = 0


class AuditRepository(Protocol):
    def add(self, entry: AuditEntry) -> None:
        """Record one change, in the same transaction as the change itself."""
        ...

    def list(self, query: AuditQuery) -> Page[AuditEntry]:
        """Entries in scope, newest first, with their project and environment keys."""
        ...


class ExpiringTargetRepository(Protocol):
    def list(self, *, environment_id: str, segment_key: str) -> tuple[ExpiringTarget, ...]:
        """The expiring targets of a live segment, soonest first."""
        ...

    def replace(
        self, *, environment_id: str, segment_key: str, targets: tuple[ExpiringTarget, ...]
    ) -> None:
        """Make ``targets`` the segment's whole set of expiring targets."""
        ...

    def due(self, *, now_ms: int, limit: int) -> tuple[tuple[str, str], ...]:
        """``(environment_id, segment_key)`` of live segments with a target due at ``now_ms``."""
        ...


@dataclass(frozen=True, slots=True)
class FlagListing:
    """A flag named in a segment's ``_flags``: key and name."""

    key: str
    name: str


class FlagRepository(Protocol):
    def add(self, *, project: Project, flag: Flag) -> Flag:
        """Store a new flag with one configuration per environment of ``project`` and return
        it as stored. Raises ``KeyExists`` if a live flag has the key; a key deleted before
        continues above its tombstones' versions, per environment."""
        ...

    def get(self, *, project: Project, key: str) -> Flag | None:
        """The live flag with its configurations keyed by environment key, or ``None``."""
        ...

    def list(self, *, project: Project, limit: int, offset: int) -> Page[Flag]: ...

    def update(self, *, project: Project, flag: Flag, expected: Flag) -> None:
        """Store ``flag`` where it differs from ``expected`` (the flag as read): project-wide
        fields and each changed configuration, each only if its stored version is still the
        one in ``expected``; raises ``OptimisticLockError`` otherwise."""
        ...

    def delete(self, *, project: Project, expected: Flag) -> dict[str, int]:
        """Turn the flag and each configuration into a tombstone one version higher; returns
        environment id → tombstone version. ``OptimisticLockError`` if anything changed."""
        ...

    def add_environment(self, *, project_id: str, environment_id: str, now: int) -> None:
        """Give every live flag of the project an off configuration in a new environment
        (fallthrough variation 0, off variation the last one, a fresh salt)."""
        ...

    def referencing_segment(
        self, *, environment_id: str, segment_key: str
    ) -> tuple[FlagListing, ...]:
        """Live flags whose rules in this environment test the segment (``segmentMatch``)."""
        ...

    def for_environment(self, *, environment_id: str, key: str) -> tuple[Flag, FlagConfig] | None:
        """One flag's row and its configuration in an environment, tombstones included."""
        ...


class FeedRepository(Protocol):
    """Bulk reads of one environment's data, each item encoded as the SDK feed's JSON
    (docs/sdk-feed.md §item-shape), keyed by item key."""

    def segments(self, *, environment_id: str) -> dict[str, bytes]:
        """Every live segment of the environment."""
        ...

    def flags(self, *, environment_id: str) -> dict[str, bytes]:
        """Every live flag's configuration in the environment."""
        ...


class BigSegmentRepository(Protocol):
    """Big-segment membership (millions of keys per segment), its counts, imports, exports.

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

    def mark_synchronized(self, environment: Environment, now_ms: int) -> bool: ...

    def close(self) -> None: ...


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


@dataclass(frozen=True, slots=True)
class ItemChange:
    """A committed change to one flag or segment of an environment, for data feeds.

    ``version`` is the item's version after the change (a tombstone's version for deletes).
    """

    environment_id: str
    kind: Literal["segments", "flags"]
    key: str
    version: int


class ChangeNotifier(Protocol):
    def publish(self, change: ItemChange) -> None:
        """Announce a change after its transaction committed. Must not raise or block long:
        the write has already succeeded, and a feed that misses a change catches up on
        reconnect."""
        ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = False) -> UnitOfWork:
        """Open a unit of work; ``write=True`` takes the write lock up front where the store
        needs that to avoid lock upgrades (SQLite ``BEGIN IMMEDIATE``)."""
        ...
