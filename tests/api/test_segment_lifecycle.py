"""List, patch and delete segments through the official client and raw HTTP."""

from __future__ import annotations

import concurrent.futures
from typing import Any

import httpx
import launchdarkly_api
import pytest
from launchdarkly_api.api.segments_api import SegmentsApi
from launchdarkly_api.exceptions import (
    BadRequestException,
    ConflictException,
    NotFoundException,
    UnprocessableEntityException,
)
from launchdarkly_api.models.patch_operation import PatchOperation
from launchdarkly_api.models.patch_with_comment import PatchWithComment
from launchdarkly_api.models.segment_body import SegmentBody

from tests.live import LiveServer

PATH = "/api/v2/segments/default/production"
SEMANTIC = {"Content-Type": "application/json; domain-model=launchdarkly.semanticpatch"}


@pytest.fixture(scope="module")
def listing(live: LiveServer) -> str:
    """An environment of its own holding five segments, for the list tests."""
    headers = {"Authorization": live.admin_token}
    base = f"{live.base_url}/api/v2"
    env = {"key": "listing", "name": "Listing", "color": "00FF00"}
    assert httpx.post(f"{base}/projects/default/environments", json=env, headers=headers).is_success
    for key, name, tags in [
        ("alpha", "Zebra fans", ["beta"]),
        ("bravo", "Alpha testers", ["beta", "eu"]),
        ("charlie", "Mobile", []),
        ("delta", "Desktop", ["eu"]),
        ("echo", "Everyone", []),
    ]:
        body = {"key": key, "name": name, "tags": tags}
        response = httpx.post(f"{base}/segments/default/listing", json=body, headers=headers)
        assert response.status_code == 201
    return "listing"


def create(http: httpx.Client, key: str, **fields: Any) -> dict[str, Any]:
    response = http.post(PATH, json={"key": key, "name": "N", **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


# ---------------------------------------------------------------- list


@pytest.mark.parametrize(
    ("kwargs", "expected", "total"),
    [
        pytest.param({}, ["alpha", "bravo", "charlie", "delta", "echo"], 5, id="all"),
        pytest.param({"filter": 'tags anyOf ["eu"]'}, ["bravo", "delta"], 2, id="tags"),
        pytest.param({"filter": 'query equals "alpha"'}, ["alpha", "bravo"], 2, id="query"),
        pytest.param(
            {"filter": 'tags anyOf ["beta"],query equals "zebra"'}, ["alpha"], 1, id="and"
        ),
        pytest.param(
            {
                "filter": 'includedKeys anyOf ["echo"] | excludedKeys anyOf ["alpha", "bravo", '
                '"charlie", "echo"]'
            },
            ["delta", "echo"],
            2,
            id="or",
        ),
        pytest.param({"sort": "-name"}, ["alpha", "charlie", "echo", "delta", "bravo"], 5, id="s"),
        pytest.param({"sort": "name", "limit": 2}, ["bravo", "delta"], 5, id="limit"),
        pytest.param({"sort": "name", "limit": 2, "offset": 4}, ["alpha"], 5, id="last page"),
        pytest.param({"offset": 10}, [], 5, id="past the end"),
    ],
)
def test_get_segments__official_client__filter_sort_limit_offset(
    ld_client: launchdarkly_api.ApiClient,
    listing: str,
    kwargs: dict[str, Any],
    expected: list[str],
    total: int,
) -> None:
    page = SegmentsApi(ld_client).get_segments("default", listing, **kwargs)
    assert [s.key for s in page.items] == expected
    assert page.total_count == total
    assert all(s.flags is None for s in page.items)


def test_get_segments__pagination_links__keep_filter_and_exist_only_where_pages_do(
    http: httpx.Client, listing: str
) -> None:
    params: dict[str, str | int] = {
        "filter": 'query equals "e"',
        "sort": "name",
        "limit": 1,
        "offset": 1,
    }
    body = http.get("/api/v2/segments/default/listing", params=params).json()
    links = body["_links"]
    assert set(links) == {"self", "first", "prev", "next", "last"}
    next_page = http.get(links["next"]["href"]).json()
    direct = http.get("/api/v2/segments/default/listing", params={**params, "offset": 2}).json()
    assert next_page["items"] == direct["items"] != body["items"]
    assert "filter=query%20equals%20%22e%22" in links["next"]["href"]
    first = http.get("/api/v2/segments/default/listing", params={"limit": 100}).json()
    assert set(first["_links"]) == {"self"}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param({"filter": 'name equals "x"'}, "filter: position 1: unknown field", id="f"),
        pytest.param({"filter": 'tags anyOf ["a"'}, "filter: position", id="unclosed"),
        pytest.param({"sort": "key"}, "sort: unknown field 'key'", id="sort"),
        pytest.param({"limit": 0}, "limit", id="limit zero"),
        pytest.param({"limit": 101}, "limit", id="limit too big"),
        pytest.param({"limit": "ten"}, "limit", id="limit not a number"),
        pytest.param({"offset": -1}, "offset", id="negative offset"),
    ],
)
def test_get_segments__malformed_parameters__400(
    http: httpx.Client, listing: str, params: dict[str, Any], message: str
) -> None:
    response = http.get("/api/v2/segments/default/listing", params=params)
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], set(body)) == ("invalid_request", {"code", "message", "id"})
    assert message in body["message"]


