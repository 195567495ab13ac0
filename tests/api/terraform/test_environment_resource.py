"""``launchdarkly_environment`` as the provider drives it, in its order, as raw HTTP built
from its source (``resource_environment_framework.go``): create (``PostEnvironment`` with
every optional field, then ``GetEnvironment``), read, update (one ``PatchEnvironment``
replacing all nine settings, then the ``approval_settings`` patch), import by
``project/env`` (a read), delete (``DeleteEnvironment``, then a read answering 404, which
the provider takes as "gone"). Against SQLite and PostgreSQL (the ``live`` fixture)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.api.terraform.test_project_resource import ENVIRONMENT_REQUIRED, create_project
from tests.api.terraform.test_segment_resource import replace

ERROR_BODY = {"code", "message", "id"}


@pytest.fixture
def project_key(http: httpx.Client) -> str:
    key = f"env-{uuid.uuid4().hex[:10]}"
    create_project(http, key, tags=[])
    return key


def environment_post(key: str, **fields: Any) -> dict[str, Any]:
    """``ldapi.EnvironmentPost`` as the provider fills it: every pointer set."""
    return {
        "name": "Staging1",
        "key": key,
        "color": "ff00ff",
        "defaultTtl": 50,
        "secureMode": True,
        "defaultTrackEvents": True,
        "tags": ["terraform", "tagged"],
        "requireComments": False,
        "confirmChanges": False,
        "critical": False,
        **fields,
    }


def update_patch(**values: Any) -> list[dict[str, Any]]:
    """The provider's Update: one replace per setting, whether it changed or not."""
    settings = {
        "name": "Staging2",
        "color": "000000",
        "defaultTtl": 60,
        "secureMode": False,
        "defaultTrackEvents": False,
        "requireComments": True,
        "confirmChanges": True,
        "critical": True,
        "tags": ["terraform"],
        **values,
    }
    return [replace(f"/{name}", value) for name, value in settings.items()]


def approval_patch(*, required: bool, tags: list[str]) -> list[dict[str, Any]]:
    """``applyApprovalPatch`` with a planned ``approval_settings`` block."""
    return [
        replace("/approvalSettings/required", required),
        replace("/approvalSettings/canReviewOwnRequest", False),
        replace("/approvalSettings/minNumApprovals", 2),
        replace("/approvalSettings/canApplyDeclinedChanges", True),
        replace("/approvalSettings/requiredApprovalTags", tags),
        replace("/approvalSettings/serviceKind", "launchdarkly"),
        replace("/approvalSettings/serviceConfig", {}),
        replace("/approvalSettings/autoApplyApprovedChanges", False),
    ]


def _path(project: str, env: str = "") -> str:
    base = f"/api/v2/projects/{project}/environments"
    return f"{base}/{env}" if env else base


def _error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert set(response.json()) == ERROR_BODY
    assert response.json()["code"] == code


def test_environment__create_then_read__every_setting_as_sent(
    http: httpx.Client, project_key: str
) -> None:
    created = http.post(_path(project_key), json=environment_post("staging1"))
    assert created.status_code == 201, created.text
    read = http.get(_path(project_key, "staging1"))
    assert read.status_code == 200
    env = read.json()
    assert env.keys() >= ENVIRONMENT_REQUIRED
    assert env == created.json()
    assert (env["color"], env["defaultTtl"], env["secureMode"]) == ("ff00ff", 50, True)
    assert env["tags"] == ["terraform", "tagged"]


def test_environment__update__all_settings_then_approvals(
    http: httpx.Client, project_key: str
) -> None:
    created = http.post(_path(project_key), json=environment_post("staging1")).json()
    response = http.patch(_path(project_key, "staging1"), json=update_patch())
    assert response.status_code == 200, response.text
    env = response.json()
    assert (env["name"], env["color"], env["defaultTtl"]) == ("Staging2", "000000", 60)
    assert (env["requireComments"], env["confirmChanges"], env["critical"]) == (True, True, True)
    assert (env["apiKey"], env["mobileKey"], env["_id"]) == (
        created["apiKey"],
        created["mobileKey"],
        created["_id"],
    )
    approvals = http.patch(
        _path(project_key, "staging1"), json=approval_patch(required=True, tags=[])
    )
    assert approvals.status_code == 200, approvals.text
    settings = http.get(_path(project_key, "staging1")).json()["approvalSettings"]
    assert (settings["required"], settings["minNumApprovals"]) == (True, 2)
    # approval_settings removed from the configuration: the provider removes both gates
    removed = [
        {"op": "remove", "path": "/approvalSettings/required"},
        {"op": "remove", "path": "/approvalSettings/requiredApprovalTags"},
    ]
    cleared = http.patch(_path(project_key, "staging1"), json=removed)
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["approvalSettings"]["required"] is False


