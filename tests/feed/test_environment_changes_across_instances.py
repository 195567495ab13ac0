"""An environment changed or deleted through one instance, seen by another over the same
database: two app instances (threads with their own services, caches and relays) over one
real PostgreSQL (LISTEN/NOTIFY) and over one SQLite file (``--workers`` relay).

What another instance must do: forget its cached copy (reads see the new settings or 404
within the relay's delay), refuse the deleted environment's SDK key at once (401; it is
looked up uncached), end its open SDK streams, and refuse writes into the deleted
environment with a 404, never a 500."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from segmentd.bootstrap import build_services
from segmentd.config import Settings
from segmentd.services.first_run import initialise_if_empty
from segmentd.store.notify import PostgresChangeListener
from tests.live import LiveServer, serve_in_thread
from tests.realparts import reset_postgres

#: Longest wait for another instance to hear of a change (relays take milliseconds; the
#: SQLite poller runs every 0.2 s).
RELAY_SECONDS = 3.0


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two_instances(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[LiveServer, LiveServer]]:
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        reset_postgres(url)
        settings = Settings(data_dir=tmp_path, database_url=url, stream_heartbeat_seconds=0.5)
    else:
        settings = Settings(data_dir=tmp_path, stream_heartbeat_seconds=0.5, workers=2)
    first, second = build_services(settings), build_services(settings, run_migrations=False)
    token = initialise_if_empty(first.uow, first.projects, first.access)
    assert token is not None
    for services in (first, second):
        if isinstance(services.listener, PostgresChangeListener):
            assert services.listener.connected.wait(5)
    try:
        with serve_in_thread(first, token.secret) as a, serve_in_thread(second, token.secret) as b:
            yield a, b
    finally:
        first.close()
        second.close()


def _client(server: LiveServer) -> httpx.Client:
    return httpx.Client(
        base_url=server.base_url, headers={"Authorization": server.admin_token}, timeout=10
    )


def _eventually(check: Callable[[], bool]) -> float:
    """Seconds until ``check()`` holds (fails after :data:`RELAY_SECONDS`)."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < RELAY_SECONDS, "the other instance never saw it"
        time.sleep(0.02)
    return time.monotonic() - started


def _stream_ends(url: str, headers: dict[str, str], opened: threading.Event) -> threading.Event:
    """Open an SSE stream in a thread; the returned event is set when the server ends it."""
    ended = threading.Event()

    def run() -> None:
        with httpx.Client(timeout=30) as client, client.stream("GET", url, headers=headers) as r:
            assert r.status_code == 200
            for line in r.iter_lines():
                if line.startswith(("event: put", "event: ping")):
                    opened.set()
        ended.set()

    threading.Thread(target=run, daemon=True).start()
    return ended


def test_delete_environment__other_instance__cache_keys_streams_writes(
    two_instances: tuple[LiveServer, LiveServer],
) -> None:
    a, b = two_instances
    with _client(a) as http_a, _client(b) as http_b:
        env_path = "/api/v2/projects/default/environments/test"
        test = http_b.get(env_path).json()  # instance B caches the environment
        assert (
            http_b.get("/sdk/latest-all", headers={"Authorization": test["apiKey"]}).status_code
            == 200
        )
        server_opened, client_opened = threading.Event(), threading.Event()
        server_ended = _stream_ends(
            f"{b.base_url}/all", {"Authorization": test["apiKey"]}, server_opened
        )
        context = base64.urlsafe_b64encode(orjson.dumps({"kind": "user", "key": "u"})).decode()
        client_ended = _stream_ends(f"{b.base_url}/eval/{test['_id']}/{context}", {}, client_opened)
        assert server_opened.wait(5)
        assert client_opened.wait(5)

        assert http_a.delete(env_path).status_code == 204

        # The SDK key is refused by B at once: credentials are never cached.
        sdk = http_b.get("/sdk/latest-all", headers={"Authorization": test["apiKey"]})
        assert sdk.status_code == 401
        # Writes into the deleted environment are a 404 at once on B (writers hold the row).
        created = http_b.post("/api/v2/segments/default/test", json={"key": "s", "name": "S"})
        assert created.status_code == 404, created.text
        assert set(created.json()) == {"code", "message", "id"}
        # B's cached copy is forgotten as soon as the relay delivers the notice.
        _eventually(lambda: http_b.get(env_path).status_code == 404)
        # B's open streams of the environment end (the SDKs reconnect and get 401).
        assert server_ended.wait(RELAY_SECONDS)
        assert client_ended.wait(RELAY_SECONDS)
        # The other environment is untouched on both instances.
        for http in (http_a, http_b):
            assert http.get("/api/v2/projects/default/environments/production").status_code == 200


def test_patch_environment__other_instance__sees_the_new_settings(
    two_instances: tuple[LiveServer, LiveServer],
) -> None:
    a, b = two_instances
    with _client(a) as http_a, _client(b) as http_b:
        env_path = "/api/v2/projects/default/environments/production"
        assert http_b.get(env_path).json()["secureMode"] is False  # cached on B
        ops = [{"op": "replace", "path": "/secureMode", "value": True}]
        assert http_a.patch(env_path, json=ops).status_code == 200
        _eventually(lambda: http_b.get(env_path).json()["secureMode"] is True)


def test_delete_project__other_instance__everything_gone(
    two_instances: tuple[LiveServer, LiveServer],
) -> None:
    a, b = two_instances
    with _client(a) as http_a, _client(b) as http_b:
        assert (
            http_a.post("/api/v2/projects", json={"key": "shop", "name": "Shop"}).status_code == 201
        )
        env_path = "/api/v2/projects/shop/environments/production"
        sdk_key = http_b.get(env_path).json()["apiKey"]  # cached on B
        assert http_a.delete("/api/v2/projects/shop").status_code == 204
        assert http_b.get("/sdk/latest-all", headers={"Authorization": sdk_key}).status_code == 401
        assert http_b.get("/api/v2/projects/shop").status_code == 404
        _eventually(lambda: http_b.get(env_path).status_code == 404)