def test_get_segments__unknown_environment__404(ld_client: launchdarkly_api.ApiClient) -> None:
    with pytest.raises(NotFoundException):
        SegmentsApi(ld_client).get_segments("default", "nope")


# ---------------------------------------------------------------- patch


def test_patch_segment__official_client_json_patch__applied_version_bumped(
    ld_client: launchdarkly_api.ApiClient, key: str
) -> None:
    api = SegmentsApi(ld_client)
    api.post_segment("default", "production", SegmentBody(name="N", key=key))
    patch = PatchWithComment(
        patch=[
            PatchOperation(op="test", path="/version", value=1),
            PatchOperation(op="replace", path="/name", value="Renamed"),
            PatchOperation(op="add", path="/included/-", value="user-1"),
        ],
        comment="rename",
    )
    segment = api.patch_segment("default", "production", key, patch)
    assert (segment.name, segment.included, segment.version) == ("Renamed", ["user-1"], 2)
    assert api.get_segment("default", "production", key).version == 2


def test_patch_segment__official_client_stale_version__409(
    ld_client: launchdarkly_api.ApiClient, key: str
) -> None:
    api = SegmentsApi(ld_client)
    api.post_segment("default", "production", SegmentBody(name="N", key=key))
    stale = PatchWithComment(patch=[PatchOperation(op="test", path="/version", value=5)])
    with pytest.raises(ConflictException) as raised:
        api.patch_segment("default", "production", key, stale)
    assert '"optimistic_locking_error"' in str(raised.value.body)


def test_patch_segment__official_client_dry_run__previewed_not_stored(
    ld_client: launchdarkly_api.ApiClient, key: str
) -> None:
    api = SegmentsApi(ld_client)
    api.post_segment("default", "production", SegmentBody(name="N", key=key))
    patch = PatchWithComment(patch=[PatchOperation(op="replace", path="/name", value="Preview")])
    preview = api.patch_segment("default", "production", key, patch, dry_run=True)
    assert (preview.name, preview.version) == ("Preview", 2)
    stored = api.get_segment("default", "production", key)
    assert (stored.name, stored.version) == ("N", 1)


def test_patch_segment__semantic_patch__applied(http: httpx.Client, key: str) -> None:
    create(http, key)
    body = {
        "environmentKey": "production",
        "comment": "add orgs",
        "instructions": [
            {"kind": "addIncludedTargets", "contextKind": "org", "values": ["org-1", "org-2"]},
            {"kind": "addRule", "clauses": [{"attribute": "email", "op": "endsWith",
                                              "values": [".edu"], "negate": False}]},
        ],
    }  # fmt: skip
    response = http.patch(f"{PATH}/{key}", json=body, headers=SEMANTIC)
    assert response.status_code == 200, response.text
    segment = response.json()
    assert segment["includedContexts"] == [{"contextKind": "org", "values": ["org-1", "org-2"]}]
    assert segment["rules"][0]["_id"]
    assert segment["version"] == 2


def test_patch_segment__semantic_no_op__version_unchanged(http: httpx.Client, key: str) -> None:
    create(http, key, tags=["a"])
    body = {"instructions": [{"kind": "addTags", "values": ["a"]}]}
    response = http.patch(f"{PATH}/{key}", json=body, headers=SEMANTIC)
    assert response.status_code == 200
    assert response.json()["version"] == 1


def test_patch_segment__semantic_dry_run__not_stored(http: httpx.Client, key: str) -> None:
    create(http, key)
    body = {"instructions": [{"kind": "updateName", "value": "Dry"}]}
    response = http.patch(f"{PATH}/{key}?dryRun=true", json=body, headers=SEMANTIC)
    assert (response.status_code, response.json()["name"]) == (200, "Dry")
    assert http.get(f"{PATH}/{key}").json()["name"] == "N"


def test_patch_segment__merge_patch__applied(http: httpx.Client, key: str) -> None:
    create(http, key, description="old")
    body = {"merge": {"description": None, "tags": ["x"]}, "comment": "tidy"}
    response = http.patch(f"{PATH}/{key}", json=body)
    assert response.status_code == 200
    segment = response.json()
    assert ("description" in segment, segment["tags"], segment["version"]) == (False, ["x"], 2)


