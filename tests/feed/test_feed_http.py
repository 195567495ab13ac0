"""The SDK endpoints over raw HTTP: authentication, ETag, SSE framing, heartbeats, events."""

from __future__ import annotations

import gzip
import threading
import time
import uuid
from collections.abc import Iterator

import httpx
import orjson
import pytest

from segmentd.domain.projects.model import Environment
from tests.feed.conftest import HEARTBEAT_SECONDS, Feed
from tests.live import LiveServer


def _events(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """(event name, data) per SSE event, and ("comment", text) per comment line."""
    name, data = "", []
    for line in lines:
        if line.startswith(":"):
            yield "comment", line[1:]
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif line == "" and name:
            yield name, "\n".join(data)
            name, data = "", []


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        pytest.param(None, 401, id="no header"),
        pytest.param("sdk-00000000-0000-0000-0000-000000000000", 401, id="unknown key"),
        pytest.param("", 401, id="empty"),
        pytest.param("{sdk} extra", 401, id="key with a space"),
        pytest.param("{sdk}", 200, id="raw sdk key"),
        pytest.param("api_key {sdk}", 200, id="api_key prefix"),
        pytest.param("{token}", 401, id="admin access token refused"),
    ],
)
def test_latest_all__authorization__status(
    live: LiveServer, env: Environment, authorization: str | None, status: int
) -> None:
    headers = {}
    if authorization is not None:
        headers["Authorization"] = authorization.format(sdk=env.sdk_key, token=live.admin_token)
    response = httpx.get(f"{live.base_url}/sdk/latest-all", headers=headers)
    assert response.status_code == status
    if status == 401:
        assert response.json()["code"] == "unauthorized"


def test_latest_all__empty_environment__has_both_maps(live: LiveServer, env: Environment) -> None:
    response = httpx.get(f"{live.base_url}/sdk/latest-all", headers={"Authorization": env.sdk_key})
    assert response.json() == {"flags": {}, "segments": {}}
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-ld-envid"] == env.id


