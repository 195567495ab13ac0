"""Big-segment endpoints through the official ``launchdarkly-api`` client and raw HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import launchdarkly_api
import pytest
from launchdarkly_api.api.segments_api import SegmentsApi
from launchdarkly_api.exceptions import BadRequestException, ConflictException
from launchdarkly_api.models.segment_body import SegmentBody
from launchdarkly_api.models.segment_user_list import SegmentUserList
from launchdarkly_api.models.segment_user_state import SegmentUserState

from segmentd.config import Settings
from tests.live import LiveServer, serve_with_workers

P, E = "default", "production"
BASE = f"/api/v2/segments/{P}/{E}"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server with small import limits and its background workers running."""
    data_dir: Path = tmp_path_factory.mktemp("big")
    settings = Settings(data_dir=data_dir, import_max_rows=1000, import_max_bytes=20_000)
    with serve_with_workers(settings) as server:
        yield server


def _create(api: SegmentsApi, key: str, *, unbounded: bool = True) -> None:
    api.post_segment(P, E, SegmentBody(name=key, key=key, unbounded=unbounded))


def _wait(read: object, *, done: tuple[str, ...]) -> object:
    deadline = time.monotonic() + 20
    while True:
        result = read()  # type: ignore[operator]
        if result.status in done or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


def _header(headers: object, name: str) -> str:
    assert headers is not None
    found = {k.lower(): v for k, v in dict(headers).items()}  # type: ignore[call-overload]
    return str(found[name])


def _import(api: SegmentsApi, key: str, content: bytes, mode: str = "merge") -> str:
    response = api.create_big_segment_import_with_http_info(
        P, E, key, file=content, mode=mode, wait_on_approvals=False
    )
    assert response.status_code == 204
    location = _header(response.headers, "location")
    assert location.startswith(f"{BASE}/{key}/imports/")
    return location.rsplit("/", 1)[1]


def _finished_import(api: SegmentsApi, key: str, import_id: str) -> object:
    return _wait(
        lambda: api.get_big_segment_import(P, E, key, import_id), done=("complete", "stopped")
    )


def test_update_targets__official_client__membership_and_metadata(
    ld_client: launchdarkly_api.ApiClient, key: str
) -> None:
    api = SegmentsApi(ld_client)
    _create(api, key)
    api.update_big_segment_context_targets(
        P,
        E,
        key,
        SegmentUserState(
            included=SegmentUserList(add=["u1", "u2"]), excluded=SegmentUserList(add=["x"])
        ),
    )
    inside = api.get_segment_membership_for_context(P, E, key, "u1")
    assert (inside.user_key, inside.included, inside.excluded) == ("u1", True, False)
    outside = api.get_segment_membership_for_context(P, E, key, "nobody")
    assert (outside.included, outside.excluded) == (False, False)
    assert api.get_segment_membership_for_context(P, E, key, "x").excluded is True
    segment = api.get_segment(P, E, key)
    assert segment.version == 2
    assert segment.unbounded_metadata is not None
    assert segment.unbounded_metadata.included_count == 2
    assert segment.unbounded_metadata.excluded_count == 1
    assert segment.import_in_progress is False


def test_legacy_user_endpoints__raw_http__same_behaviour(http: httpx.Client, key: str) -> None:
    http.post(BASE, json={"key": key, "name": key, "unbounded": True}).raise_for_status()
    answer = http.post(f"{BASE}/{key}/users", json={"included": {"add": ["a/b"]}})
    assert answer.status_code == 204
    assert answer.content == b""
    body = http.get(f"{BASE}/{key}/users/a%2Fb").json()
    assert body == {"userKey": "a/b", "included": True, "excluded": False}


@pytest.mark.parametrize(
    ("method", "suffix", "kwargs"),
    [
        pytest.param("post", "contexts", {"json": {"included": {"add": ["a"]}}}, id="targets"),
        pytest.param("get", "contexts/a", {}, id="membership"),
        pytest.param("post", "exports", {}, id="export"),
        pytest.param(
            "post",
            "imports",
            {"files": {"file": ("f.csv", b"a\n")}, "data": {"mode": "merge"}},
            id="import",
        ),
    ],
)
def test_big_segment_endpoint__standard_segment__400(
    http: httpx.Client, key: str, method: str, suffix: str, kwargs: dict[str, object]
) -> None:
    http.post(BASE, json={"key": key, "name": key}).raise_for_status()
    answer = getattr(http, method)(f"{BASE}/{key}/{suffix}", **kwargs)
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_request"


def test_update_targets__key_in_both_lists__400(
    ld_client: launchdarkly_api.ApiClient, key: str
) -> None:
    api = SegmentsApi(ld_client)
    _create(api, key)
    body = SegmentUserState(
        included=SegmentUserList(add=["k"]), excluded=SegmentUserList(add=["k"])
    )
    with pytest.raises(BadRequestException):
        api.update_big_segment_context_targets(P, E, key, body)


