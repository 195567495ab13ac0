"""CPU time per request, in process, without sockets: a figure that resists a busy machine.

    PYTHONPATH=src .venv/bin/python bench/cpu_per_request.py [--requests 3000] [--profile create]
        [--postgres]

Drives the real ASGI app (``create_app`` over SQLite in a temporary directory) with raw ASGI
calls from 8 concurrent tasks, on uvloop as ``segmentd serve`` does, and divides the process's
CPU time (``time.process_time``, all threads: the threadpool counts) by the number of requests.
The floor is a one-route Starlette app answering ``{"status": "ok"}`` driven the same way.
Wall-clock time is not reported: other processes on the machine change it, CPU time barely.
``--profile NAME`` prints the cProfile of one case (top 40 functions by ``--sort``:
``cumulative``, the default, or ``tottime`` for time inside each function).
``patch`` is ``bench/hot_paths.py``'s semantic patch (100 new included keys per request, over
200 segments). ``--postgres`` runs the app on a fresh PostgreSQL database (the tests' local
server; dropped afterwards) instead of SQLite.

What this leaves out is the server (uvicorn's HTTP parsing and writing), which is the same for
segmentd and the floor; ``bench/hot_paths.py`` measures everything together over real sockets.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.floor import floor_app
from segmentd.api.app import create_app
from segmentd.bootstrap import build_services
from segmentd.config import Settings
from segmentd.domain.projects.model import Role
from segmentd.services.first_run import initialise_if_empty

App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]
Call = tuple[str, str, list[tuple[bytes, bytes]], bytes]


async def call(
    app: App,
    method: str,
    path: str,
    headers: list[tuple[bytes, bytes]],
    body: bytes,
    *,
    query: bytes = b"",
) -> int:
    """One request as a raw ASGI call, without sockets; its response status."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            *headers,
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8080),
        "state": {},
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def drive(app: App, make: Callable[[int], Call], n: int, concurrency: int = 8) -> float:
    """CPU seconds per request over ``n`` requests from ``concurrency`` tasks."""
    counter = iter(range(n))

    async def worker() -> None:
        for i in counter:
            method, path, headers, body = make(i)
            status = await call(app, method, path, headers, body)
            if status >= 400:
                raise RuntimeError(f"{method} {path} answered {status}")

    start = time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return (time.process_time() - start) / n


CASES = ("floor", "healthz", "create", "get", "patch")


def cases(token: str, run: str) -> dict[str, Callable[[int], Call]]:
    auth = [(b"authorization", token.encode())]
    jsn = [*auth, (b"content-type", b"application/json")]
    base = "/api/v2/segments/default/production"

    def create(i: int) -> Call:
        body = orjson.dumps({"key": f"{run}-{i}", "name": f"Segment {i}", "tags": ["bench"]})
        return ("POST", base, jsn, body)

    semantic = [
        *auth,
        (b"content-type", b"application/json; domain-model=launchdarkly.semanticpatch"),
    ]

    def patch(i: int) -> Call:
        values = [f"{run}-u{i}-{k}" for k in range(100)]
        instruction = {"kind": "addIncludedTargets", "contextKind": "user", "values": values}
        body = orjson.dumps({"instructions": [instruction]})
        return ("PATCH", f"{base}/warm-{i % 200}", semantic, body)

    return {
        "floor": lambda _: ("GET", "/healthz", [], b""),
        "healthz": lambda _: ("GET", "/healthz", [], b""),
        "create": create,
        "get": lambda i: ("GET", f"{base}/{run}-{i % 100}", auth, b""),
        "patch": patch,
    }


async def main_async(args: argparse.Namespace) -> None:
    if not args.postgres:
        await run(args, None)
        return
    from tests.realparts import postgres_database

    with postgres_database(f"segmentd_cpu_{uuid.uuid4().hex[:6]}") as url:
        await run(args, url)


async def run(args: argparse.Namespace, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            rate_limit=0,
            log_level="WARNING",
            database_url=database_url,
        )
        services = build_services(settings)
        initialise_if_empty(services.uow, services.projects, services.access)
        token = services.access.create(name="bench", role=Role.WRITER).secret
        app: App = create_app(services, expiry_interval=None)  # type: ignore[assignment]
        floor: App = floor_app()  # type: ignore[assignment]
        table = cases(token, "warm")
        await drive(app, table["create"], 200)  # warm-up; also the segments GET reads
        table = cases(token, "warm")
        results: dict[str, float] = {}
        for name in CASES:
            target = floor if name == "floor" else app
            make = table[name]
            if name in ("create", "patch"):
                make = cases(token, "timed")[name]
            if args.profile == name:
                profiler = cProfile.Profile()
                profiler.enable()
                results[name] = await drive(target, make, args.requests)
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(40)
                print(out.getvalue())
            else:
                results[name] = await drive(target, make, args.requests)
        services.close()
    print(f"CPU µs per request, in process, {args.requests} requests each, 8 concurrent tasks")
    print("| case | CPU µs/request | x floor |")
    print("|---|---:|---:|")
    for name, seconds in results.items():
        print(f"| {name} | {seconds * 1e6:.0f} | {seconds / results['floor']:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--profile", choices=CASES)
    parser.add_argument("--sort", choices=("cumulative", "tottime"), default="cumulative")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    args = parser.parse_args()
    uvloop.run(main_async(args))


if __name__ == "__main__":
    main()
