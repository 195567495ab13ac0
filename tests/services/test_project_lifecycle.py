"""Environment PATCH and DELETE, project DELETE, against the real stores (SQLite and
PostgreSQL, same bodies): what is removed, what is refused, what is announced."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from segmentd.bootstrap import Services
from segmentd.domain.audit.history import Action, Actor, AuditEntry, AuditScope
from segmentd.domain.big_segments.model import TargetChanges
from segmentd.domain.expiring.targets import parse_expiring_patch
from segmentd.domain.patch.json_patch import parse_patch_document
from segmentd.domain.projects.model import ApprovalSettings
from segmentd.errors import InvalidRequest, NotFound, Unauthorized
from segmentd.services.audit.ports import AuditQuery
from segmentd.services.flags.service import FlagDraft
from segmentd.services.ports import ItemChange
from segmentd.services.projects.service import EnvironmentDraft, ProjectDraft
from segmentd.services.segments.service import SegmentDraft
from segmentd.store import schema
from tests.fixed import FixedClock

P = "p"
ME = Actor(id="t1", name="tester")

#: Every table that holds rows of an environment, and how its rows name the environment.
#: (The audit log outlives what it describes: it is checked on its own.)
BY_ENVIRONMENT = (schema.segments, schema.flag_configs)


@pytest.fixture
def announcements(services: Services) -> Iterator[list[ItemChange]]:
    heard: list[ItemChange] = []
    unsubscribe = services.changes.subscribe(heard.append)
    yield heard
    unsubscribe()


def _fill(services: Services, clock: FixedClock, environment: str) -> None:
    """A standard segment with an expiring target, a big segment with members, a flag."""
    services.segments.create(P, environment, SegmentDraft(key="s", name="S"))
    patch = {"patch": [{"op": "add", "path": "/included/-", "value": "u"}]}
    services.segments.patch(P, environment, "s", parse_patch_document(patch), actor=ME)
    instruction = {
        "kind": "addExpiringTarget",
        "targetType": "included",
        "contextKind": "user",
        "contextKey": "u",
        "value": clock.now_ms() + 60_000,
    }
    services.expiring.patch(
        P, environment, "s", parse_expiring_patch({"instructions": [instruction]}), actor=ME
    )
    services.segments.create(P, environment, SegmentDraft(key="big", name="B", unbounded=True))
    services.big_segments.update_targets(
        P, environment, "big", TargetChanges(included_add=("k1", "k2"), excluded_add=("k3",))
    )


def _rows(services: Services, environment_id: str) -> dict[str, int]:
    """How many rows each table holds for the environment (segment children included)."""
    with services.engine.connect() as connection:
        counts = {
            table.name: connection.execute(
                sa.select(sa.func.count())
                .select_from(table)
                .where(table.c.environment_id == environment_id)
            ).scalar_one()
            for table in BY_ENVIRONMENT
        }
        segment_ids = sa.select(schema.segments.c.id).where(
            schema.segments.c.environment_id == environment_id
        )
        for child in (schema.segment_expiring_targets, schema.big_segment_state):
            counts[child.name] = connection.execute(
                sa.select(sa.func.count())
                .select_from(child)
                .where(child.c.segment_id.in_(segment_ids))
            ).scalar_one()
        counts["environments"] = connection.execute(
            sa.select(sa.func.count())
            .select_from(schema.environments)
            .where(schema.environments.c.id == environment_id)
        ).scalar_one()
    return counts


def _all_targets(services: Services) -> int:
    with services.engine.connect() as connection:
        count: int = connection.execute(
            sa.select(sa.func.count()).select_from(schema.big_segment_targets)
        ).scalar_one()
    return count


def _history(services: Services, scope: AuditScope | None = None) -> list[AuditEntry]:
    query = AuditQuery(scope=scope or AuditScope(), limit=20)
    return list(services.audit.list(query).items)


@pytest.fixture
def filled(services: Services, clock: FixedClock) -> Services:
    services.projects.create_project(ProjectDraft(key="other", name="Other"))
    services.projects.create_project(ProjectDraft(key=P, name="P"))
    for environment in ("production", "test"):
        _fill(services, clock, environment)
    services.flags.create(P, FlagDraft(key="f", name="F"))
    return services


def test_delete_environment__removes_everything_under_it__keeps_the_other(
    filled: Services, announcements: list[ItemChange]
) -> None:
    production = filled.projects.get_environment(P, "production")
    test = filled.projects.get_environment(P, "test")
    before = _rows(filled, production.id)
    assert all(count > 0 for name, count in before.items()), before
    kept = _rows(filled, test.id)

    filled.projects.delete_environment(P, "production", actor=ME)

    assert set(_rows(filled, production.id).values()) == {0}
    # The history stays: the delete is the newest entry, the segments' entries are kept.
    entries = _history(filled, AuditScope(project_key=P))
    deleted = entries[0]
    assert (deleted.kind, deleted.action, deleted.actor) == (
        "environment",
        Action.DELETE_ENVIRONMENT,
        ME,
    )
    assert (deleted.project_key, deleted.environment_key) == (P, "production")
    assert {"op": "remove", "path": "/key"} in deleted.changes
    kept_history = [e for e in entries if e.environment_key == "production" and e.segment_key]
    assert {e.segment_key for e in kept_history} == {"s", "big"}
    assert _rows(filled, test.id) == kept
    assert _all_targets(filled) == 3  # the test environment's members only
    with pytest.raises(NotFound, match="Unknown environment 'production'"):
        filled.projects.get_environment(P, "production")
    with pytest.raises(NotFound):
        filled.segments.get(P, "production", "s")
    with pytest.raises(Unauthorized):
        filled.feed.authenticate(production.sdk_key)
    assert ItemChange(production.id, "environments", "production", 0) in announcements
    assert filled.flags.get(P, "f").environments.keys() == {"test"}


def test_delete_environment__the_last_one__400_nothing_removed(filled: Services) -> None:
    filled.projects.delete_environment(P, "production")
    test = filled.projects.get_environment(P, "test")
    before = _rows(filled, test.id)
    with pytest.raises(InvalidRequest, match="last environment"):
        filled.projects.delete_environment(P, "test")
    assert _rows(filled, test.id) == before


def test_delete_environment__unknown__404(filled: Services) -> None:
    with pytest.raises(NotFound, match="Unknown environment 'nope'"):
        filled.projects.delete_environment(P, "nope")
    with pytest.raises(NotFound, match="Unknown project 'nope'"):
        filled.projects.delete_environment("nope", "production")


def test_delete_project__removes_environments_flags_and_members(
    filled: Services, announcements: list[ItemChange]
) -> None:
    environments = filled.projects.get_project(P).environments
    filled.projects.delete_project(P, actor=ME)
    newest = _history(filled)[:3]
    assert [(e.kind, e.action) for e in newest] == [
        ("project", Action.DELETE_PROJECT),
        ("environment", Action.DELETE_ENVIRONMENT),
        ("environment", Action.DELETE_ENVIRONMENT),
    ]
    for environment in environments:
        assert set(_rows(filled, environment.id).values()) == {0}
        assert ItemChange(environment.id, "environments", environment.key, 0) in announcements
    assert _all_targets(filled) == 0
    with filled.engine.connect() as connection:
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(schema.flags)).scalar_one()
            == 0
        )
    with pytest.raises(NotFound):
        filled.projects.get_project(P)
    # The key can be used again, from scratch.
    again = filled.projects.create_project(ProjectDraft(key=P, name="Again"))
    assert [e.key for e in again.environments] == ["production", "test"]
    with pytest.raises(NotFound):
        filled.segments.get(P, "production", "s")


def test_delete_project__the_last_one__400(services: Services) -> None:
    services.projects.create_project(ProjectDraft(key=P, name="P"))
    with pytest.raises(InvalidRequest, match="last project"):
        services.projects.delete_project(P)
    assert services.projects.get_project(P).key == P


def test_patch_environment__every_setting__stored_and_announced(
    services: Services, announcements: list[ItemChange]
) -> None:
    services.projects.create_project(ProjectDraft(key=P, name="P"))
    before = services.projects.get_environment(P, "production")
    ops = [
        {"op": "replace", "path": "/name", "value": "Prod"},
        {"op": "replace", "path": "/color", "value": "ababab"},
        {"op": "replace", "path": "/defaultTtl", "value": 50},
        {"op": "replace", "path": "/secureMode", "value": True},
        {"op": "replace", "path": "/defaultTrackEvents", "value": True},
        {"op": "replace", "path": "/requireComments", "value": True},
        {"op": "replace", "path": "/confirmChanges", "value": True},
        {"op": "replace", "path": "/critical", "value": True},
        {"op": "replace", "path": "/tags", "value": ["b", "a"]},
        {"op": "replace", "path": "/approvalSettings/minNumApprovals", "value": 2},
        {"op": "replace", "path": "/approvalSettings/required", "value": True},
    ]
    patched = services.projects.patch_environment(
        P, "production", parse_patch_document(ops), actor=ME
    )
    assert patched == services.projects.get_environment(P, "production")
    entry = _history(services, AuditScope(P, "production"))[0]
    assert (entry.kind, entry.action, entry.segment_name) == (
        "environment",
        Action.UPDATE_ENVIRONMENT,
        "Prod",
    )
    assert {"op": "replace", "path": "/name", "value": "Prod"} in entry.changes
    assert (patched.name, patched.color, patched.default_ttl) == ("Prod", "ababab", 50)
    assert (patched.secure_mode, patched.default_track_events, patched.critical) == (
        True,
        True,
        True,
    )
    assert (patched.require_comments, patched.confirm_changes) == (True, True)
    assert patched.tags == ("b", "a")
    assert patched.approval_settings == ApprovalSettings(required=True, min_num_approvals=2)
    assert (patched.sdk_key, patched.mobile_key, patched.id) == (
        before.sdk_key,
        before.mobile_key,
        before.id,
    )
    assert ItemChange(before.id, "environments", "production", 0) in announcements


@pytest.mark.parametrize(
    ("ops", "error"),
    [
        pytest.param([{"op": "replace", "path": "/key", "value": "x"}], InvalidRequest, id="key"),
        pytest.param(
            [{"op": "replace", "path": "/apiKey", "value": "sdk-x"}], InvalidRequest, id="sdk key"
        ),
        pytest.param(
            [{"op": "replace", "path": "/color", "value": "red"}], InvalidRequest, id="bad color"
        ),
        pytest.param(
            [{"op": "replace", "path": "/defaultTtl", "value": "5"}],
            InvalidRequest,
            id="ttl as a string",
        ),
        pytest.param(
            [{"op": "replace", "path": "/name", "value": ""}], InvalidRequest, id="empty name"
        ),
        pytest.param(
            [{"op": "replace", "path": "/defaultTtl", "value": 2**31}],
            InvalidRequest,
            id="ttl beyond int32",
        ),
        pytest.param(
            [{"op": "replace", "path": "/defaultTtl", "value": -1}],
            InvalidRequest,
            id="negative ttl",
        ),
        pytest.param(
            [
                {"op": "replace", "path": "/approvalSettings/required", "value": True},
                {"op": "replace", "path": "/approvalSettings/requiredApprovalTags", "value": ["x"]},
            ],
            InvalidRequest,
            id="required and tags",
        ),
        pytest.param(
            [{"op": "replace", "path": "/approvalSettings/minNumApprovals", "value": 6}],
            InvalidRequest,
            id="six approvals",
        ),
    ],
)
def test_patch_environment__refused__nothing_changes(
    services: Services, ops: list[dict[str, object]], error: type[Exception]
) -> None:
    services.projects.create_project(ProjectDraft(key=P, name="P"))
    before = services.projects.get_environment(P, "production")
    with pytest.raises(error):
        services.projects.patch_environment(P, "production", parse_patch_document(ops))
    assert services.projects.get_environment(P, "production") == before


def test_patch_environment__remove_approval_members__back_to_defaults(
    services: Services,
) -> None:
    services.projects.create_project(ProjectDraft(key=P, name="P"))
    tags = [{"op": "replace", "path": "/approvalSettings/requiredApprovalTags", "value": ["t"]}]
    services.projects.patch_environment(P, "production", parse_patch_document(tags))
    ops = [
        {"op": "remove", "path": "/approvalSettings/required"},
        {"op": "remove", "path": "/approvalSettings/requiredApprovalTags"},
    ]
    patched = services.projects.patch_environment(P, "production", parse_patch_document(ops))
    assert patched.approval_settings == ApprovalSettings()


def test_create_environment__color__kept_as_given(services: Services) -> None:
    services.projects.create_project(ProjectDraft(key=P, name="P"))
    created = services.projects.create_environment(P, EnvironmentDraft("qa", "QA", "ff00ff"))
    assert services.projects.get_environment(P, "qa").color == created.color == "ff00ff"


def test_patch_project__default_client_side_availability__one_setting_with_snippet(
    services: Services,
) -> None:
    services.projects.create_project(ProjectDraft(key=P, name="P"))
    ops = [
        {
            "op": "replace",
            "path": "/defaultClientSideAvailability",
            "value": {"usingEnvironmentId": True, "usingMobileKey": False},
        }
    ]
    project = services.projects.patch_project(P, parse_patch_document(ops), actor=ME)
    entry = _history(services, AuditScope(P))[0]
    assert (entry.kind, entry.action, entry.actor) == ("project", Action.UPDATE_PROJECT, ME)
    assert (project.include_in_snippet_by_default, project.default_using_mobile_key) == (
        True,
        False,
    )
    snippet = [{"op": "replace", "path": "/includeInSnippetByDefault", "value": False}]
    project = services.projects.patch_project(P, parse_patch_document(snippet))
    assert not project.include_in_snippet_by_default
    assert services.projects.get_project(P) == project
