"""Access tokens over /api/v2/tokens: admins only; the value is shown once."""

from __future__ import annotations

import httpx
import pytest

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


def test_tokens__patch_role_name_description__applied_and_shown(http: httpx.Client) -> None:
    created = http.post("/api/v2/tokens", json={"name": "p", "role": "reader"}).json()
    patch = [
        {"op": "replace", "path": "/role", "value": "writer"},
        {"op": "replace", "path": "/name", "value": "renamed"},
        {"op": "add", "path": "/description", "value": "ci job"},
    ]
    response = http.patch(f"/api/v2/tokens/{created['_id']}", json=patch)
    assert response.status_code == 200, response.text
    assert (response.json()["role"], response.json()["name"]) == ("writer", "renamed")
    assert http.get(f"/api/v2/tokens/{created['_id']}").json()["description"] == "ci job"
    removed = http.patch(
        f"/api/v2/tokens/{created['_id']}",
        json={"patch": [{"op": "remove", "path": "/description"}]},
    )
    assert removed.status_code == 200
    assert removed.json()["description"] is None


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        pytest.param([{"op": "replace", "path": "/role", "value": "owner"}], "role", id="bad role"),
        pytest.param([{"op": "replace", "path": "/role", "value": 3}], "value", id="not a string"),
        pytest.param([{"op": "replace", "path": "/_id", "value": "x"}], "only", id="read-only"),
        pytest.param([{"op": "move", "from": "/name", "path": "/x"}], "only", id="move"),
        pytest.param([{"op": "replace", "path": "/name", "value": ""}], "name", id="empty name"),
        pytest.param({"merge": {"role": "admin"}}, "JSON Patch", id="merge patch"),
        pytest.param({"role": "admin"}, "body", id="plain object"),
    ],
)
def test_tokens__patch_bad__400_named(http: httpx.Client, body: object, fragment: str) -> None:
    created = http.post("/api/v2/tokens", json={"name": "p", "role": "reader"}).json()
    response = http.patch(f"/api/v2/tokens/{created['_id']}", json=body)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["message"]
    assert http.get(f"/api/v2/tokens/{created['_id']}").json()["role"] == "reader"


def test_tokens__patch_unknown__404(http: httpx.Client) -> None:
    patch = [{"op": "replace", "path": "/role", "value": "writer"}]
    assert http.patch("/api/v2/tokens/000000000000000000000000", json=patch).status_code == 404


def test_tokens__patch_by_writer__403(live: LiveServer) -> None:
    headers = {"Authorization": token_for(live, Role.WRITER)}
    patch = [{"op": "replace", "path": "/role", "value": "admin"}]
    response = httpx.patch(live.base_url + "/api/v2/tokens/x", json=patch, headers=headers)
    assert response.status_code == 403
