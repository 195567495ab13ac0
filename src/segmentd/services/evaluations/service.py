"""Use cases of the evaluator: membership of a context in an environment's segments.

Segments are prepared once per version (:class:`PreparedCache`) and kept per environment; each
request checks the stored versions (one cheap query) and loads only what changed, so the
answer is always current, also when other processes write to the same database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from segmentd.domain.projects.model import Environment
from segmentd.domain.segments.model import Segment
from segmentd.domain.shared.context import Context, parse_context
from segmentd.domain.shared.json_types import JsonValue
from segmentd.errors import InvalidRequest, NotFound
from segmentd.evaluation.evaluator import (
    BigSegmentMembership,
    BigSegmentsStatus,
    Explanation,
    MembershipQuery,
    PreparedCache,
    PreparedSegment,
    Result,
    SegmentBatch,
    evaluate_many,
    explain,
)
from segmentd.services.changes import ChangeHub
from segmentd.services.ports import Clock, ItemChange
from segmentd.services.projects.service import find_environment
from segmentd.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

#: Contexts one explain request may carry.
MAX_CONTEXTS = 1_000

#: Builds the Big Segment membership source of one environment (None: no big segments).
BigSegmentsFactory = Callable[[Environment], BigSegmentMembership | None]


class StoredBigSegments:
    """The evaluator's Big Segment source for one environment, read from segmentd's own
    membership store (the database is the source of truth, so it is always current)."""

    def __init__(self, uow: UnitOfWorkFactory, environment_id: str) -> None:
        self._uow = uow
        self._environment_id = environment_id

    def get_membership(self, context_key: str) -> MembershipQuery:
        with self._uow() as uow:
            found = uow.big_segments.memberships_of_key(
                environment_id=self._environment_id, context_key=context_key
            )
        return MembershipQuery(found or None, BigSegmentsStatus.HEALTHY)


class EnvironmentSegments:
    """A :class:`SegmentProvider` over one environment's current segments."""

    def __init__(self, segments: dict[str, PreparedSegment], stored: dict[str, Segment]) -> None:
        self.prepared = segments
        self.stored = stored
        #: Prepared segments in key order, the order answers list them in.
        self.ordered = [segments[key] for key in sorted(segments)]
        self._batch: SegmentBatch | None = None

    @property
    def batch(self) -> SegmentBatch:
        """:attr:`ordered` indexed for evaluating many at once, built on first use (two
        threads may both build it; either result is the same)."""
        batch = self._batch
        if batch is None:
            batch = self._batch = SegmentBatch(self.ordered)
        return batch

    def get_segment(self, key: str) -> PreparedSegment | None:
        return self.prepared.get(key)


@dataclass(frozen=True, slots=True)
class Membership:
    segment: Segment
    result: Result


