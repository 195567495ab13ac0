"""Every endpoint and method answers errors as ``{"code", "message", "id"}`` in JSON."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.live import LiveServer

PUBLIC = {"/healthz", "/readyz", "/openapi.json", "/docs", "/docs/oauth2-redirect"}

#: Browser SDK routes name their environment by the client-side id in the path (not a
#: secret, no token): an unknown one is a 404.
PATH_CREDENTIAL = re.compile(r"^/(sdk/evalx|eval|ping|events/bulk|events/diagnostic)/")


def _routes(live: LiveServer) -> list[tuple[str, str]]:
    """Every documented operation (so the OpenAPI document is also checked to be complete)."""
    spec = httpx.get(live.base_url + "/openapi.json").json()
    out: list[tuple[str, str]] = []
    for template, operations in spec["paths"].items():
        if template in PUBLIC:
            continue
        path = re.sub(r"\{[^}]+\}", "x", template)
        out.extend((method.upper(), path) for method in operations)
    return out


def _assert_error_shape(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "id"}
    assert all(isinstance(body[k], str) and body[k] for k in body)


def test_every_route__no_token__401_error_shape(live: LiveServer) -> None:
    routes = _routes(live)
    assert len(routes) >= 10
    for method, path in routes:
        response = httpx.request(method, live.base_url + path, json={})
        _assert_error_shape(response, 404 if PATH_CREDENTIAL.match(path) else 401)


def test_every_route__unknown_resources__404_error_shape(
    live: LiveServer, http: httpx.Client
) -> None:
    for method, path in _routes(live):
        # DELETE has no body to check first: an unknown resource is a 404 there too.
        if method not in ("GET", "DELETE") or "x" not in path.split("/"):
            continue
        if path.startswith(("/msdk/", "/meval/")):
            continue  # the mobile key is checked first: an access token gets 401
        _assert_error_shape(http.request(method, path), 404)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        pytest.param("GET", "/api/v2/nothing-here", 404, id="unknown path"),
        pytest.param("PUT", "/api/v2/projects", 405, id="wrong method"),
        pytest.param("GET", "/api/v2/segments/default/production/missing", 404, id="no segment"),
        pytest.param("GET", "/api/v2/segments/default/nope/missing", 404, id="no environment"),
        pytest.param("GET", "/api/v2/segments/nope/production/missing", 404, id="no project"),
    ],
)
def test_error_shape__routing_errors(
    http: httpx.Client, method: str, path: str, status: int
) -> None:
    _assert_error_shape(http.request(method, path), status)


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        pytest.param(
            "PATCH",
            "/api/v2/projects/default/environments/nope",
            [{"op": "replace", "path": "/name", "value": "x"}],
            404,
            id="patch unknown environment",
        ),
        pytest.param(
            "PATCH",
            "/api/v2/projects/default/environments/production",
            [{"op": "replace", "path": "/apiKey", "value": "x"}],
            400,
            id="patch a credential",
        ),
        pytest.param(
            "PATCH",
            "/api/v2/projects/default/environments/production",
            [{"op": "move", "path": "/name"}],
            400,
            id="malformed patch",
        ),
        pytest.param("DELETE", "/api/v2/projects/default", None, 400, id="the last project"),
        pytest.param(
            "POST",
            "/api/v2/projects/default/environments",
            {"key": "production", "name": "P", "color": "000000"},
            409,
            id="environment key taken",
        ),
    ],
)
def test_error_shape__project_and_environment_writes(
    http: httpx.Client, method: str, path: str, body: object, status: int
) -> None:
    _assert_error_shape(http.request(method, path, json=body), status)