def test_latest_all__if_none_match__304_until_a_change(live: LiveServer, feed: Feed) -> None:
    url, auth = f"{live.base_url}/sdk/latest-all", {"Authorization": feed.env.sdk_key}
    feed.segment("s1")
    etag = httpx.get(url, headers=auth).headers["etag"]
    again = httpx.get(url, headers={**auth, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    feed.update_segment("s1", included=("x",))
    changed = httpx.get(url, headers={**auth, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json()["segments"]["s1"]["included"] == ["x"]
    assert changed.headers["etag"] != etag


def test_latest_all__deleted_items__left_out(live: LiveServer, feed: Feed) -> None:
    feed.segment("gone")
    feed.segment("kept")
    feed.delete_segment("gone")
    response = httpx.get(
        f"{live.base_url}/sdk/latest-all", headers={"Authorization": feed.env.sdk_key}
    )
    assert set(response.json()["segments"]) == {"kept"}


def test_stream__connect__chunked_event_stream_put_first_then_heartbeats(
    live: LiveServer, feed: Feed
) -> None:
    feed.segment("s")
    with (
        httpx.Client(timeout=5) as client,
        client.stream(
            "GET", f"{live.base_url}/all", headers={"Authorization": feed.env.sdk_key}
        ) as response,
    ):
        assert response.status_code == 200
        assert response.headers["transfer-encoding"] == "chunked"
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        events = _events(response.iter_lines())
        name, data = next(events)
        assert name == "put"
        put = orjson.loads(data)
        assert put["path"] == "/"
        assert set(put["data"]["segments"]) == {"s"}
        assert put["data"]["flags"] == {}
        started = time.monotonic()
        assert next(events)[0] == "comment"
        assert time.monotonic() - started < HEARTBEAT_SECONDS * 3


def test_stream__changes__patch_then_delete_with_tombstone_version(
    live: LiveServer, feed: Feed
) -> None:
    feed.segment("s")
    received: list[tuple[str, dict[str, object]]] = []
    done = threading.Event()

    def listen() -> None:
        with (
            httpx.Client(timeout=5) as client,
            client.stream(
                "GET", f"{live.base_url}/all", headers={"Authorization": feed.env.sdk_key}
            ) as response,
        ):
            for name, data in _events(response.iter_lines()):
                if name != "comment":
                    received.append((name, orjson.loads(data)))
                if len(received) == 3:
                    done.set()
                    return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not received and time.monotonic() < deadline:
        time.sleep(0.01)
    updated = feed.update_segment("s", included=("k",))
    while len(received) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    tombstone = feed.delete_segment("s")
    assert done.wait(5)
    (put, _), (patch, patched), (delete, deleted) = received
    assert (put, patch, delete) == ("put", "patch", "delete")
    assert patched["path"] == "/segments/s"
    assert patched["data"]["version"] == updated.version  # type: ignore[index]
    assert patched["data"]["included"] == ["k"]  # type: ignore[index]
    assert deleted == {"path": "/segments/s", "version": tombstone}
    assert tombstone > updated.version


def test_stream__other_environment_change__not_sent(live: LiveServer, feed: Feed) -> None:
    from segmentd.services.projects.service import EnvironmentDraft
    from segmentd.services.segments.service import SegmentDraft

    other = live.services.projects.create_environment(
        "default", EnvironmentDraft(key=f"o{uuid.uuid4().hex[:8]}", name="o", color="000000")
    )
    with (
        httpx.Client(timeout=5) as client,
        client.stream(
            "GET", f"{live.base_url}/all", headers={"Authorization": feed.env.sdk_key}
        ) as response,
    ):
        events = _events(response.iter_lines())
        assert next(events)[0] == "put"
        live.services.segments.create("default", other.key, SegmentDraft(key="x", name="x"))
        assert next(events)[0] == "comment"  # a heartbeat, no patch for the other environment


@pytest.mark.parametrize("path", ["/bulk", "/diagnostic"])
@pytest.mark.parametrize("gzipped", [False, True], ids=["plain", "gzip"])
def test_events__posted__202_and_counted(
    live: LiveServer, env: Environment, path: str, gzipped: bool
) -> None:
    body = orjson.dumps([{"kind": "identify"}, {"kind": "summary"}])
    headers = {"Authorization": env.sdk_key, "Content-Type": "application/json"}
    if gzipped:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    app = live.app
    assert app is not None
    before = getattr(app.state, "events_received", 0)
    response = httpx.post(f"{live.base_url}{path}", content=body, headers=headers)
    assert response.status_code == 202
    assert app.state.events_received - before == 2


def test_events__without_sdk_key__401(live: LiveServer) -> None:
    response = httpx.post(f"{live.base_url}/bulk", content=b"[]")
    assert response.status_code == 401


def test_stream__feed_reset__stream_ends_so_the_sdk_reconnects(
    live: LiveServer, feed: Feed
) -> None:
    with (
        httpx.Client(timeout=5) as client,
        client.stream(
            "GET", f"{live.base_url}/all", headers={"Authorization": feed.env.sdk_key}
        ) as response,
    ):
        events = _events(response.iter_lines())
        assert next(events)[0] == "put"
        live.services.feed.reset()
        started = time.monotonic()
        remaining = list(events)  # ends when the server closes the stream
    assert time.monotonic() - started < 3
    assert all(name == "comment" for name, _ in remaining)


def test_stream__client_disconnects__stream_unsubscribed(live: LiveServer, feed: Feed) -> None:
    from segmentd.api.feed.streaming import StreamBroadcaster

    with (
        httpx.Client(timeout=5) as client,
        client.stream(
            "GET", f"{live.base_url}/all", headers={"Authorization": feed.env.sdk_key}
        ) as response,
    ):
        events = _events(response.iter_lines())  # kept: dropping it would close the response
        assert next(events)[0] == "put"
        assert live.app is not None
        broadcaster: StreamBroadcaster = live.app.state.broadcaster
        assert broadcaster.streams_of(feed.env.id) == 1
    deadline = time.monotonic() + 3
    while broadcaster.streams_of(feed.env.id) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert broadcaster.streams_of(feed.env.id) == 0


def test_latest_all__accept_gzip__compressed_body_same_data(live: LiveServer, feed: Feed) -> None:
    feed.segment("zipped")
    url, auth = f"{live.base_url}/sdk/latest-all", {"Authorization": feed.env.sdk_key}
    raw = httpx.get(url, headers={**auth, "Accept-Encoding": "identity"})
    zipped = httpx.get(url, headers={**auth, "Accept-Encoding": "gzip"})
    assert "content-encoding" not in raw.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.json() == raw.json()
    assert zipped.headers["etag"] == raw.headers["etag"]
