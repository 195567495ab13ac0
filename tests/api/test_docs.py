"""/openapi.json and /docs describe the endpoints with their real schemas."""

from __future__ import annotations

import httpx

from tests.live import LiveServer


def test_openapi__create_segment__documents_body_responses_and_errors(live: LiveServer) -> None:
    spec = httpx.get(live.base_url + "/openapi.json").json()
    operation = spec["paths"]["/api/v2/segments/{projectKey}/{environmentKey}"]["post"]
    assert operation["operationId"] == "postSegment"
    assert "SegmentBody" in str(operation["requestBody"])
    assert "UserSegment" in str(operation["responses"]["201"])
    for status in ("400", "401", "403", "404", "409", "429"):
        assert "ErrorRep" in str(operation["responses"][status])


def test_docs__interactive_page__served(live: LiveServer) -> None:
    response = httpx.get(live.base_url + "/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()


def test_health__liveness_and_readiness__ok(live: LiveServer) -> None:
    assert httpx.get(live.base_url + "/healthz").json() == {"status": "ok"}
    assert httpx.get(live.base_url + "/readyz").json()["database"] == "ok"
