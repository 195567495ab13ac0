"""Console sessions over raw HTTP: the cookie, the CSRF token, roles, sign-out; and the
offline ``/docs`` with its security scheme."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from segmentd.api.console.session import COOKIE
from segmentd.domain.projects.model import Role
from tests.api.conftest import token_for
from tests.live import LiveServer

SEGMENTS = "/api/v2/segments/default/production"


@contextmanager
def _signed_in(live: LiveServer, role: Role) -> Iterator[tuple[httpx.Client, str]]:
    with httpx.Client(base_url=live.base_url) as client:
        response = client.post("/console/session", json={"token": token_for(live, role)})
        assert response.status_code == 200, response.text
        yield client, response.json()["csrf"]


def test_sign_in__cookie__httponly_strict_and_token_not_in_body(live: LiveServer) -> None:
    token = token_for(live, Role.WRITER)
    response = httpx.post(live.base_url + "/console/session", json={"token": token})
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(COOKIE + "=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert token not in response.text
    assert response.json()["role"] == "writer"


def test_sign_in__wrong_token__401_and_no_cookie(live: LiveServer) -> None:
    response = httpx.post(live.base_url + "/console/session", json={"token": "api-nope"})
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "id"}
    assert "set-cookie" not in response.headers


def test_session__writer_with_csrf__creates_segment(live: LiveServer) -> None:
    with _signed_in(live, Role.WRITER) as (client, csrf):
        assert client.get("/console/session").json()["csrf"] == csrf
        created = client.post(
            SEGMENTS, json={"key": "from-console", "name": "C"}, headers={"X-CSRF-Token": csrf}
        )
        assert created.status_code == 201, created.text
        assert client.get(SEGMENTS + "/from-console").status_code == 200


def test_session__change_without_csrf__403_nothing_written(live: LiveServer) -> None:
    with _signed_in(live, Role.ADMIN) as (client, _):
        for headers in ({}, {"X-CSRF-Token": "0" * 64}):
            refused = client.post(SEGMENTS, json={"key": "forged", "name": "F"}, headers=headers)
            assert refused.status_code == 403
            assert set(refused.json()) == {"code", "message", "id"}
        form = client.post(SEGMENTS, data={"key": "forged", "name": "F"})
        assert form.status_code == 403
        assert client.get(SEGMENTS + "/forged").status_code == 404


def test_session__reader__reads_but_cannot_write(live: LiveServer) -> None:
    with _signed_in(live, Role.READER) as (client, csrf):
        assert client.get(SEGMENTS).status_code == 200
        refused = client.post(
            SEGMENTS, json={"key": "r", "name": "R"}, headers={"X-CSRF-Token": csrf}
        )
        assert refused.status_code == 403


def test_sign_out__clears_cookie__later_requests_401(live: LiveServer) -> None:
    with _signed_in(live, Role.READER) as (client, csrf):
        assert client.delete("/console/session").status_code == 403  # no CSRF token
        out = client.delete("/console/session", headers={"X-CSRF-Token": csrf})
        assert out.status_code == 204
        assert "Max-Age=0" in out.headers["set-cookie"] or "expires" in out.headers["set-cookie"]
        assert client.get("/console/session").status_code == 401
        assert client.get(SEGMENTS).status_code == 401


def test_console_page__served_with_local_assets_only(live: LiveServer) -> None:
    page = httpx.get(live.base_url + "/")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources
    for source in sources:
        assert not source.startswith(("http:", "https:", "//")), source
        if source.startswith("/"):
            assert httpx.get(live.base_url + source).status_code == 200, source


def test_docs__swagger_assets__served_by_segmentd(live: LiveServer) -> None:
    page = httpx.get(live.base_url + "/docs").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page) + re.findall(r"url: '([^']+)'", page)
    assert any(s.endswith("swagger-ui-bundle.js") for s in sources)
    for source in sources:
        assert not source.startswith(("http:", "https:", "//")), source
        assert httpx.get(live.base_url + source).status_code == 200, source


def test_openapi__api_key_scheme__declared_and_required(live: LiveServer) -> None:
    spec = httpx.get(live.base_url + "/openapi.json").json()
    scheme = spec["components"]["securitySchemes"]["ApiKey"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "Authorization"}
    operation = spec["paths"]["/api/v2/segments/{projectKey}/{environmentKey}"]["post"]
    assert operation["security"] == [{"ApiKey": []}]
    assert "security" not in spec["paths"]["/healthz"]["get"]
