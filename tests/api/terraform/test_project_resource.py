"""``launchdarkly_project`` and ``launchdarkly_environment`` creates and reads, as the
provider sends them: ``PostProject`` with nested environments, then a ``PatchProject`` of
``/name`` and ``/tags`` (a bare JSON Patch array), then ``GetProject`` and every page of
``GetEnvironmentsByProject``; ``PostEnvironment`` with every optional field set."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import launchdarkly_api
import pytest
from launchdarkly_api.api.projects_api import ProjectsApi
from launchdarkly_api.models.patch_operation import PatchOperation

from tests.api.terraform.test_segment_resource import replace

#: Fields ``api-client-go`` refuses to decode a ``Project`` or ``Environment`` without.
PROJECT_REQUIRED = {"_links", "_id", "key", "includeInSnippetByDefault", "name", "tags"}
ENVIRONMENT_REQUIRED = {
    "_links", "_id", "key", "name", "apiKey", "mobileKey", "color", "defaultTtl", "secureMode",
    "defaultTrackEvents", "requireComments", "confirmChanges", "tags", "critical",
}  # fmt: skip


@pytest.fixture
def project_key() -> str:
    return f"proj-{uuid.uuid4().hex[:10]}"


def create_project(http: httpx.Client, key: str, *, tags: list[str]) -> dict[str, Any]:
    body = {
        "name": "Terraform project",
        "key": key,
        "environments": [
            {"name": "Production", "key": "production", "color": "417505", "defaultTtl": 0},
            {"name": "Staging", "key": "staging", "color": "f5a623", "defaultTtl": 5},
        ],
    }
    assert http.post("/api/v2/projects", json=body).status_code == 201
    response = http.patch(
        f"/api/v2/projects/{key}",
        json=[replace("/name", "Terraform project"), replace("/tags", tags)],
    )
    assert response.status_code == 200, response.text
    patched: dict[str, Any] = response.json()
    return patched


def test_project__create_patch_and_read(http: httpx.Client, project_key: str) -> None:
    assert create_project(http, project_key, tags=["terraform"])["tags"] == ["terraform"]
    project = http.get(f"/api/v2/projects/{project_key}").json()
    assert project.keys() >= PROJECT_REQUIRED
    assert (project["name"], project["tags"]) == ("Terraform project", ["terraform"])
    page = http.get(
        f"/api/v2/projects/{project_key}/environments", params={"limit": 20, "offset": 0}
    ).json()
    assert page["totalCount"] == 2
    assert [e["key"] for e in page["items"]] == ["production", "staging"]
    assert all(e.keys() >= ENVIRONMENT_REQUIRED for e in page["items"])


def test_project__update_renames_and_clears_tags(http: httpx.Client, project_key: str) -> None:
    create_project(http, project_key, tags=["a"])
    ops = [replace("/name", "Renamed"), replace("/tags", [])]
    response = http.patch(f"/api/v2/projects/{project_key}", json=ops)
    assert response.status_code == 200, response.text
    assert (response.json()["name"], response.json()["tags"]) == ("Renamed", [])


def test_project__unsupported_path__400(http: httpx.Client, project_key: str) -> None:
    create_project(http, project_key, tags=[])
    ops = [replace("/key", "other")]
    response = http.patch(f"/api/v2/projects/{project_key}", json=ops)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    missing = http.patch("/api/v2/projects/nope", json=[replace("/name", "x")])
    assert missing.status_code == 404


def test_environment__create_with_every_field_and_read(
    http: httpx.Client, project_key: str
) -> None:
    create_project(http, project_key, tags=[])
    body = {
        "name": "QA",
        "key": "qa",
        "color": "00ff00",
        "defaultTtl": 0,
        "secureMode": False,
        "defaultTrackEvents": False,
        "tags": [],
        "requireComments": False,
        "confirmChanges": False,
        "critical": False,
    }
    response = http.post(f"/api/v2/projects/{project_key}/environments", json=body)
    assert response.status_code == 201, response.text
    read = http.get(f"/api/v2/projects/{project_key}/environments/qa")
    assert read.status_code == 200
    assert read.json().keys() >= ENVIRONMENT_REQUIRED


def test_project__patch_with_official_client(
    ld_client: launchdarkly_api.ApiClient, http: httpx.Client, project_key: str
) -> None:
    create_project(http, project_key, tags=[])
    api = ProjectsApi(ld_client)
    patched = api.patch_project(
        project_key,
        [
            PatchOperation(op="replace", path="/name", value="Client"),
            PatchOperation(op="replace", path="/tags", value=["x"]),
        ],
    )
    assert (patched.name, patched.tags) == ("Client", ["x"])
    assert api.get_project(project_key).name == "Client"
