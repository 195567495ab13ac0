"""Projects and environments through the official client's ProjectsApi and EnvironmentsApi."""

from __future__ import annotations

import re

import httpx
import launchdarkly_api
import pytest
from launchdarkly_api.api.environments_api import EnvironmentsApi
from launchdarkly_api.api.projects_api import ProjectsApi
from launchdarkly_api.exceptions import ConflictException, NotFoundException
from launchdarkly_api.models.environment_post import EnvironmentPost
from launchdarkly_api.models.project_post import ProjectPost

SDK_KEY = re.compile(r"[A-Za-z0-9._-]+")


def test_post_project__no_environments__production_and_test(
    ld_client: launchdarkly_api.ApiClient,
) -> None:
    project = ProjectsApi(ld_client).post_project(
        ProjectPost(name="Shop", key="shop", tags=["team-a"])
    )
    assert project.key == "shop"
    assert [e.key for e in project.environments] == ["production", "test"]
    for environment in project.environments:
        assert environment.api_key.startswith("sdk-")
        assert SDK_KEY.fullmatch(environment.api_key)
        assert environment.mobile_key.startswith("mob-")
        assert re.fullmatch(r"[0-9a-f]{24}", environment.id)


def test_post_project__duplicate_key__conflict(ld_client: launchdarkly_api.ApiClient) -> None:
    api = ProjectsApi(ld_client)
    api.post_project(ProjectPost(name="Dup", key="dup"))
    with pytest.raises(ConflictException):
        api.post_project(ProjectPost(name="Dup", key="dup"))


def test_get_projects__official_client__lists_with_total(
    ld_client: launchdarkly_api.ApiClient,
) -> None:
    projects = ProjectsApi(ld_client).get_projects(limit=100)
    assert "default" in [p.key for p in projects.items]
    assert projects.total_count == len(projects.items)


def test_get_project__expand_environments__includes_them(
    ld_client: launchdarkly_api.ApiClient,
) -> None:
    project = ProjectsApi(ld_client).get_project("default", expand="environments")
    assert project.environments is not None
    assert {e.key for e in project.environments.items} == {"production", "test"}


def test_get_project__unknown__not_found(ld_client: launchdarkly_api.ApiClient) -> None:
    with pytest.raises(NotFoundException):
        ProjectsApi(ld_client).get_project("missing")


def test_environments__create_list_get__official_client(
    ld_client: launchdarkly_api.ApiClient,
) -> None:
    api = EnvironmentsApi(ld_client)
    ProjectsApi(ld_client).post_project(ProjectPost(name="Env", key="env-project"))
    created = api.post_environment(
        "env-project", EnvironmentPost(name="Staging", key="staging", color="00ff00")
    )
    assert created.color == "00ff00"  # as given: the Terraform provider reads it back
    listed = api.get_environments_by_project("env-project")
    assert [e.key for e in listed.items] == ["production", "test", "staging"]
    assert api.get_environment("env-project", "staging").api_key == created.api_key
    with pytest.raises(ConflictException):
        api.post_environment(
            "env-project", EnvironmentPost(name="Staging", key="staging", color="00ff00")
        )


def test_post_environment__unknown_project__404(http: httpx.Client) -> None:
    response = http.post(
        "/api/v2/projects/missing/environments", json={"name": "E", "key": "e", "color": "ffffff"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"name": "E", "key": "e", "color": "red"}, "color", id="bad color"),
        pytest.param({"name": "E", "key": "e e", "color": "ffffff"}, "key", id="bad key"),
        pytest.param({"name": "E", "key": "e"}, "color", id="color missing"),
        pytest.param(
            {"name": "E", "key": "e", "color": "ffffff", "defaultTtl": -1},
            "defaultTtl",
            id="negative ttl",
        ),
    ],
)
def test_post_environment__invalid__400(http: httpx.Client, body: object, field: str) -> None:
    response = http.post("/api/v2/projects/default/environments", json=body)
    assert response.status_code == 400
    assert response.json()["message"].startswith(field)


def test_post_project__duplicate_environment_keys__400(http: httpx.Client) -> None:
    env = {"name": "E", "key": "e", "color": "ffffff"}
    response = http.post(
        "/api/v2/projects", json={"name": "P", "key": "pp", "environments": [env, env]}
    )
    assert response.status_code == 400
    assert http.get("/api/v2/projects/pp").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("limit=0", id="limit zero"),
        pytest.param("limit=101", id="limit over 100"),
        pytest.param("limit=abc", id="limit not a number"),
        pytest.param("offset=-1", id="negative offset"),
    ],
)
def test_get_projects__bad_paging__400(http: httpx.Client, query: str) -> None:
    response = http.get(f"/api/v2/projects?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
