"""Use cases of the evaluator: membership of a context in an environment's segments.

Segments are prepared once per version (:class:`PreparedCache`) and kept per environment; each
request checks the stored versions (one cheap query) and loads only what changed, so the
answer is always current, also when other processes write to the same database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from segmentd.domain.context import Context, parse_context
from segmentd.domain.model import Environment, JsonValue, Segment
from segmentd.errors import InvalidRequest, NotFound
from segmentd.evaluation.evaluator import (
    BigSegmentMembership,
    Explanation,
    PreparedCache,
    PreparedSegment,
    Result,
    evaluate,
    explain,
)
from segmentd.services.ports import UnitOfWork, UnitOfWorkFactory
from segmentd.services.projects import find_environment

#: Contexts one explain request may carry.
MAX_CONTEXTS = 1_000

#: Builds the Big Segment membership source of one environment (None: no big segments).
BigSegmentsFactory = Callable[[Environment], BigSegmentMembership | None]


class EnvironmentSegments:
    """A :class:`SegmentProvider` over one environment's current segments."""

    def __init__(self, segments: dict[str, PreparedSegment], stored: dict[str, Segment]) -> None:
        self.prepared = segments
        self.stored = stored

    def get_segment(self, key: str) -> PreparedSegment | None:
        return self.prepared.get(key)


@dataclass(frozen=True, slots=True)
class Membership:
    segment: Segment
    result: Result


class EvaluationService:
    def __init__(
        self, uow: UnitOfWorkFactory, *, big_segments: BigSegmentsFactory | None = None
    ) -> None:
        self._uow = uow
        self._big_segments = big_segments
        self._cache = PreparedCache(max_entries=100_000)
        self._snapshots: dict[str, EnvironmentSegments] = {}
        self._lock = threading.Lock()

    def _current(self, uow: UnitOfWork, environment: Environment) -> EnvironmentSegments:
        versions = uow.segments.live_versions(environment_id=environment.id)
        with self._lock:
            previous = self._snapshots.get(environment.id)
        known = previous.stored if previous is not None else {}
        stale = [k for k, v in versions.items() if k not in known or known[k].version != v]
        stored = {k: known[k] for k in versions if k in known and k not in stale}
        for segment in uow.segments.get_many(environment_id=environment.id, keys=stale):
            stored[segment.key] = segment
        if previous is not None and not stale and len(stored) == len(known):
            return previous
        snapshot = EnvironmentSegments({k: self._cache.get(s) for k, s in stored.items()}, stored)
        with self._lock:
            self._snapshots[environment.id] = snapshot
        return snapshot

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
        big = self._big_segments(environment) if self._big_segments else None
        return [
            Membership(
                segments.stored[key], evaluate(prepared, context, segments, big_segments=big)
            )
            for key, prepared in sorted(segments.prepared.items())
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
        big = self._big_segments(environment) if self._big_segments else None
        return [(c, explain(prepared, c, segments, big_segments=big)) for c in contexts]
