"""A real segmentd HTTP server in a background thread, for tests that use real clients
(the official ``launchdarkly-api`` client, httpx, and later LaunchDarkly's SDK)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from segmentd.api.app import create_app
from segmentd.bootstrap import Services, build_services
from segmentd.config import Settings
from segmentd.services.first_run import initialise_if_empty


@dataclass
class LiveServer:
    base_url: str
    services: Services
    admin_token: str
    app: FastAPI | None = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_in_thread(services: Services, admin_token: str) -> Iterator[LiveServer]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(services)
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("segmentd test server did not start")
        time.sleep(0.01)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", services, admin_token, app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def serve_with_workers(settings: Settings) -> Iterator[LiveServer]:
    """A first-run server on ``settings`` with its background workers (imports) running."""
    services = build_services(settings)
    first = initialise_if_empty(services.uow, services.projects, services.access)
    assert first is not None
    services.start_background()
    try:
        with serve_in_thread(services, first.secret) as server:
            yield server
    finally:
        services.close()
