"""The evaluation service's snapshots stay current (both stores)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from segmentd.bootstrap import Services
from segmentd.domain.segments.model import Segment
from segmentd.services.projects.service import ProjectDraft
from segmentd.services.segments.service import SegmentDraft
from tests.fixed import FixedClock


def _is_member(services: Services, key: str) -> bool:
    memberships = services.evaluations.memberships("p", "production", {"kind": "user", "key": key})
    return memberships[0].result.is_member


def _include_directly(services: Services, key: str) -> None:
    """A write by another process: stored, but not announced on this process's hub."""
    environment = services.projects.get_environment("p", "production")
    current = services.segments.get("p", "production", "s")
    with services.uow(write=True) as uow:
        uow.segments.update(
            environment_id=environment.id,
            segment=replace(current, version=current.version + 1, included=(key,)),
            expected_version=current.version,
        )
        uow.commit()


def test_memberships__unannounced_write__seen_after_recheck_interval(
    services: Services, clock: FixedClock
) -> None:
    services.projects.create_project(ProjectDraft(key="p", name="P"))
    services.segments.create("p", "production", SegmentDraft(key="s", name="S"))
    assert _is_member(services, "ann") is False
    _include_directly(services, "ann")
    assert _is_member(services, "ann") is False  # cached snapshot, within 250 ms
    clock.advance(250)
    assert _is_member(services, "ann") is True


def test_memberships__created_segment__seen_at_once(services: Services) -> None:
    services.projects.create_project(ProjectDraft(key="p", name="P"))
    services.segments.create("p", "production", SegmentDraft(key="a", name="A"))
    assert len(services.evaluations.memberships("p", "production", {"key": "k"})) == 1
    services.segments.create("p", "production", SegmentDraft(key="b", name="B"))
    keys = [
        m.segment.key for m in services.evaluations.memberships("p", "production", {"key": "k"})
    ]
    assert keys == ["a", "b"]


def test_memberships__same_key_and_version_in_two_environments__not_confused(
    services: Services, clock: FixedClock
) -> None:
    services.projects.create_project(ProjectDraft(key="p", name="P"))
    for env in ("production", "test"):
        services.segments.create("p", env, SegmentDraft(key="s", name="S"))
    _include_directly(services, "ann")  # production's "s" is now version 2 with ann
    test_env = services.projects.get_environment("p", "test")
    current = services.segments.get("p", "test", "s")
    with services.uow(write=True) as uow:  # test's "s" is version 2 too, without ann
        uow.segments.update(
            environment_id=test_env.id,
            segment=replace(current, version=current.version + 1, included=("bob",)),
            expected_version=current.version,
        )
        uow.commit()
    clock.advance(250)
    assert _is_member(services, "ann") is True
    in_test = services.evaluations.memberships("p", "test", {"kind": "user", "key": "ann"})
    assert in_test[0].result.is_member is False


def test_memberships__concurrent_requests_at_a_cold_cache__share_one_snapshot(
    services: Services,
) -> None:
    services.projects.create_project(ProjectDraft(key="p", name="P"))
    for i in range(50):
        services.segments.create("p", "production", SegmentDraft(key=f"s{i}", name="S"))
    start = threading.Barrier(8)

    def evaluate(_: int) -> Segment:
        start.wait()
        return services.evaluations.memberships("p", "production", {"key": "k"})[0].segment

    with ThreadPoolExecutor(8) as pool:
        segments = list(pool.map(evaluate, range(8)))
    # One thread loaded and prepared the environment; the others waited and took its snapshot.
    assert all(segment is segments[0] for segment in segments)
