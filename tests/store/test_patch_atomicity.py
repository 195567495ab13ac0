"""A PATCH that fails part-way leaves the stored segment, its big-segment membership and the
audit log exactly as they were, on both stores (``services`` runs on SQLite and PostgreSQL).

These replace domain tests that compared a frozen input segment with itself after a failed
patch, which could never fail: atomicity is a property of what gets stored.
"""

from __future__ import annotations

from typing import Any

import pytest

from segmentd.bootstrap import Services
from segmentd.domain.audit.history import Actor
from segmentd.domain.patch.json_patch import parse_patch_document
from segmentd.domain.segments.semantic_patch import parse_semantic_patch
from segmentd.errors import InvalidRequest, UnprocessablePatch
from segmentd.services.audit.ports import AuditQuery
from segmentd.services.projects.service import ProjectDraft
from segmentd.services.segments.service import SegmentDraft

ME = Actor(id="t1", name="tester")


@pytest.fixture
def project(services: Services) -> str:
    services.projects.create_project(ProjectDraft(key="p", name="P"))
    return "p"


def semantic(*instructions: dict[str, Any]) -> Any:
    return parse_semantic_patch({"instructions": list(instructions)})


def stored(services: Services, key: str) -> tuple[int, str, tuple[str, ...], tuple[str, ...]]:
    segment = services.segments.get("p", "production", key)
    return segment.version, segment.name, segment.tags, segment.included


def assert_nothing_stored(services: Services, patch: Any, error: type[Exception]) -> None:
    """Patch segment ``s`` (version 1, named ``S``) with a patch that fails part-way."""
    services.segments.create("p", "production", SegmentDraft(key="s", name="S"), actor=ME)
    audited = services.audit.list(AuditQuery()).total
    with pytest.raises(error):
        services.segments.patch("p", "production", "s", patch, actor=ME)
    assert stored(services, "s") == (1, "S", (), ())
    assert services.audit.list(AuditQuery()).total == audited


def test_patch__semantic_later_instruction_fails__nothing_stored_or_audited(
    services: Services, project: str
) -> None:
    patch = semantic(
        {"kind": "addTags", "values": ["b"]},
        {"kind": "updateName", "value": "Changed"},
        {"kind": "addIncludedUsers", "values": ["u1"]},
        {"kind": "updateRuleDescription", "ruleId": "no-such-rule", "description": "x"},
    )
    assert_nothing_stored(services, patch, InvalidRequest)


def test_patch__json_patch_later_operation_fails__nothing_stored_or_audited(
    services: Services, project: str
) -> None:
    patch = parse_patch_document(
        [
            {"op": "replace", "path": "/name", "value": "Changed"},
            {"op": "add", "path": "/included/-", "value": "u1"},
            {"op": "replace", "path": "/tags/3", "value": "x"},
        ]
    )
    assert_nothing_stored(services, patch, UnprocessablePatch)


def test_patch__big_segment_targets_then_failing_instruction__membership_rolled_back(
    services: Services, project: str
) -> None:
    """The membership write of the first instruction reaches the database before the second
    fails; the transaction must take it back together with the version bump."""
    services.segments.create("p", "production", SegmentDraft("big", "B", unbounded=True))
    patch = semantic(
        {"kind": "updateName", "value": "Changed"},
        {"kind": "addBigSegmentIncludedTargets", "values": ["k"]},
        {"kind": "processBigSegmentImport", "importId": "no-such-import"},
    )
    with pytest.raises(InvalidRequest):
        services.segments.patch("p", "production", "big", patch, actor=ME)
    membership = services.big_segments.membership("p", "production", "big", "k")
    assert (membership.included, membership.excluded) == (False, False)
    assert stored(services, "big")[:2] == (1, "B")