def test_import_merge__official_client__complete_with_counts(
    ld_client: launchdarkly_api.ApiClient, key: str
) -> None:
    api = SegmentsApi(ld_client)
    _create(api, key)
    import_id = _import(api, key, b'\xef\xbb\xbfkey,extra\n"u,1",x\nu2\nu2\n\n')
    done = _finished_import(api, key, import_id)
    assert done.status == "complete"  # type: ignore[attr-defined]
    assert done.mode == "merge"  # type: ignore[attr-defined]
    assert done.segment_key == key  # type: ignore[attr-defined]
    assert done.links["self"].href == f"{BASE}/{key}/imports/{import_id}"  # type: ignore[attr-defined]
    assert api.get_segment_membership_for_context(P, E, key, "key").included
    assert api.get_segment_membership_for_context(P, E, key, "u,1").included
    segment = api.get_segment(P, E, key)
    assert segment.unbounded_metadata is not None
    assert segment.unbounded_metadata.included_count == 3
    assert segment.version == 2


def test_import_replace__official_client__old_keys_gone_generation_up(
    ld_client: launchdarkly_api.ApiClient, key: str
) -> None:
    api = SegmentsApi(ld_client)
    _create(api, key)
    api.update_big_segment_context_targets(
        P, E, key, SegmentUserState(included=SegmentUserList(add=["old"]))
    )
    done = _finished_import(api, key, _import(api, key, b"new\n", mode="replace"))
    assert done.status == "complete"  # type: ignore[attr-defined]
    assert not api.get_segment_membership_for_context(P, E, key, "old").included
    assert api.get_segment_membership_for_context(P, E, key, "new").included
    segment = api.get_segment(P, E, key)
    assert segment.generation == 2
    assert segment.version == 3


def test_import__too_many_rows__stopped_with_error_nothing_changed(
    ld_client: launchdarkly_api.ApiClient, http: httpx.Client, key: str
) -> None:
    api = SegmentsApi(ld_client)
    _create(api, key)
    import_id = _import(api, key, b"".join(b"k%d\n" % i for i in range(1001)))
    assert _finished_import(api, key, import_id).status == "stopped"  # type: ignore[attr-defined]
    body = http.get(f"{BASE}/{key}/imports/{import_id}").json()
    assert "more than 1000 rows" in body["error"]
    assert not api.get_segment_membership_for_context(P, E, key, "k1").included
    assert api.get_segment(P, E, key).version == 1


def test_import__file_over_byte_limit__413_and_no_file_left(
    live: LiveServer, http: httpx.Client, key: str
) -> None:
    http.post(BASE, json={"key": key, "name": key, "unbounded": True}).raise_for_status()
    answer = http.post(
        f"{BASE}/{key}/imports",
        files={"file": ("big.csv", b"k\n" * 10_001)},
        data={"mode": "merge"},
    )
    assert answer.status_code == 413
    assert answer.json()["code"] == "payload_too_large"
    assert list((live.services.settings.data_path / "imports").glob("*.part")) == []


def test_import__waiting_for_approval__holds_environment_second_import_conflicts(
    ld_client: launchdarkly_api.ApiClient, http: httpx.Client, key: str
) -> None:
    # The "test" environment: the waiting import keeps it busy for the rest of the module.
    api, env, base = SegmentsApi(ld_client), "test", f"/api/v2/segments/{P}/test"
    api.post_segment(P, env, SegmentBody(name=key, key=key, unbounded=True))
    answer = http.post(
        f"{base}/{key}/imports",
        files={"file": ("a.csv", b"a\n")},
        data={"mode": "merge", "waitOnApprovals": "True"},
    )
    assert answer.status_code == 204
    import_id = answer.headers["Location"].rsplit("/", 1)[1]
    assert api.get_big_segment_import(P, env, key, import_id).status == "ready"
    assert api.get_segment(P, env, key).import_in_progress is True
    with pytest.raises(ConflictException):
        api.create_big_segment_import(P, env, key, file=b"b\n", mode="merge")
    answer = http.post(f"{base}/{key}/contexts", json={"included": {"add": ["c"]}})
    assert answer.status_code == 409
    assert answer.json()["code"] == "import_in_progress"


def test_export__official_client__complete_and_downloadable(
    ld_client: launchdarkly_api.ApiClient, http: httpx.Client, key: str
) -> None:
    api = SegmentsApi(ld_client)
    _create(api, key)
    api.update_big_segment_context_targets(
        P, E, key, SegmentUserState(included=SegmentUserList(add=["b", "a"]))
    )
    response = api.create_big_segment_export_with_http_info(P, E, key)
    assert response.status_code == 200
    export_id = _header(response.headers, "location").rsplit("/", 1)[1]
    export = _wait(lambda: api.get_big_segment_export(P, E, key, export_id), done=("complete",))
    assert export.status == "complete"  # type: ignore[attr-defined]
    assert export.size_bytes == 4  # type: ignore[attr-defined]
    assert export.size == "4 B"  # type: ignore[attr-defined]
    assert export.initiator.name == "test admin"  # type: ignore[attr-defined]
    download = export.links["download"].href  # type: ignore[attr-defined]
    csv = http.get(download)
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.content == b"a\nb\n"
    assert httpx.get(str(http.base_url.join(download))).status_code == 401
