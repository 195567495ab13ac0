"""POST /api/v2/segments/{projectKey}/{environmentKey} through the official client and raw HTTP."""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import launchdarkly_api
import pytest
from launchdarkly_api.api.segments_api import SegmentsApi
from launchdarkly_api.exceptions import ConflictException, ForbiddenException, NotFoundException
from launchdarkly_api.models.segment_body import SegmentBody

from segmentd.domain.projects.model import Role
from tests.api.conftest import token_for
from tests.live import LiveServer

PATH = "/api/v2/segments/default/production"


def test_post_segment__official_client__returns_full_user_segment(
    ld_client: launchdarkly_api.ApiClient, key: str
) -> None:
    segment = SegmentsApi(ld_client).post_segment(
        "default",
        "production",
        SegmentBody(name="Beta testers", key=key, description="early", tags=["beta"]),
    )
    assert segment.key == key
    assert segment.name == "Beta testers"
    assert segment.description == "early"
    assert segment.tags == ["beta"]
    assert segment.version == 1
    assert segment.deleted is False
    assert segment.rules == []
    assert segment.included == []
    assert segment.excluded == []
    assert segment.included_contexts == []
    assert segment.excluded_contexts == []
    assert segment.creation_date == segment.last_modified_date > 1_700_000_000_000
    assert segment.links["self"].href == f"{PATH}/{key}"
    assert segment.access is not None
    assert segment.access.denied == []


def test_post_segment__then_get__official_client_reads_it(
    ld_client: launchdarkly_api.ApiClient, key: str
) -> None:
    api = SegmentsApi(ld_client)
    api.post_segment("default", "production", SegmentBody(name="N", key=key))
    fetched = api.get_segment("default", "production", key)
    assert fetched.key == key
    assert fetched.flags == []
    assert fetched.description is None


def test_post_segment__duplicate_key__conflict_key_exists(
    ld_client: launchdarkly_api.ApiClient, key: str
) -> None:
    api = SegmentsApi(ld_client)
    api.post_segment("default", "production", SegmentBody(name="N", key=key))
    with pytest.raises(ConflictException) as raised:
        api.post_segment("default", "production", SegmentBody(name="N", key=key))
    assert '"key_exists"' in str(raised.value.body)


def test_post_segment__unknown_environment__not_found(
    ld_client: launchdarkly_api.ApiClient, key: str
) -> None:
    with pytest.raises(NotFoundException):
        SegmentsApi(ld_client).post_segment("default", "nope", SegmentBody(name="N", key=key))


def test_post_segment__big_segment__unbounded_fields_and_generation(
    http: httpx.Client, key: str
) -> None:
    response = http.post(
        PATH, json={"name": "Big", "key": key, "unbounded": True, "unboundedContextKind": "device"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["unbounded"] is True
    assert body["unboundedContextKind"] == "device"
    assert body["generation"] == 1
    assert "excluded" not in body


def test_post_segment__targeting_fields__ignored(http: httpx.Client, key: str) -> None:
    response = http.post(
        PATH,
        json={
            "name": "N",
            "key": key,
            "included": ["a"],
            "excluded": ["b"],
            "rules": [{"clauses": []}],
            "includedContexts": [{"contextKind": "org", "values": ["o"]}],
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["included"], body["excluded"], body["rules"]) == ([], [], [])
    assert body["includedContexts"] == []


def test_post_segment__salt__stored_random_per_segment(
    live: LiveServer, http: httpx.Client
) -> None:
    salts = set()
    for suffix in ("one", "two"):
        key = f"salted-{suffix}"
        assert http.post(PATH, json={"name": "N", "key": key}).status_code == 201
        salts.add(live.services.segments.get("default", "production", key).salt)
    assert len(salts) == 2
    assert all(len(s) == 32 for s in salts)


def test_post_segment__bearer_prefix__accepted(live: LiveServer, key: str) -> None:
    response = httpx.post(
        live.base_url + PATH,
        json={"name": "N", "key": key},
        headers={"Authorization": f"Bearer {live.admin_token}"},
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"unboundedContextKind": "org"}, id="kind with unbounded false"),
        pytest.param({"unbounded": False, "unboundedContextKind": ""}, id="empty kind"),
        pytest.param({"description": None, "tags": None, "unbounded": None}, id="nulls"),
    ],
)
def test_post_segment__standard_segment__ignores_unbounded_context_kind(
    http: httpx.Client, key: str, extra: dict[str, Any]
) -> None:
    """LaunchDarkly's clients send ``unboundedContextKind`` on every create; a standard
    segment has no such field, so it is ignored (docs/compatibility.md)."""
    response = http.post(PATH, json={"name": "N", "key": key, **extra})
    assert response.status_code == 201, response.text
    assert response.json()["unbounded"] is False
    assert "unboundedContextKind" not in response.json()


def test_post_segment__big_segment_with_empty_kind__targets_users(
    http: httpx.Client, key: str
) -> None:
    body = {"name": "N", "key": key, "unbounded": True, "unboundedContextKind": ""}
    response = http.post(PATH, json=body)
    assert response.status_code == 201, response.text
    assert response.json()["unboundedContextKind"] == "user"


