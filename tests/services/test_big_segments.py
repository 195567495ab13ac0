"""Big-segment use cases against the real stores (SQLite and PostgreSQL, same bodies)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from segmentd.bootstrap import Services
from segmentd.domain.big_segments.model import ImportStatus, Membership, TargetChanges
from segmentd.domain.projects.model import Role
from segmentd.domain.segments.instructions import parse_instructions
from segmentd.domain.segments.model import Segment
from segmentd.domain.segments.semantic_patch import apply_all
from segmentd.errors import ImportInProgress, InvalidRequest, NotFound
from segmentd.services.projects.service import ProjectDraft
from segmentd.services.segments.service import SegmentDraft

P, E = "p", "production"


@pytest.fixture
def big(services: Services) -> Segment:
    services.projects.create_project(ProjectDraft(key=P, name="P"))
    return services.segments.create(P, E, SegmentDraft(key="big", name="Big", unbounded=True))


def _members(services: Services, *keys: str) -> dict[str, Membership]:
    return {k: services.big_segments.membership(P, E, "big", k) for k in keys}


def _import(services: Services, tmp_path: Path, content: bytes, mode: str) -> str:
    upload = tmp_path / "upload.csv"
    upload.write_bytes(content)
    record = services.big_segments.start_import(
        P, E, "big", mode=mode, wait_on_approvals=False, upload=upload, file_name="keys.csv"
    )
    return record.id


def _run(services: Services, import_id: str) -> tuple[ImportStatus, str | None]:
    done = services.big_segments.jobs.run_import(import_id)
    assert done is not None
    return done.status, done.error


def test_update_targets__adds_and_removes__membership_counts_and_version(
    services: Services, big: Segment
) -> None:
    bs = services.big_segments
    bs.update_targets(P, E, "big", TargetChanges(included_add=("a", "b"), excluded_add=("c",)))
    bs.update_targets(P, E, "big", TargetChanges(included_remove=("b",)))
    assert _members(services, "a", "b", "c") == {
        "a": Membership(True, False),
        "b": Membership(False, False),
        "c": Membership(False, True),
    }
    segment = services.segments.get(P, E, "big")
    assert segment.version == big.version + 2
    info = bs.info(P, E, segment)
    assert (info.counts.included, info.counts.excluded) == (1, 1)


def test_update_targets__nothing_changes__keeps_version(services: Services, big: Segment) -> None:
    services.big_segments.update_targets(P, E, "big", TargetChanges(included_remove=("nope",)))
    assert services.segments.get(P, E, "big").version == big.version


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param(TargetChanges(included_add=("k",), excluded_add=("k",)), id="both lists"),
        pytest.param(TargetChanges(included_add=("",)), id="empty key"),
        pytest.param(TargetChanges(included_add=("x" * 257,)), id="key over 256"),
        pytest.param(TargetChanges(excluded_add=("in",)), id="already included"),
    ],
)
def test_update_targets__bad_change__invalid_request_and_nothing_stored(
    services: Services, big: Segment, changes: TargetChanges
) -> None:
    services.big_segments.update_targets(P, E, "big", TargetChanges(included_add=("in",)))
    with pytest.raises(InvalidRequest):
        services.big_segments.update_targets(P, E, "big", changes)
    assert _members(services, "k", "in") == {
        "k": Membership(False, False),
        "in": Membership(True, False),
    }


def test_update_targets__moving_a_key_between_lists_in_one_request__allowed(
    services: Services, big: Segment
) -> None:
    services.big_segments.update_targets(P, E, "big", TargetChanges(included_add=("k",)))
    services.big_segments.update_targets(
        P, E, "big", TargetChanges(included_remove=("k",), excluded_add=("k",))
    )
    assert _members(services, "k")["k"] == Membership(False, True)


def test_big_segment_endpoints__standard_segment__invalid_request(services: Services) -> None:
    services.projects.create_project(ProjectDraft(key=P, name="P"))
    services.segments.create(P, E, SegmentDraft(key="std", name="Std"))
    with pytest.raises(InvalidRequest, match="standard segment"):
        services.big_segments.update_targets(P, E, "std", TargetChanges(included_add=("a",)))
    with pytest.raises(InvalidRequest):
        services.big_segments.membership(P, E, "std", "a")


def test_membership__unknown_segment__not_found(services: Services, big: Segment) -> None:
    with pytest.raises(NotFound):
        services.big_segments.membership(P, E, "missing", "a")


def test_import_merge__duplicates_and_header_like_row__counted_once(
    services: Services, big: Segment, tmp_path: Path
) -> None:
    services.big_segments.update_targets(P, E, "big", TargetChanges(included_add=("old",)))
    import_id = _import(services, tmp_path, b"key,name\nu1,x\nu2\nu1\n\n", "merge")
    assert _run(services, import_id) == (ImportStatus.COMPLETE, None)
    record = services.big_segments.get_import(P, E, "big", import_id)
    assert (record.rows, record.keys_added) == (4, 3)
    assert {k for k, m in _members(services, "key", "u1", "u2", "old").items() if m.included} == {
        "key",
        "u1",
        "u2",
        "old",
    }
    segment = services.segments.get(P, E, "big")
    assert services.big_segments.info(P, E, segment).counts.included == 4
    assert segment.generation == big.generation


def test_import_replace__new_generation_old_keys_gone_excluded_kept(
    services: Services, big: Segment, tmp_path: Path
) -> None:
    bs = services.big_segments
    bs.update_targets(P, E, "big", TargetChanges(included_add=("old",), excluded_add=("ex",)))
    before = services.segments.get(P, E, "big")
    assert _run(services, _import(services, tmp_path, b"new1\nnew2\n", "replace"))[0] == (
        ImportStatus.COMPLETE
    )
    after = services.segments.get(P, E, "big")
    assert after.generation == (before.generation or 0) + 1
    assert after.version == before.version + 1
    assert _members(services, "old", "new1", "ex") == {
        "old": Membership(False, False),
        "new1": Membership(True, False),
        "ex": Membership(False, True),
    }
    assert bs.info(P, E, after).counts.included == 2
    with services.uow() as uow:
        environment = uow.environments.get(project_key=P, key=E)
        assert environment is not None
        count = uow.big_segments.count
        assert count(environment_id=environment.id, key="big", generation=1, excluded=False) == 1
    bs.jobs.drop_old_generations(environment, "big", 1)
    with services.uow() as uow:
        remaining = uow.big_segments.count(
            environment_id=environment.id, key="big", generation=1, excluded=False
        )
    assert remaining == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"", "no context keys", id="empty file"),
        pytest.param(b"a\nb\x00c\n", "NUL byte", id="binary"),
        pytest.param(b"a\n\xff\xfe\n", "invalid UTF-8", id="not utf-8"),
        pytest.param(b"a\n" + b"k" * 257 + b"\n", "row 2", id="key too long"),
        pytest.param(b"a\nb\x01\n", "control characters", id="control character"),
        pytest.param(b"".join(b"k%d\n" % i for i in range(11)), "more than 10 rows", id="rows"),
    ],
)
@pytest.mark.parametrize("mode", ["merge", "replace"])
def test_import__bad_file__stopped_with_error_and_nothing_changed(
    services: Services, big: Segment, tmp_path: Path, content: bytes, message: str, mode: str
) -> None:
    services.big_segments.jobs.max_rows = 10
    services.big_segments.update_targets(P, E, "big", TargetChanges(included_add=("keep",)))
    before = services.segments.get(P, E, "big")
    status, error = _run(services, _import(services, tmp_path, content, mode))
    assert status == ImportStatus.STOPPED
    assert error is not None
    assert message in error
    assert services.segments.get(P, E, "big") == before
    assert _members(services, "keep", "a")["keep"] == Membership(True, False)
    assert _members(services, "a")["a"] == Membership(False, False)


def test_start_import__another_active_in_environment__conflict(
    services: Services, big: Segment, tmp_path: Path
) -> None:
    _import(services, tmp_path, b"a\n", "merge")
    with pytest.raises(ImportInProgress):
        _import(services, tmp_path, b"b\n", "merge")
    with pytest.raises(ImportInProgress):
        services.big_segments.update_targets(P, E, "big", TargetChanges(included_add=("c",)))


def test_start_import__bad_mode__invalid_request(
    services: Services, big: Segment, tmp_path: Path
) -> None:
    with pytest.raises(InvalidRequest, match="mode"):
        _import(services, tmp_path, b"a\n", "append")


def test_recover__import_left_in_progress__stopped_and_membership_intact(
    services: Services, big: Segment, tmp_path: Path
) -> None:
    import_id = _import(services, tmp_path, b"a\n", "replace")
    with services.uow(write=True) as uow:
        record = uow.big_segment_records.get_import(import_id)
        assert record is not None
        uow.big_segment_records.update_import(replace(record, status=ImportStatus.IN_PROGRESS))
        uow.commit()
    stopped = services.big_segments.jobs.recover()
    assert [r.id for r in stopped] == [import_id]
    record = services.big_segments.get_import(P, E, "big", import_id)
    assert record.status == ImportStatus.STOPPED
    assert record.error is not None
    assert "interrupted" in record.error
    assert services.big_segments.jobs.run_import(import_id) is not None
    assert _members(services, "a")["a"] == Membership(False, False)
    _import(services, tmp_path, b"b\n", "merge")  # the environment is free again


def test_apply_instructions__semantic_patch__changes_membership_in_callers_transaction(
    services: Services, big: Segment
) -> None:
    instructions = parse_instructions(
        [
            {"kind": "addBigSegmentIncludedTargets", "values": ["i1", "i2"]},
            {"kind": "addBigSegmentExcludedTargets", "values": ["x1"]},
            {"kind": "removeBigSegmentIncludedTargets", "values": ["i2"]},
        ]
    )
    result = apply_all(big, instructions)
    with services.uow(write=True) as uow:
        environment = uow.environments.get(project_key=P, key=E)
        assert environment is not None
        patch = services.big_segments.apply_instructions(
            uow, environment, big, result.big_segment_instructions
        )
        assert patch.changed
        uow.commit()
    patch.after_commit()
    assert _members(services, "i1", "i2", "x1") == {
        "i1": Membership(True, False),
        "i2": Membership(False, False),
        "x1": Membership(False, True),
    }


def test_apply_instructions__process_import__starts_waiting_import(
    services: Services, big: Segment, tmp_path: Path
) -> None:
    upload = tmp_path / "u.csv"
    upload.write_bytes(b"w1\n")
    record = services.big_segments.start_import(
        P, E, "big", mode="merge", wait_on_approvals=True, upload=upload, file_name="u.csv"
    )
    assert record.status == ImportStatus.READY
    instructions = parse_instructions([{"kind": "processBigSegmentImport", "importId": record.id}])
    with services.uow(write=True) as uow:
        environment = uow.environments.get(project_key=P, key=E)
        assert environment is not None
        patch = services.big_segments.apply_instructions(
            uow, environment, big, apply_all(big, instructions).big_segment_instructions
        )
        uow.commit()
    assert not patch.changed
    assert _run(services, record.id) == (ImportStatus.COMPLETE, None)
    assert _members(services, "w1")["w1"] == Membership(True, False)


def test_export__included_keys__csv_file(services: Services, big: Segment) -> None:
    services.big_segments.update_targets(
        P, E, "big", TargetChanges(included_add=("b", 'q"x', "a,c"), excluded_add=("z",))
    )
    token = services.access.create(name="exporter", role=Role.WRITER)
    record = services.big_segments.start_export(P, E, "big", token.token)
    services.big_segments.jobs.run_export(record.id)
    done = services.big_segments.get_export(P, E, "big", record.id)
    assert done.status == "complete"
    assert done.initiator_name == "exporter"
    path = services.big_segments.export_file(P, E, "big", record.id)
    assert path.read_bytes() == b'"a,c"\nb\n"q""x"\n'
    assert done.size_bytes == len(path.read_bytes())


def test_update_targets__awkward_keys__stored_and_found_exactly(
    services: Services, big: Segment
) -> None:
    keys = ("back\\slash", "a,b", 'q"x', "ünï", "sp ace", "\\N")
    services.big_segments.update_targets(P, E, "big", TargetChanges(included_add=keys))
    assert all(services.big_segments.membership(P, E, "big", k).included for k in keys)
    assert not services.big_segments.membership(P, E, "big", "backslash").included
