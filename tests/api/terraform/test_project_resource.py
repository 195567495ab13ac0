"""``launchdarkly_project`` as the provider drives it, in its order (create, read, update,
import by key, delete): ``PostProject`` with nested environments, then ``applyProjectUpdates``
(a ``PatchProject`` of ``/name``, ``/tags`` and ``/defaultClientSideAvailability`` as a bare
JSON Patch array; per planned environment a create if missing and a ``PatchEnvironment`` of
all its settings; a ``DeleteEnvironment`` for each one left out), then ``GetProject`` and
every page of ``GetEnvironmentsByProject``; ``DeleteProject``. The same flows through the
official Python client. ``launchdarkly_environment`` is in ``test_environment_resource.py``."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import launchdarkly_api
import pytest
from launchdarkly_api.api.environments_api import EnvironmentsApi
from launchdarkly_api.api.projects_api import ProjectsApi
from launchdarkly_api.exceptions import NotFoundException
from launchdarkly_api.models.default_client_side_availability_post import (
    DefaultClientSideAvailabilityPost,
)
from launchdarkly_api.models.environment_post import EnvironmentPost
from launchdarkly_api.models.patch_operation import PatchOperation
from launchdarkly_api.models.project_post import ProjectPost

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


def provider_apply(
    http: httpx.Client, key: str, *, environments: dict[str, dict[str, Any]], csa: bool
) -> dict[str, Any]:
    """``applyProjectUpdates``: patch the project, load it, then per planned environment
    create it if missing and patch all its settings, then delete the ones left out."""
    ops = [replace("/name", "Terraform project"), replace("/tags", ["terraform"])]
    if csa:
        value = {"usingEnvironmentId": True, "usingMobileKey": False}
        ops.append(replace("/defaultClientSideAvailability", value))
    assert http.patch(f"/api/v2/projects/{key}", json=ops).status_code == 200
    existing = {e["key"] for e in http.get(f"/api/v2/projects/{key}/environments").json()["items"]}
    for env_key, env in sorted(environments.items()):
        if env_key not in existing:
            body = {"key": env_key, **env}
            created = http.post(f"/api/v2/projects/{key}/environments", json=body)
            assert created.status_code == 201, created.text
        settings = [replace(f"/{name}", value) for name, value in env.items()]
        patched = http.patch(f"/api/v2/projects/{key}/environments/{env_key}", json=settings)
        assert patched.status_code == 200, patched.text
    for env_key in sorted(existing - environments.keys()):
        deleted = http.delete(f"/api/v2/projects/{key}/environments/{env_key}")
        assert deleted.status_code == 204, deleted.text
    project: dict[str, Any] = http.get(f"/api/v2/projects/{key}").json()
    return project


def _env(name: str, color: str) -> dict[str, Any]:
    return {
        "name": name,
        "color": color,
        "defaultTtl": 0,
        "secureMode": False,
        "defaultTrackEvents": False,
        "requireComments": False,
        "confirmChanges": False,
        "critical": False,
        "tags": [],
    }


def test_project__update__client_side_default_and_authoritative_environments(
    http: httpx.Client, project_key: str
) -> None:
    create_project(http, project_key, tags=[])
    planned = {"production": _env("Prod", "417505"), "qa": _env("QA", "ababab")}
    project = provider_apply(http, project_key, environments=planned, csa=True)
    assert project["defaultClientSideAvailability"] == {
        "usingEnvironmentId": True,
        "usingMobileKey": False,
    }
    assert project["includeInSnippetByDefault"] is True
    page = http.get(f"/api/v2/projects/{project_key}/environments").json()
    assert {e["key"]: e["color"] for e in page["items"]} == {
        "production": "417505",
        "qa": "ababab",
    }
    # A flag created without clientSideAvailability takes the project's default.
    flag = http.post(f"/api/v2/flags/{project_key}", json={"key": "f", "name": "F"}).json()
    assert flag["clientSideAvailability"] == {"usingEnvironmentId": True, "usingMobileKey": False}


def test_project__import_by_key__read_with_every_environment(
    http: httpx.Client, project_key: str
) -> None:
    create_project(http, project_key, tags=["x"])
    project = http.get(f"/api/v2/projects/{project_key}")  # ImportState: the id is the key
    assert project.status_code == 200
    assert project.json().keys() >= PROJECT_REQUIRED | {"defaultClientSideAvailability"}
    items = http.get(f"/api/v2/projects/{project_key}/environments").json()["items"]
    assert [e["key"] for e in items] == ["production", "staging"]


def test_project__delete__204_then_404_everything_inside_gone(
    http: httpx.Client, project_key: str
) -> None:
    create_project(http, project_key, tags=[])
    segment = {"key": "s", "name": "S"}
    assert http.post(f"/api/v2/segments/{project_key}/production", json=segment).status_code == 201
    sdk_key = http.get(f"/api/v2/projects/{project_key}/environments/production").json()["apiKey"]
    deleted = http.delete(f"/api/v2/projects/{project_key}")
    assert deleted.status_code == 204
    for path in (
        f"/api/v2/projects/{project_key}",
        f"/api/v2/projects/{project_key}/environments/production",
        f"/api/v2/segments/{project_key}/production/s",
    ):
        missing = http.get(path)
        assert missing.status_code == 404
        assert set(missing.json()) == {"code", "message", "id"}
    assert http.get("/sdk/latest-all", headers={"Authorization": sdk_key}).status_code == 401
    assert http.delete(f"/api/v2/projects/{project_key}").status_code == 404


def test_project__errors__409_and_400_bodies(http: httpx.Client, project_key: str) -> None:
    create_project(http, project_key, tags=[])
    again = http.post("/api/v2/projects", json={"key": project_key, "name": "Again"})
    assert again.status_code == 409
    assert again.json()["code"] == "key_exists"
    bad = http.patch(
        f"/api/v2/projects/{project_key}",
        json=[replace("/defaultClientSideAvailability", {"usingMobileKey": "yes"})],
    )
    assert bad.status_code == 400
    assert set(bad.json()) == {"code", "message", "id"}
    assert bad.json()["code"] == "invalid_request"


def test_project_and_environment__lifecycle_with_official_client(
    ld_client: launchdarkly_api.ApiClient, project_key: str
) -> None:
    projects, environments = ProjectsApi(ld_client), EnvironmentsApi(ld_client)
    projects.post_project(
        ProjectPost(
            name="Client",
            key=project_key,
            defaultClientSideAvailability=DefaultClientSideAvailabilityPost(
                usingEnvironmentId=True, usingMobileKey=True
            ),
        )
    )
    availability = projects.get_project(project_key).default_client_side_availability
    assert availability is not None
    assert (availability.using_environment_id, availability.using_mobile_key) == (True, True)
    environments.post_environment(
        project_key, EnvironmentPost(name="QA", key="qa", color="ff00ff", defaultTtl=5)
    )
    patched = environments.patch_environment(
        project_key,
        "qa",
        [
            PatchOperation(op="replace", path="/name", value="Quality"),
            PatchOperation(op="replace", path="/critical", value=True),
            PatchOperation(op="replace", path="/tags", value=["t"]),
        ],
    )
    assert (patched.name, patched.critical, patched.tags) == ("Quality", True, ["t"])
    assert environments.get_environment(project_key, "qa").name == "Quality"
    environments.delete_environment(project_key, "qa")
    with pytest.raises(NotFoundException):
        environments.get_environment(project_key, "qa")
    projects.delete_project(project_key)
    with pytest.raises(NotFoundException):
        projects.get_project(project_key)
