"""Properties of stored patches on both stores: a failing patch never changes the stored
segment, versions only grow (by exactly one per stored change), and a lost race is retried."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmentd.bootstrap import Services
from segmentd.domain.audit.history import Actor
from segmentd.domain.patch.json_patch import parse_patch_document
from segmentd.domain.segments.semantic_patch import parse_semantic_patch
from segmentd.errors import OptimisticLockError, ServiceError
from segmentd.services.projects.service import ProjectDraft
from segmentd.services.segments.service import MAX_PATCH_ATTEMPTS, SegmentDraft, SegmentPatch
from segmentd.store.segments.repository import SqlSegmentRepository
from tests.unit.domain.strategies_patch import instruction_lists, patch_documents

ME = Actor(id="t1", name="tester")


@pytest.fixture
def segment_key(services: Services) -> str:
    services.projects.create_project(ProjectDraft(key="p", name="P"))
    services.segments.create("p", "production", SegmentDraft("s", "S", tags=("a",)), actor=ME)
    return "s"


def _parse(kind: str, body: Any) -> SegmentPatch:
    if kind == "semantic":
        return parse_semantic_patch({"instructions": body})
    return parse_patch_document(body)


bodies = st.tuples(st.just("json"), patch_documents) | st.tuples(
    st.just("semantic"), instruction_lists
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(bodies, min_size=1, max_size=4))
def test_patch__any_sequence__failures_change_nothing_and_versions_only_grow(
    services: Services, segment_key: str, sequence: list[tuple[str, Any]]
) -> None:
    for kind, body in sequence:
        before = services.segments.get("p", "production", segment_key)
        try:
            patch = _parse(kind, body)
            services.segments.patch("p", "production", segment_key, patch, actor=ME)
        except ServiceError:
            assert services.segments.get("p", "production", segment_key) == before
            continue
        after = services.segments.get("p", "production", segment_key)
        assert after.version in (before.version, before.version + 1)
        assert (after.version == before.version) == (after == before)


def test_patch__update_loses_a_race_once__reapplied_to_latest(
    services: Services, segment_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = SqlSegmentRepository.update
    calls = {"n": 0}

    def flaky(self: SqlSegmentRepository, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OptimisticLockError()
        real(self, **kwargs)

    monkeypatch.setattr(SqlSegmentRepository, "update", flaky)
    patch = parse_patch_document([{"op": "replace", "path": "/name", "value": "N"}])
    patched = services.segments.patch("p", "production", segment_key, patch, actor=ME)
    assert (patched.name, patched.version, calls["n"]) == ("N", 2, 2)


def test_patch__update_always_loses__409_after_bounded_attempts(
    services: Services, segment_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}

    def losing(self: SqlSegmentRepository, **kwargs: Any) -> None:
        calls["n"] += 1
        raise OptimisticLockError()

    monkeypatch.setattr(SqlSegmentRepository, "update", losing)
    patch = parse_patch_document([{"op": "replace", "path": "/name", "value": "N"}])
    with pytest.raises(OptimisticLockError, match="many writers"):
        services.segments.patch("p", "production", segment_key, patch, actor=ME)
    assert calls["n"] == MAX_PATCH_ATTEMPTS
    assert services.segments.get("p", "production", segment_key).version == 1


def test_patch__version_test_and_lost_race__409_not_reapplied(
    services: Services, segment_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first read sees the segment as it was before another writer's commit (version 1,
    while the store holds 2): the patch's test of /version 1 passes on that read, the
    conditional update then loses, and the re-application fails the test: 409."""
    rename = parse_patch_document([{"op": "replace", "path": "/name", "value": "other"}])
    services.segments.patch("p", "production", segment_key, rename, actor=ME)
    real = SqlSegmentRepository.get
    calls = {"n": 0}

    def stale_once(self: SqlSegmentRepository, **kwargs: Any) -> Any:
        calls["n"] += 1
        segment = real(self, **kwargs)
        if calls["n"] == 1 and segment is not None:
            return replace(segment, version=segment.version - 1, name="S")
        return segment

    monkeypatch.setattr(SqlSegmentRepository, "get", stale_once)
    guarded = parse_patch_document(
        [
            {"op": "test", "path": "/version", "value": 1},
            {"op": "replace", "path": "/name", "value": "mine"},
        ]
    )
    with pytest.raises(OptimisticLockError, match="version is 2"):
        services.segments.patch("p", "production", segment_key, guarded, actor=ME)
    assert calls["n"] == 2
    monkeypatch.undo()
    stored = services.segments.get("p", "production", segment_key)
    assert (stored.name, stored.version) == ("other", 2)
