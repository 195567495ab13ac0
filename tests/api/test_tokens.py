"""Access tokens over /api/v2/tokens: admins only; the value is shown once."""

from __future__ import annotations

import httpx

from segmentd.domain.projects.model import Role
from tests.api.conftest import token_for
from tests.live import LiveServer


def test_tokens__create_list_delete__round_trip(live: LiveServer, http: httpx.Client) -> None:
    created = http.post("/api/v2/tokens", json={"name": "ci", "role": "writer"})
    assert created.status_code == 201
    body = created.json()
    secret, token_id = body["token"], body["_id"]
    assert secret.startswith("api-")
    assert body["role"] == "writer"

    listed = http.get("/api/v2/tokens", params={"limit": 100}).json()["items"]
    entry = next(t for t in listed if t["_id"] == token_id)
    assert entry["token"] == secret[-4:]

    as_new = {"Authorization": secret}
    segment = {"name": "N", "key": "made-by-new-token"}
    path = "/api/v2/segments/default/production"
    assert httpx.post(live.base_url + path, json=segment, headers=as_new).status_code == 201

    assert http.delete(f"/api/v2/tokens/{token_id}").status_code == 204
    assert http.get(f"/api/v2/tokens/{token_id}").status_code == 404
    assert httpx.get(live.base_url + "/api/v2/projects", headers=as_new).status_code == 401


def test_tokens__stored_only_as_hash(live: LiveServer, http: httpx.Client) -> None:
    secret = http.post("/api/v2/tokens", json={"name": "h", "role": "reader"}).json()["token"]
    with live.services.engine.connect() as connection:
        dump = "\n".join(
            str(row) for row in connection.exec_driver_sql("SELECT * FROM access_tokens")
        )
    assert secret not in dump


def test_tokens__writer__forbidden(live: LiveServer) -> None:
    headers = {"Authorization": token_for(live, Role.WRITER)}
    response = httpx.get(live.base_url + "/api/v2/tokens", headers=headers)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_tokens__bad_role__400(http: httpx.Client) -> None:
    response = http.post("/api/v2/tokens", json={"name": "x", "role": "owner"})
    assert response.status_code == 400
    assert response.json()["message"].startswith("role")


def test_tokens__delete_unknown__404(http: httpx.Client) -> None:
    assert http.delete("/api/v2/tokens/000000000000000000000000").status_code == 404