class EvaluationService:
    """Evaluations over cached, prepared snapshots of each environment's segments.

    A snapshot is reused without asking the database while no change to its environment has
    been announced (``changes``) and it was checked less than ``recheck_ms`` ago; then one
    query of the stored versions revalidates it. Changes made through this process (or
    relayed from other instances onto the change hub) are seen at once; writes by a process
    that announces nothing here are seen within ``recheck_ms``.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        changes: ChangeHub,
        *,
        big_segments: BigSegmentsFactory | None = None,
        recheck_ms: int = 250,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._big_segments = big_segments or (lambda env: StoredBigSegments(uow, env.id))
        self._recheck_ms = recheck_ms
        self._cache = PreparedCache(max_entries=100_000)
        self._snapshots: dict[str, EnvironmentSegments] = {}
        self._checked: dict[str, int] = {}
        self._building: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        changes.subscribe(self._on_change)

    def _on_change(self, change: ItemChange) -> None:
        if change.kind == "segments":
            with self._lock:
                self._checked.pop(change.environment_id, None)
        elif change.kind == "environments":
            with self._lock:
                self._checked.pop(change.environment_id, None)
                self._snapshots.pop(change.environment_id, None)

    def _fresh(self, environment_id: str, now: int) -> tuple[EnvironmentSegments | None, bool]:
        with self._lock:
            previous = self._snapshots.get(environment_id)
            checked = self._checked.get(environment_id)
        fresh = previous is not None and checked is not None and now - checked < self._recheck_ms
        return previous, fresh

    def _current(self, uow: UnitOfWork, environment: Environment) -> EnvironmentSegments:
        now = self._clock.now_ms()
        previous, fresh = self._fresh(environment.id, now)
        if fresh:
            assert previous is not None
            return previous
        # One thread revalidates an environment at a time; the others wait and take its
        # snapshot. Without this, requests arriving together at a cold cache each loaded and
        # prepared every segment (1,000 segments: seconds each on a busy PostgreSQL).
        with self._lock:
            building = self._building.setdefault(environment.id, threading.Lock())
        with building:
            previous, fresh = self._fresh(environment.id, now)
            if fresh:
                assert previous is not None
                return previous
            return self._revalidate(uow, environment, previous, now)

    def _revalidate(
        self,
        uow: UnitOfWork,
        environment: Environment,
        previous: EnvironmentSegments | None,
        now: int,
    ) -> EnvironmentSegments:
        with self._lock:  # before the query: a change announced during it forces a recheck
            self._checked[environment.id] = now
        versions = uow.segments.live_versions(environment_id=environment.id)
        known = previous.stored if previous is not None else {}
        stale = [k for k, v in versions.items() if k not in known or known[k].version != v]
        stored = {k: known[k] for k in versions if k in known and k not in stale}
        for segment in uow.segments.get_many(environment_id=environment.id, keys=stale):
            stored[segment.key] = segment
        if previous is not None and not stale and len(stored) == len(known):
            return previous
        prepared = {k: self._cache.get(s, scope=environment.id) for k, s in stored.items()}
        snapshot = EnvironmentSegments(prepared, stored)
        with self._lock:
            self._snapshots[environment.id] = snapshot
        return snapshot

    def environment_segments(
        self, environment: Environment
    ) -> tuple[EnvironmentSegments, BigSegmentMembership | None]:
        """The environment's current prepared segments and its Big Segment source, for
        evaluating flags (client-side SDKs) with the same snapshot membership answers use."""
        with self._uow() as uow:
            segments = self._current(uow, environment)
        return segments, self._big_segments(environment)

    def _load(
        self, project_key: str, environment_key: str
    ) -> tuple[Environment, EnvironmentSegments]:
        with self._uow() as uow:
            environment = find_environment(uow, project_key, environment_key)
            return environment, self._current(uow, environment)

    def memberships(
        self, project_key: str, environment_key: str, context_json: object
    ) -> list[Membership]:
        """The membership of one context in every segment of the environment, by key order."""
        context = parse_context(context_json)
        environment, segments = self._load(project_key, environment_key)
        big = self._big_segments(environment)
        results = evaluate_many(segments.batch, context, segments, big_segments=big)
        return [
            Membership(segments.stored[prepared.key], result)
            for prepared, result in zip(segments.ordered, results, strict=True)
        ]

    def explain(
        self, project_key: str, environment_key: str, segment_key: str, body: JsonValue
    ) -> list[tuple[Context, Explanation]]:
        """Explain membership of one context, or of a list of up to 1,000, in one segment."""
        raw = body if isinstance(body, list) else [body]
        if not raw:
            raise InvalidRequest("contexts: give a context object or a non-empty list of them")
        if len(raw) > MAX_CONTEXTS:
            raise InvalidRequest(f"contexts: at most {MAX_CONTEXTS} contexts per request")
        contexts = []
        for i, item in enumerate(raw):
            try:
                contexts.append(parse_context(item))
            except InvalidRequest as error:
                prefix = f"contexts[{i}]: " if isinstance(body, list) else ""
                raise InvalidRequest(prefix + error.message) from None
        environment, segments = self._load(project_key, environment_key)
        prepared = segments.get_segment(segment_key)
        if prepared is None:
            raise NotFound(f"Unknown segment {segment_key!r}")
        big = self._big_segments(environment)
        return [(c, explain(prepared, c, segments, big_segments=big)) for c in contexts]
