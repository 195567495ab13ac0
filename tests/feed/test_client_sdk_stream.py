"""Client-side and mobile streams at the HTTP level: ``put`` first, then ``patch`` and
``delete`` events in the shapes js-core's ``DataSourceEventHandler`` and the mobile SDKs'
flag stores apply, within a second of the change."""

from __future__ import annotations

import base64
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import orjson

from segmentd.domain.flags.model import ClientSideAvailability
from segmentd.domain.projects.model import Environment
from tests.feed.conftest import Feed
from tests.live import LiveServer

Event = tuple[str, Any]


def b64(context: object) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(context)).decode().rstrip("=")


@contextmanager
def sse(live: LiveServer, method: str, path: str, **kwargs: Any) -> Iterator[queue.Queue[Event]]:
    """Read a stream in a thread; events arrive on the queue as ``(name, data)``."""
    events: queue.Queue[Event] = queue.Queue()
    stop = threading.Event()
    opened = threading.Event()
    status: list[int] = []

    def read() -> None:
        with (
            httpx.Client(base_url=live.base_url, timeout=30) as client,
            client.stream(method, path, **kwargs) as answer,
        ):
            status.append(answer.status_code)
            opened.set()
            name, data = "", ""
            for line in answer.iter_lines():
                if stop.is_set():
                    return
                if line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:"):
                    data = line[5:].strip()
                elif line == "" and name:
                    events.put((name, orjson.loads(data) if data else None))
                    name, data = "", ""

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    assert opened.wait(10)
    assert status == [200]
    try:
        yield events
    finally:
        stop.set()


def next_event(events: queue.Queue[Event], timeout: float = 5) -> Event:
    return events.get(timeout=timeout)


def test_browser_stream__put_then_patch_within_a_second(
    live: LiveServer, env: Environment, feed: Feed
) -> None:
    feed.segment("beta")
    flag = f"stream-{uuid.uuid4().hex[:6]}"
    feed.segment_flag(flag, "beta", ClientSideAvailability(True, True))
    with sse(
        live,
        "GET",
        f"/eval/{env.id}/{b64({'kind': 'user', 'key': 'dave'})}",
        params={"withReasons": "true"},
    ) as events:
        name, put = next_event(events)
        assert name == "put"
        assert put[flag]["value"] is False
        assert put[flag]["reason"] == {"kind": "FALLTHROUGH"}
        version = put[flag]["version"]
        started = time.monotonic()
        feed.update_segment("beta", included=("dave",))
        name, patch = next_event(events)
        elapsed = time.monotonic() - started
        assert name == "patch"
        assert patch["key"] == flag
        assert patch["value"] is True
        assert patch["variation"] == 0
        assert patch["version"] > version
        assert patch["reason"]["kind"] == "RULE_MATCH"
        assert elapsed < 1.0, f"the change took {elapsed:.3f} s"
        live.services.flags.delete("default", flag)
        name, deleted = next_event(events)
        assert name == "delete"
        assert deleted == {"key": flag, "version": patch["version"] + 1}


def test_mobile_stream__report__put_and_flag_change(
    live: LiveServer, env: Environment, feed: Feed
) -> None:
    feed.segment("beta", included=("alice",))
    flag = f"mstream-{uuid.uuid4().hex[:6]}"
    feed.segment_flag(flag, "beta", ClientSideAvailability(False, True))
    headers = {"Authorization": env.mobile_key, "Content-Type": "application/json"}
    body = orjson.dumps({"kind": "user", "key": "alice"})
    with sse(live, "REPORT", "/meval", content=body, headers=headers) as events:
        name, put = next_event(events)
        assert name == "put"
        assert put[flag]["value"] is True
        feed.instruct(flag, [{"kind": "turnFlagOff"}])
        name, patch = next_event(events)
        assert name == "patch"
        assert (patch["key"], patch["value"], patch["variation"]) == (flag, False, 1)
        assert patch["flagVersion"] == put[flag]["flagVersion"] + 1
    with sse(live, "GET", f"/meval/{b64({'key': 'alice'})}", headers=headers) as events:
        assert next_event(events)[0] == "put"


def test_ping_streams__ping_on_change(live: LiveServer, env: Environment, feed: Feed) -> None:
    with (
        sse(live, "GET", f"/ping/{env.id}") as browser,
        sse(live, "GET", "/mping", headers={"Authorization": env.mobile_key}) as mobile,
    ):
        assert next_event(browser)[0] == "ping"
        assert next_event(mobile)[0] == "ping"
        feed.segment("pinged")
        assert next_event(browser)[0] == "ping"
        assert next_event(mobile)[0] == "ping"


def test_streams__bad_credentials__error_body(live: LiveServer, env: Environment) -> None:
    with httpx.Client(base_url=live.base_url) as client:
        for method, path, headers, status in [
            ("GET", f"/eval/nope/{b64({'key': 'x'})}", {}, 404),
            ("GET", f"/eval/{env.id}/%21%21", {}, 400),
            ("REPORT", "/meval", {"Authorization": env.sdk_key}, 401),
            ("GET", "/mping", {}, 401),
        ]:
            answer = client.request(method, path, headers=headers, content=b"{}")
            assert answer.status_code == status, (path, answer.text)
            assert set(answer.json()) == {"code", "message", "id"}
