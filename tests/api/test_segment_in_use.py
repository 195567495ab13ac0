"""A segment that flags target cannot be deleted until the flags stop targeting it."""

from __future__ import annotations

import httpx

SEGMENTS = "/api/v2/segments/default/production"


def test_delete_segment__targeted_by_flag__409_naming_flag_then_allowed(
    http: httpx.Client,
) -> None:
    assert http.post(SEGMENTS, json={"key": "in-use", "name": "In use"}).status_code == 201
    assert (
        http.post("/api/v2/flags/default", json={"key": "uses-it", "name": "F"}).status_code == 201
    )
    rule = {
        "variation": 0,
        "clauses": [{"attribute": "", "op": "segmentMatch", "values": ["in-use"]}],
    }
    patched = http.patch(
        "/api/v2/flags/default/uses-it",
        json=[{"op": "add", "path": "/environments/production/rules/-", "value": rule}],
    )
    assert patched.status_code == 200, patched.text
    flags = http.get(f"{SEGMENTS}/in-use").json()["_flags"]
    assert [f["key"] for f in flags] == ["uses-it"]

    refused = http.delete(f"{SEGMENTS}/in-use")
    assert refused.status_code == 409
    assert refused.json()["code"] == "resource_in_use"
    assert "'uses-it'" in refused.json()["message"]
    assert http.get(f"{SEGMENTS}/in-use").status_code == 200

    cleared = http.patch(
        "/api/v2/flags/default/uses-it",
        json=[{"op": "replace", "path": "/environments/production/rules", "value": []}],
    )
    assert cleared.status_code == 200, cleared.text
    assert http.delete(f"{SEGMENTS}/in-use").status_code == 204


def test_delete_segment__flag_targets_other_environment__allowed(http: httpx.Client) -> None:
    assert http.post(SEGMENTS, json={"key": "prod-only", "name": "P"}).status_code == 201
    assert (
        http.post("/api/v2/flags/default", json={"key": "test-rule", "name": "F"}).status_code
        == 201
    )
    rule = {
        "variation": 0,
        "clauses": [{"attribute": "", "op": "segmentMatch", "values": ["prod-only"]}],
    }
    patched = http.patch(
        "/api/v2/flags/default/test-rule",
        json=[{"op": "add", "path": "/environments/test/rules/-", "value": rule}],
    )
    assert patched.status_code == 200, patched.text
    assert http.delete(f"{SEGMENTS}/prod-only").status_code == 204
