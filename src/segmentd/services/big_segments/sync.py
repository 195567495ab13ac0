"""Keeping the SDKs' big-segment store (Redis) in step with the database.

Writes publish their delta right after their transaction commits. When a publication
fails (Redis down), the environment is marked *dirty*: further deltas are not attempted,
removals are remembered (up to a bound), and ``big_segments_synchronized_on`` is no longer
refreshed, so SDKs see the data age into ``STALE``. The heartbeat (every
``interval_s`` seconds) then repairs each dirty environment: it re-adds every current
member, removes refs of old generations and deleted segments, replays remembered
removals, and marks the store synchronized again. The heartbeat only moves an existing
synchronized-on record forward: when the record is gone (Redis restarted without
persistence, or was flushed, with no write in between to notice), the environment is
marked dirty and repaired in the same beat, instead of reporting empty sets as current.
A repair never deletes a current membership, so SDKs see no gap; ``rebuild`` (clear, then
rewrite) is exact but leaves a gap, and is what the CLI runs with ``--rebuild`` or after
too many lost removals.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from segmentd.domain.big_segments.model import TargetChanges, segment_ref
from segmentd.domain.projects.model import Environment
from segmentd.services.big_segments.ports import MembershipPublisher
from segmentd.services.ports import Clock
from segmentd.services.unit_of_work import UnitOfWorkFactory

log = logging.getLogger("segmentd.bigsegments.sync")

#: Removals remembered per dirty environment before a repair must become a rebuild.
MAX_REMEMBERED_REMOVALS = 100_000
#: How long a publication waits for a running resync before leaving the change to it.
PUBLISH_WAIT_S = 2.0


@dataclass
class _Dirty:
    removals: list[tuple[str, TargetChanges]] = field(default_factory=list)
    size: int = 0
    rebuild: bool = False


class MembershipSync:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        publisher: MembershipPublisher,
        clock: Clock,
        *,
        interval_s: float = 10.0,
    ) -> None:
        self._uow = uow
        self.publisher = publisher
        self._clock = clock
        self._interval = interval_s
        self._dirty: dict[str, _Dirty] = {}
        #: Deleted environments whose Redis data is still to be cleared (Redis was down).
        self._removed: dict[str, Environment] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def enabled(self) -> bool:
        return self.publisher.enabled

    def _lock(self, environment_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(environment_id, threading.Lock())

    def is_dirty(self, environment_id: str) -> bool:
        with self._guard:
            return environment_id in self._dirty

    def mark_dirty(
        self,
        environment_id: str,
        removal: tuple[str, TargetChanges] | None = None,
        *,
        rebuild: bool = False,
    ) -> None:
        """Note that Redis lags the database for this environment (and what it missed);
        ``rebuild`` asks for a clear-and-rewrite instead of a repair."""
        if not self.enabled:
            return
        with self._guard:
            dirty = self._dirty.setdefault(environment_id, _Dirty())
            dirty.rebuild = dirty.rebuild or rebuild
            if removal is not None and not dirty.rebuild:
                size = len(removal[1].included_remove) + len(removal[1].excluded_remove)
                dirty.size += size
                if dirty.size > MAX_REMEMBERED_REMOVALS:
                    dirty.removals.clear()
                    dirty.rebuild = True
                elif size:
                    dirty.removals.append(removal)

    def publish(
        self,
        environment: Environment,
        action: Callable[[], bool],
        *,
        removal: tuple[str, TargetChanges] | None = None,
    ) -> None:
        """Run one publication after a commit; on failure (or while dirty) mark dirty."""
        if not self.enabled:
            return
        lock = self._lock(environment.id)
        # A resync can hold the lock for minutes; an API write must not wait for it.
        if not lock.acquire(timeout=PUBLISH_WAIT_S):
            self.mark_dirty(environment.id, removal)
            return
        try:
            if self.is_dirty(environment.id) or not action():
                self.mark_dirty(environment.id, removal)
        finally:
            lock.release()

    def publish_changes(self, environment: Environment, ref: str, changes: TargetChanges) -> None:
        self.publish(
            environment,
            lambda: self.publisher.apply(environment, ref, changes),
            removal=(ref, changes),
        )

    def forget_environment(self, environment: Environment) -> None:
        """After an environment was deleted: clear its big-segment data from Redis (so an
        environment created later with the same keys starts empty) and drop its state. If
        Redis cannot be reached, the heartbeat retries while this process runs."""
        if not self.enabled:
            return
        with self._lock(environment.id):
            with self._guard:
                self._dirty.pop(environment.id, None)
                self._removed[environment.id] = environment
            self._clear_removed(environment)

    def _clear_removed(self, environment: Environment) -> None:
        if self.publisher.clear(environment):
            with self._guard:
                self._removed.pop(environment.id, None)
                self._locks.pop(environment.id, None)

    # ------------------------------------------------------------ resync

    def resync(self, environment: Environment, *, rebuild: bool = False) -> bool:
        """Rewrite an environment's membership from the database; ``True`` when in sync."""
        if not self.enabled:
            return True
        with self._lock(environment.id):
            with self._guard:
                dirty = self._dirty.pop(environment.id, _Dirty())
            rebuild = rebuild or dirty.rebuild
            ok = self._resync(environment, dirty, rebuild=rebuild)
            if not ok:
                with self._guard:
                    again = self._dirty.setdefault(environment.id, _Dirty())
                    again.removals[:0] = dirty.removals
                    again.size += dirty.size
                    again.rebuild = again.rebuild or rebuild
            return ok

    def _resync(self, environment: Environment, dirty: _Dirty, *, rebuild: bool) -> bool:
        publisher = self.publisher
        if rebuild and not publisher.clear(environment):
            return False
        refs: set[str] = set()
        with self._uow() as uow:
            repo = uow.big_segments
            for key, generation in repo.big_segments(environment_id=environment.id):
                ref = segment_ref(key, generation)
                refs.add(ref)
                for excluded in (False, True):
                    chunks = repo.iter_keys(
                        environment_id=environment.id,
                        key=key,
                        generation=generation,
                        excluded=excluded,
                    )
                    if not publisher.add_all(environment, ref, chunks, excluded=excluded):
                        return False
        if not rebuild:
            for ref, changes in dirty.removals:
                removal = TargetChanges(
                    included_remove=changes.included_remove,
                    excluded_remove=changes.excluded_remove,
                )
                if not publisher.apply(environment, ref, removal):
                    return False
            if not publisher.sweep(environment, frozenset(refs)):
                return False
        return publisher.mark_synchronized(environment, self._clock.now_ms())

    # ------------------------------------------------------------ heartbeat

    def tick(self) -> None:
        """Repair dirty environments, and refresh the synchronized-on time of the others."""
        if not self.enabled:
            return
        with self._guard:
            removed = list(self._removed.values())
        for gone in removed:
            self._clear_removed(gone)
        with self._uow() as uow:
            ids = uow.big_segments.environments_with_big_segments()
            environments = [e for e in map(uow.big_segments.environment, ids) if e is not None]
        for environment in environments:
            if not self.is_dirty(environment.id):
                with self._lock(environment.id):
                    if not self.is_dirty(environment.id) and not self.publisher.mark_synchronized(
                        environment, self._clock.now_ms(), refresh_only=True
                    ):
                        self.mark_dirty(environment.id)
            if self.is_dirty(environment.id) and self.resync(environment):
                log.info("big segments of %s/%s resynced", environment.project_key, environment.key)

    def start(self, *, repair_all: bool = True) -> None:
        """Start the heartbeat thread; ``repair_all`` first marks every environment dirty,
        so a restart repairs whatever a crash between commit and publication left behind."""
        if not self.enabled or self._thread is not None:
            return
        if repair_all:
            with self._uow() as uow:
                for environment_id in uow.big_segments.environments_with_big_segments():
                    self.mark_dirty(environment_id)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="segmentd-redis-sync", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                self.tick()
            except Exception:
                log.exception("big-segment sync heartbeat failed")
            if self._stop.wait(self._interval):
                return

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