def test_environment__import_by_project_and_key__read(http: httpx.Client, project_key: str) -> None:
    http.post(_path(project_key), json=environment_post("imported"))
    import_id = f"{project_key}/imported"
    project, env = import_id.split("/", 1)  # the provider's ImportState
    read = http.get(_path(project, env))
    assert read.status_code == 200
    assert read.json()["key"] == "imported"


def test_environment__delete__204_then_reads_404_and_sdk_key_401(
    http: httpx.Client, project_key: str
) -> None:
    created = http.post(_path(project_key), json=environment_post("doomed")).json()
    segment = {"key": "seg", "name": "Seg"}
    assert http.post(f"/api/v2/segments/{project_key}/doomed", json=segment).status_code == 201
    deleted = http.delete(_path(project_key, "doomed"))
    assert deleted.status_code == 204
    assert deleted.content == b""
    _error(http.get(_path(project_key, "doomed")), 404, "not_found")
    _error(http.get(f"/api/v2/segments/{project_key}/doomed/seg"), 404, "not_found")
    _error(http.delete(_path(project_key, "doomed")), 404, "not_found")
    sdk = http.get("/sdk/latest-all", headers={"Authorization": created["apiKey"]})
    _error(sdk, 401, "unauthorized")
    # The audit log keeps the delete, and the deleted environment's earlier entries.
    log = http.get("/api/v2/auditlog", params={"spec": f"proj/{project_key}"}).json()["items"]
    newest = log[0]
    assert (newest["kind"], newest["accesses"]) == (
        "environment",
        [{"action": "deleteEnvironment", "resource": f"proj/{project_key}:env/doomed"}],
    )
    assert newest["name"] == "Staging1"
    resources = {item["target"]["resources"][0] for item in log}
    assert f"proj/{project_key}:env/doomed:segment/seg" in resources


@pytest.mark.parametrize(
    ("ops", "status", "code"),
    [
        pytest.param([replace("/key", "other")], 400, "invalid_request", id="read-only key"),
        pytest.param([replace("/apiKey", "sdk-x")], 400, "invalid_request", id="read-only sdk key"),
        pytest.param([replace("/color", "#ff00ff")], 400, "invalid_request", id="bad color"),
        pytest.param([replace("/secureMode", "yes")], 400, "invalid_request", id="not a boolean"),
        pytest.param(
            [{"op": "test", "path": "/name", "value": "other"}], 422, "patch_failed", id="test"
        ),
        pytest.param({"patch": "nope"}, 400, "invalid_request", id="not a patch"),
    ],
)
def test_environment__bad_patch__error_body_and_unchanged(
    http: httpx.Client, project_key: str, ops: object, status: int, code: str
) -> None:
    before = http.get(_path(project_key, "production")).json()
    _error(http.patch(_path(project_key, "production"), json=ops), status, code)
    assert http.get(_path(project_key, "production")).json() == before


def test_environment__errors__404_409_400(http: httpx.Client, project_key: str) -> None:
    _error(http.patch(_path(project_key, "nope"), json=update_patch()), 404, "not_found")
    _error(http.patch(_path("no-project", "production"), json=update_patch()), 404, "not_found")
    _error(http.delete(_path("no-project", "production")), 404, "not_found")
    _error(http.post(_path(project_key), json=environment_post("production")), 409, "key_exists")
    too_long = environment_post("ttl", defaultTtl=2**31)  # beyond int32: a 400, not a 500
    _error(http.post(_path(project_key), json=too_long), 400, "invalid_request")
    http.delete(_path(project_key, "staging"))
    last = http.delete(_path(project_key, "production"))
    _error(last, 400, "invalid_request")  # LaunchDarkly keeps a project's last environment
    assert "last environment" in last.json()["message"]