def test_patch_segment__bare_json_patch_array__applied(http: httpx.Client, key: str) -> None:
    create(http, key)
    response = http.patch(f"{PATH}/{key}", json=[{"op": "add", "path": "/tags/0", "value": "t"}])
    assert (response.status_code, response.json()["tags"]) == (200, ["t"])


def _error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "id"}
    assert body["code"] == code
    message: str = body["message"]
    return message


@pytest.mark.parametrize(
    ("body", "headers", "status", "code", "message"),
    [
        pytest.param(
            {"instructions": [{"kind": "updateName", "value": "x"}]},
            {},
            400,
            "invalid_request",
            "semantic patch needs",
            id="semantic body without the header",
        ),
        pytest.param({"name": "x"}, {}, 400, "invalid_request", "body: expected", id="bare object"),
        pytest.param(
            {"instructions": []}, SEMANTIC, 400, "invalid_request", "must not be empty", id="empty"
        ),
        pytest.param(
            {"instructions": [{"kind": "explode"}]},
            SEMANTIC,
            400,
            "invalid_request",
            "instructions[0].kind",
            id="unknown instruction",
        ),
        pytest.param(
            {"environmentKey": "test", "instructions": [{"kind": "updateName", "value": "x"}]},
            SEMANTIC,
            400,
            "invalid_request",
            "environmentKey",
            id="other environment",
        ),
        pytest.param(
            {"instructions": [{"kind": "addTags", "values": ["ok"]},
                              {"kind": "reorderRules", "ruleIds": ["nope"]}]},
            SEMANTIC,
            400,
            "invalid_request",
            "instructions[1]",
            id="second instruction fails",
        ),
        pytest.param(
            {"instructions": [{"kind": "addBigSegmentIncludedTargets", "values": ["k"]}]},
            SEMANTIC,
            400,
            "invalid_request",
            "not a big segment",
            id="big-segment instruction on a standard segment",
        ),
        pytest.param(
            [{"op": "replace", "path": "/key", "value": "k2"}],
            {},
            400,
            "invalid_request",
            "read-only",
            id="read-only path",
        ),
        pytest.param(
            [{"op": "jump", "path": "/name"}], {}, 400, "invalid_request", "op", id="unknown op"
        ),
        pytest.param(
            [{"op": "remove", "path": "/description"}],
            {},
            400,
            "invalid_patch",
            "patch[0]: cannot remove",
            id="remove of a path that does not exist",
        ),
        pytest.param(
            [{"op": "replace", "path": "/tags/3", "value": "x"}],
            {},
            422,
            "patch_failed",
            "patch[0]",
            id="path does not exist",
        ),
        pytest.param(
            [{"op": "test", "path": "/name", "value": "other"}],
            {},
            422,
            "patch_failed",
            "test failed",
            id="failed test on another field",
        ),
        pytest.param(
            [{"op": "test", "path": "/version", "value": 99}],
            {},
            409,
            "optimistic_locking_error",
            "version is 1",
            id="stale version",
        ),
        pytest.param(
            [{"op": "replace", "path": "/name", "value": ""}],
            {},
            400,
            "invalid_request",
            "name",
            id="result does not validate",
        ),
    ],
)  # fmt: skip
def test_patch_segment__bad_patch__error_shape_and_nothing_stored(
    http: httpx.Client,
    key: str,
    body: Any,
    headers: dict[str, str],
    status: int,
    code: str,
    message: str,
) -> None:
    before = create(http, key)
    response = http.patch(f"{PATH}/{key}", json=body, headers=headers)
    assert message in _error(response, status, code)
    after = http.get(f"{PATH}/{key}").json()
    assert after["version"] == before["version"] == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"", "A JSON body is required", id="empty"),
        pytest.param(b"{nope", "Malformed JSON", id="malformed"),
    ],
)
def test_patch_segment__unreadable_body__400(
    http: httpx.Client, key: str, content: bytes, message: str
) -> None:
    create(http, key)
    response = http.patch(
        f"{PATH}/{key}", content=content, headers={"Content-Type": "application/json"}
    )
    assert message in _error(response, 400, "invalid_request")


def test_patch_segment__big_segment_targets__stored_and_version_bumped(
    http: httpx.Client, key: str
) -> None:
    create(http, key, unbounded=True)
    body = {
        "instructions": [
            {"kind": "addBigSegmentIncludedTargets", "values": ["k1", "k2"]},
            {"kind": "addBigSegmentExcludedTargets", "values": ["x1"]},
        ]
    }
    response = http.patch(f"{PATH}/{key}", json=body, headers=SEMANTIC)
    assert response.status_code == 200, response.text
    segment = response.json()
    assert segment["version"] == 2
    assert segment["_unboundedMetadata"]["includedCount"] == 2
    assert segment["_unboundedMetadata"]["excludedCount"] == 1
    membership = http.get(f"{PATH}/{key}/contexts/k1").json()
    assert membership == {"userKey": "k1", "included": True, "excluded": False}
    again = http.patch(f"{PATH}/{key}", json=body, headers=SEMANTIC)
    assert again.json()["version"] == 2  # nothing changed: no new version


