"""Every use case that changes a segment goes through the one write path
(``services/segments/writes.py``): each version it reaches has exactly one audit entry, with
the versions before and after and the actor, and exactly one change announcement. On both
stores (SQLite and PostgreSQL, same bodies)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from segmentd.bootstrap import Services
from segmentd.domain.audit.history import SYSTEM, Action, Actor, AuditEntry, AuditScope
from segmentd.domain.big_segments.model import ImportStatus, TargetChanges
from segmentd.domain.expiring.targets import parse_expiring_patch
from segmentd.domain.patch.json_patch import parse_patch_document
from segmentd.domain.segments.semantic_patch import parse_semantic_patch
from segmentd.services.audit.ports import AuditQuery
from segmentd.services.ports import ItemChange
from segmentd.services.projects.service import ProjectDraft
from segmentd.services.segments.service import SegmentDraft
from tests.fixed import FixedClock

P, E = "p", "production"
ME = Actor(id="t1", name="tester")


@dataclass(frozen=True)
class World:
    services: Services
    clock: FixedClock
    tmp_path: Path


def _create(w: World) -> None:
    w.services.segments.create(P, E, SegmentDraft(key="s", name="S"), actor=ME)


def _json_patch(w: World) -> None:
    patch = parse_patch_document([{"op": "replace", "path": "/name", "value": "T"}])
    w.services.segments.patch(P, E, "s", patch, actor=ME)


def _include(w: World, key: str) -> None:
    patch = parse_semantic_patch(
        {"instructions": [{"kind": "addIncludedTargets", "contextKind": "user", "values": [key]}]}
    )
    w.services.segments.patch(P, E, "s", patch, actor=ME)


def _semantic_patch(w: World) -> None:
    _include(w, "v")


def _big_segment_instruction(w: World) -> None:
    patch = parse_semantic_patch(
        {"instructions": [{"kind": "addBigSegmentIncludedTargets", "values": ["k2"]}]}
    )
    w.services.segments.patch(P, E, "big", patch, actor=ME)


def _delete(w: World) -> None:
    w.services.segments.delete(P, E, "s", actor=ME)


def _expiry(w: World) -> None:
    assert w.services.expiring.expire_due(w.clock.now_ms() + 60_000) == 1


def _big_segment_targets(w: World) -> None:
    changes = TargetChanges(included_add=("k1", "k3"), excluded_add=("x",))
    w.services.big_segments.update_targets(P, E, "big", changes, actor=ME)


def _import(mode: str) -> Callable[[World], None]:
    def run(w: World) -> None:
        upload = w.tmp_path / f"{mode}.csv"
        upload.write_bytes(b"i1\ni2\n")
        started = w.services.big_segments.start_import(
            P, E, "big", mode=mode, wait_on_approvals=False, upload=upload, file_name="keys.csv"
        )
        done = w.services.big_segments.jobs.run_import(started.id)
        assert done is not None
        assert done.status == ImportStatus.COMPLETE, done.error

    return run


@dataclass(frozen=True)
class UseCase:
    key: str
    run: Callable[[World], None]
    action: Action
    actor: Actor


#: Every use case that stores a segment; a new one belongs here.
USE_CASES = [
    pytest.param(UseCase("s", _create, Action.CREATE, ME), id="create"),
    pytest.param(UseCase("s", _json_patch, Action.UPDATE, ME), id="JSON patch"),
    pytest.param(UseCase("s", _semantic_patch, Action.UPDATE, ME), id="semantic patch"),
    pytest.param(
        UseCase("big", _big_segment_instruction, Action.UPDATE, ME),
        id="semantic patch, big-segment instruction",
    ),
    pytest.param(UseCase("s", _delete, Action.DELETE, ME), id="delete"),
    pytest.param(UseCase("s", _expiry, Action.EXPIRE_TARGETS, SYSTEM), id="expiry"),
    pytest.param(
        UseCase("big", _big_segment_targets, Action.UPDATE_BIG_SEGMENT_TARGETS, ME),
        id="big-segment targets (POST contexts)",
    ),
    pytest.param(
        UseCase("big", _import("merge"), Action.IMPORT_BIG_SEGMENT, SYSTEM), id="import merge"
    ),
    pytest.param(
        UseCase("big", _import("replace"), Action.IMPORT_BIG_SEGMENT, SYSTEM),
        id="import replace",
    ),
]


@pytest.fixture
def world(services: Services, clock: FixedClock, tmp_path: Path) -> World:
    """A project with a standard segment ``s`` (one target expiring in a minute) and a big
    segment ``big`` with one included key; the use case under test changes one of them."""
    services.projects.create_project(ProjectDraft(key=P, name="P"))
    services.segments.create(P, E, SegmentDraft(key="big", name="Big", unbounded=True))
    services.big_segments.update_targets(P, E, "big", TargetChanges(included_add=("k0",)))
    return World(services, clock, tmp_path)


def _prepare_standard(w: World) -> None:
    _create(w)
    _include(w, "u")
    instruction = {
        "kind": "addExpiringTarget",
        "targetType": "included",
        "contextKind": "user",
        "contextKey": "u",
        "value": w.clock.now_ms() + 60_000,
    }
    w.services.expiring.patch(
        P, E, "s", parse_expiring_patch({"instructions": [instruction]}), actor=ME
    )


def _entries(services: Services, key: str) -> list[AuditEntry]:
    scope = AuditScope(project_key=P, environment_key=E, segment_key=key)
    return list(services.audit.list(AuditQuery(scope=scope, limit=20)).items)


@pytest.fixture
def announcements(services: Services) -> Iterator[list[ItemChange]]:
    heard: list[ItemChange] = []
    unsubscribe = services.changes.subscribe(heard.append)
    yield heard
    unsubscribe()


def _version(services: Services, key: str) -> int | None:
    """The live segment's version (``None`` for none or a tombstone)."""
    with services.uow() as uow:
        environment = uow.environments.get(project_key=P, key=E)
        assert environment is not None
        segment = uow.segments.get(environment_id=environment.id, key=key)
    return None if segment is None else segment.version