INVALID_BODIES: list[Any] = [
    pytest.param({"key": "k"}, "name", id="name missing"),
    pytest.param({"name": "", "key": "k"}, "name", id="name empty"),
    pytest.param({"name": "   ", "key": "k"}, "name", id="name blank"),
    pytest.param({"name": "N"}, "key", id="key missing"),
    pytest.param({"name": "N", "key": ""}, "key", id="key empty"),
    pytest.param({"name": 1, "key": "k"}, "name", id="name not a string"),
    pytest.param({"name": "N", "key": 1}, "key", id="key not a string"),
    pytest.param({"name": "N", "key": "-k"}, "key", id="key starts with dash"),
    pytest.param({"name": "N", "key": "a b"}, "key", id="key with space"),
    pytest.param({"name": "N", "key": "k" * 257}, "key", id="key too long"),
    pytest.param({"name": "N", "key": "k", "tags": "x"}, "tags", id="tags not a list"),
    pytest.param({"name": "N", "key": "k", "tags": [""]}, "tags", id="empty tag"),
    pytest.param({"name": "N", "key": "k", "tags": ["a b"]}, "tags", id="tag with space"),
    pytest.param({"name": "N", "key": "k", "tags": ["t" * 65]}, "tags", id="tag too long"),
    pytest.param({"name": "N", "key": "k", "tags": [1]}, "tags", id="tag not a string"),
    pytest.param({"name": "N", "key": "k", "unbounded": "true"}, "unbounded", id="bool as text"),
    pytest.param({"name": "N", "key": "k", "unbounded": 1}, "unbounded", id="bool as number"),
    pytest.param(
        {"name": "N", "key": "k", "unbounded": True, "unboundedContextKind": "a b"},
        "unboundedContextKind",
        id="invalid context kind",
    ),
    pytest.param(
        {"name": "N", "key": "k", "unbounded": True, "unboundedContextKind": "multi"},
        "unboundedContextKind",
        id="context kind multi",
    ),
    pytest.param({"name": "N", "key": "k", "description": 5}, "description", id="bad description"),
]


@pytest.mark.parametrize(("body", "field"), INVALID_BODIES)
def test_post_segment__invalid_body__400_naming_field(
    http: httpx.Client, body: Any, field: str
) -> None:
    response = http.post(PATH, json=body)
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "invalid_request"
    assert error["message"].startswith(field), error["message"]
    assert error["id"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"{not json", "Malformed JSON", id="malformed json"),
        pytest.param(b"[1, 2]", "must be a JSON object", id="array body"),
        pytest.param(b'"text"', "must be a JSON object", id="string body"),
        pytest.param(b"null", "must be a JSON object", id="null body"),
        pytest.param(b"", "body is required", id="empty body"),
    ],
)
def test_post_segment__not_an_object__400(http: httpx.Client, content: bytes, message: str) -> None:
    response = http.post(PATH, content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    assert message in response.json()["message"]


def test_post_segment__not_json_content_type__415(http: httpx.Client) -> None:
    response = http.post(PATH, content=b"name=x", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_post_segment__oversized_body__413(http: httpx.Client) -> None:
    body = b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'", "key": "big"}'
    response = http.post(PATH, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_post_segment__oversized_chunked_body__413(http: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(40):
            yield b"x" * 65536
        yield b'", "key": "big"}'

    response = http.post(PATH, content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(None, id="missing"),
        pytest.param("api-00000000-0000-0000-0000-000000000000", id="unknown token"),
        pytest.param("", id="empty"),
        pytest.param("Bearer", id="bearer without token"),
    ],
)
def test_post_segment__bad_token__401(
    live: LiveServer, authorization: str | None, key: str
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = httpx.post(live.base_url + PATH, json={"name": "N", "key": key}, headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_post_segment__sdk_key__refused_401(live: LiveServer, key: str) -> None:
    sdk_key = live.services.projects.get_environment("default", "production").sdk_key
    response = httpx.post(
        live.base_url + PATH, json={"name": "N", "key": key}, headers={"Authorization": sdk_key}
    )
    assert response.status_code == 401


def test_post_segment__reader_token__403(live: LiveServer, key: str) -> None:
    configuration = launchdarkly_api.Configuration(host=live.base_url)
    configuration.api_key["ApiKey"] = token_for(live, Role.READER)
    with launchdarkly_api.ApiClient(configuration) as client, pytest.raises(ForbiddenException):
        SegmentsApi(client).post_segment("default", "production", SegmentBody(name="N", key=key))


def test_post_segment__error_id__in_server_log(
    http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="segmentd"):
        response = http.post(PATH, json={"key": "k"})
    rid = response.json()["id"]
    assert response.headers["x-request-id"] == rid
    assert any(rid in record.getMessage() for record in caplog.records)


def test_post_segment__concurrent_same_key__one_201_rest_409(live: LiveServer, key: str) -> None:
    def create(_: int) -> int:
        return httpx.post(
            live.base_url + PATH,
            json={"name": "N", "key": key},
            headers={"Authorization": live.admin_token},
        ).status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(create, range(8)))
    assert statuses == [201] + [409] * 7


def test_method_override__post_as_delete__not_allowed_405(http: httpx.Client) -> None:
    response = http.post(PATH, headers={"X-HTTP-Method-Override": "PUT"})
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