def test_patch_segment__big_segment_targets_dry_run__nothing_stored(
    http: httpx.Client, key: str
) -> None:
    create(http, key, unbounded=True)
    body = {"instructions": [{"kind": "addBigSegmentIncludedTargets", "values": ["k"]}]}
    response = http.patch(f"{PATH}/{key}?dryRun=true", json=body, headers=SEMANTIC)
    assert response.status_code == 200
    assert http.get(f"{PATH}/{key}/contexts/k").json()["included"] is False


def test_patch_segment__missing_segment__404(ld_client: launchdarkly_api.ApiClient) -> None:
    patch = PatchWithComment(patch=[PatchOperation(op="replace", path="/name", value="x")])
    with pytest.raises(NotFoundException):
        SegmentsApi(ld_client).patch_segment("default", "production", "missing", patch)


def test_patch_segment__official_client_bad_path__422(
    ld_client: launchdarkly_api.ApiClient, key: str
) -> None:
    api = SegmentsApi(ld_client)
    api.post_segment("default", "production", SegmentBody(name="N", key=key))
    patch = PatchWithComment(patch=[PatchOperation(op="replace", path="/tags/3", value="x")])
    with pytest.raises(UnprocessableEntityException):
        api.patch_segment("default", "production", key, patch)


def test_patch_segment__official_client_read_only__400(
    ld_client: launchdarkly_api.ApiClient, key: str
) -> None:
    api = SegmentsApi(ld_client)
    api.post_segment("default", "production", SegmentBody(name="N", key=key))
    patch = PatchWithComment(patch=[PatchOperation(op="replace", path="/version", value=7)])
    with pytest.raises(BadRequestException):
        api.patch_segment("default", "production", key, patch)


# ---------------------------------------------------------------- delete


def test_delete_segment__official_client__gone_then_key_reusable_version_continues(
    ld_client: launchdarkly_api.ApiClient, key: str
) -> None:
    api = SegmentsApi(ld_client)
    api.post_segment("default", "production", SegmentBody(name="N", key=key))
    api.delete_segment("default", "production", key)
    with pytest.raises(NotFoundException):
        api.get_segment("default", "production", key)
    with pytest.raises(NotFoundException):
        api.delete_segment("default", "production", key)
    again = api.post_segment("default", "production", SegmentBody(name="Again", key=key))
    assert again.version == 3


def test_delete_segment__204_without_body(http: httpx.Client, key: str) -> None:
    create(http, key)
    response = http.delete(f"{PATH}/{key}")
    assert (response.status_code, response.content) == (204, b"")


# ---------------------------------------------------------------- method override


def test_method_override__post_as_patch__patches(http: httpx.Client, key: str) -> None:
    create(http, key)
    response = http.post(
        f"{PATH}/{key}",
        json=[{"op": "replace", "path": "/name", "value": "Overridden"}],
        headers={"X-HTTP-Method-Override": "PATCH"},
    )
    assert (response.status_code, response.json()["name"]) == (200, "Overridden")


def test_method_override__post_as_semantic_patch__patches(http: httpx.Client, key: str) -> None:
    create(http, key)
    body = {"instructions": [{"kind": "addTags", "values": ["o"]}]}
    response = http.post(
        f"{PATH}/{key}", json=body, headers={**SEMANTIC, "X-HTTP-Method-Override": "patch"}
    )
    assert (response.status_code, response.json()["tags"]) == (200, ["o"])


def test_method_override__post_as_delete__deletes(http: httpx.Client, key: str) -> None:
    create(http, key)
    response = http.post(f"{PATH}/{key}", headers={"X-HTTP-Method-Override": "DELETE"})
    assert response.status_code == 204
    assert http.get(f"{PATH}/{key}").status_code == 404


def test_patch_segment__concurrent_http_writers__no_update_lost(
    live: LiveServer, http: httpx.Client, key: str
) -> None:
    create(http, key)
    writers = 8

    def add(n: int) -> int:
        body = {"instructions": [{"kind": "addIncludedUsers", "values": [f"u{n}"]}]}
        return httpx.patch(
            f"{live.base_url}{PATH}/{key}",
            json=body,
            headers={**SEMANTIC, "Authorization": live.admin_token},
        ).status_code

    with concurrent.futures.ThreadPoolExecutor(writers) as pool:
        assert set(pool.map(add, range(writers))) == {200}
    segment = http.get(f"{PATH}/{key}").json()
    assert segment["version"] == 1 + writers
    assert sorted(segment["included"]) == sorted(f"u{n}" for n in range(writers))