@pytest.mark.parametrize("case", USE_CASES)
def test_use_case__one_audit_entry_per_version_and_one_announcement(
    world: World, case: UseCase, announcements: list[ItemChange]
) -> None:
    services = world.services
    if case.key == "s" and case.action != Action.CREATE:
        _prepare_standard(world)
    before_entries = _entries(services, case.key)
    before_version = _version(services, case.key) or 0
    announcements.clear()

    case.run(world)

    after_version = before_version + 1
    live = _version(services, case.key)
    assert live == (None if case.action == Action.DELETE else after_version)
    after_entries = _entries(services, case.key)
    new = after_entries[: len(after_entries) - len(before_entries)]  # newest first
    assert len(new) == 1, new
    entry = new[0]
    assert (entry.action, entry.actor) == (case.action, case.actor)
    expected_before = None if case.action == Action.CREATE else before_version
    assert (entry.version_before, entry.version_after) == (expected_before, after_version)
    assert entry.changes, "the entry says what changed"
    segment_changes = [c for c in announcements if c.kind == "segments"]
    assert [(c.key, c.version) for c in segment_changes] == [(case.key, after_version)]


def test_history__every_version_of_a_segment_has_exactly_one_entry(world: World) -> None:
    """Run every use case in turn on both segments: versions 1..n, one entry each. (An edit
    of expiring targets is audited too, but changes no segment version: it is left out.)"""
    _prepare_standard(world)
    steps: list[Callable[[World], None]] = [
        _json_patch,
        _semantic_patch,
        _expiry,
        _delete,
        _big_segment_targets,
        _big_segment_instruction,
        _import("merge"),
        _import("replace"),
    ]
    for step in steps:
        step(world)
    for key in ("s", "big"):
        entries = sorted(
            (
                e
                for e in _entries(world.services, key)
                if e.action != Action.UPDATE_EXPIRING_TARGETS
            ),
            key=lambda e: e.version_after or 0,
        )
        versions = [e.version_after for e in entries]
        assert versions == list(range(1, len(entries) + 1)), key
        assert [e.version_before for e in entries] == [None, *range(1, len(entries))], key
    assert _version(world.services, "big") == len(_entries(world.services, "big"))
