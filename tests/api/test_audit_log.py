"""The audit log of segment changes, read through the official client's AuditLogApi."""

from __future__ import annotations

import httpx
import launchdarkly_api
import pytest
from launchdarkly_api.api.audit_log_api import AuditLogApi

from tests.live import LiveServer

PATH = "/api/v2/segments/default/production"
SEMANTIC = {"Content-Type": "application/json; domain-model=launchdarkly.semanticpatch"}


@pytest.fixture
def history(http: httpx.Client, key: str) -> str:
    """Create, patch (with a comment) and delete one segment."""
    assert http.post(PATH, json={"key": key, "name": "Audited"}).status_code == 201
    body = {"comment": "add u1", "instructions": [{"kind": "addIncludedUsers", "values": ["u1"]}]}
    assert http.patch(f"{PATH}/{key}", json=body, headers=SEMANTIC).status_code == 200
    assert http.delete(f"{PATH}/{key}").status_code == 204
    return key


def test_audit_log__official_client__segment_changes_newest_first(
    ld_client: launchdarkly_api.ApiClient, history: str
) -> None:
    spec = f"proj/default:env/production:segment/{history}"
    entries = AuditLogApi(ld_client).get_audit_log_entries(spec=spec, limit=20).items
    assert [e.accesses[0].action for e in entries] == [
        "deleteSegment",
        "updateSegment",
        "createSegment",
    ]
    update = entries[1]
    assert (update.kind, update.name, update.comment) == ("segment", "Audited", "add u1")
    assert update.accesses[0].resource == spec
    assert update.token is not None
    assert update.token.name == "initial admin"  # the `http` fixture's token
    assert update.var_date >= entries[2].var_date


def test_segment_history__raw__versions_and_json_patch_of_the_change(
    http: httpx.Client, history: str
) -> None:
    body = http.get(f"/api/v2/auditlog/segments/default/production/{history}").json()
    assert body["totalCount"] == 3
    update = body["items"][1]
    assert (update["previousVersion"], update["currentVersion"]) == (1, 2)
    assert {"op": "add", "path": "/included/-", "value": "u1"} in update["changes"]
    assert body["items"][2]["previousVersion"] is None


def test_audit_log__pagination__limit_offset_and_links(http: httpx.Client, history: str) -> None:
    path = f"/api/v2/auditlog/segments/default/production/{history}"
    first = http.get(path, params={"limit": 2}).json()
    assert len(first["items"]) == 2
    assert set(first["_links"]) == {"self", "next", "last"}
    rest = http.get(first["_links"]["next"]["href"]).json()
    assert [e["_id"] for e in rest["items"]] == [http.get(path).json()["items"][2]["_id"]]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        pytest.param({"spec": "proj/default:env/production:flag/x"}, 400, id="flag spec"),
        pytest.param({"limit": 21}, 400, id="limit over 20"),
        pytest.param({"spec": "proj/nope"}, 404, id="unknown project"),
        pytest.param({"spec": "proj/default:env/nope"}, 404, id="unknown environment"),
    ],
)
def test_audit_log__bad_query__error_shape(
    http: httpx.Client, params: dict[str, str | int], status: int
) -> None:
    response = http.get("/api/v2/auditlog", params=params)
    assert response.status_code == status
    assert set(response.json()) == {"code", "message", "id"}


def test_audit_log__openapi__documented(live: LiveServer) -> None:
    spec = httpx.get(live.base_url + "/openapi.json").json()
    operation = spec["paths"]["/api/v2/auditlog"]["get"]
    assert operation["operationId"] == "getAuditLogEntries"
    assert "AuditLogEntryListingRepCollection" in str(operation["responses"]["200"])
    patch = spec["paths"]["/api/v2/segments/{projectKey}/{environmentKey}/{segmentKey}"]["patch"]
    media_types = patch["requestBody"]["content"]
    assert any("domain-model=launchdarkly.semanticpatch" in m for m in media_types)
