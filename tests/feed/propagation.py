"""The cross-instance check shared by the PostgreSQL and SQLite relay tests."""

from __future__ import annotations

import threading
import time

import httpx
import orjson

from tests.feed.test_feed_http import _events
from tests.live import LiveServer


def seconds_until_other_stream_sees_change(a: LiveServer, b: LiveServer) -> float:
    """Create a segment through instance ``a`` and return how long, from the request, until
    an SDK stream held open on instance ``b`` receives its ``patch``.

    A first write warms ``a``'s request path, so the figure is propagation, not warm-up.
    """
    environment = b.services.projects.get_environment("default", "production")
    arrivals: list[float] = []
    ready = threading.Event()

    def listen() -> None:
        with (
            httpx.Client(timeout=10) as client,
            client.stream(
                "GET", f"{b.base_url}/all", headers={"Authorization": environment.sdk_key}
            ) as response,
        ):
            for name, data in _events(response.iter_lines()):
                if name == "put":
                    ready.set()
                elif name == "patch" and orjson.loads(data)["path"] == "/segments/from-a":
                    arrivals.append(time.monotonic())
                    return

    def create(key: str) -> None:
        response = httpx.post(
            f"{a.base_url}/api/v2/segments/default/production",
            json={"key": key, "name": key},
            headers={"Authorization": a.admin_token},
        )
        assert response.status_code == 201, response.text

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    assert ready.wait(5), "instance B's stream sent no put"
    create("warm-up")
    started = time.monotonic()
    create("from-a")
    thread.join(timeout=2)
    assert arrivals, "instance B's stream got no patch for the change"
    return arrivals[0] - started
