"""The read hot paths in process: CPU per request, latency over one task, garbage collections.

    PYTHONPATH=src .venv/bin/python bench/read_paths.py [--requests 2000]
        [--cases get,membership,list_query,list_tags,evaluate] [--profile get]
        [--database-url postgresql://postgres@127.0.0.1:5432/test_x]

Seeds a fresh database with ``bench/hot_paths.py``'s data (10,000 listed segments, a big
segment with 1,000 keys, 1,000 rule-based segments), builds the real ASGI app and sends each
case's request (the same as ``bench/hot_paths.py``) as raw ASGI calls, without sockets:

* from 8 concurrent tasks, dividing the process's CPU time by the requests (the figure that
  barely moves when other work shares the machine);
* then from one task, timing each request: p50/p90/p99, and how many garbage collections of
  each generation ran and how long the longest full (generation 2) one took.

``--profile NAME`` prints the cProfile of that case's concurrent run (internal time, top 40).
The server's own share (uvicorn, HTTP parsing) is left out: ``bench/hot_paths.py`` has it.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import json
import pstats
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.cpu_per_request import call as asgi_call
from bench.hot_paths import BASE, CONTEXT, seed
from segmentd.api.app import create_app
from segmentd.bootstrap import build_services, freeze_startup_heap
from segmentd.config import Settings

Request = tuple[str, str, bytes, list[tuple[bytes, bytes]], bytes]
EVALUATE = "/api/v2/projects/default/environments/test/segments/evaluate"


def cases(token: str) -> dict[str, Callable[[int], Request]]:
    auth = [(b"authorization", token.encode())]
    jsn = [*auth, (b"content-type", b"application/json")]
    context = json.dumps(CONTEXT).encode()
    return {
        "get": lambda _: ("GET", f"{BASE}/seg-00042", b"", auth, b""),
        "membership": lambda i: ("GET", f"{BASE}/big/contexts/ctx-{i % 2000}", b"", auth, b""),
        "list_query": lambda _: ("GET", BASE, b"filter=query%20equals%20%22europe%22", auth, b""),
        "list_tags": lambda _: ("GET", BASE, b"filter=tags%20anyOf%20%5B%22tag-3%22%5D", auth, b""),
        "evaluate": lambda _: ("POST", EVALUATE, b"", jsn, context),
    }


async def call(app: Any, request: Request) -> int:
    """One case's request through ``bench/cpu_per_request.py``'s raw ASGI call; 200 or raise."""
    method, path, query, headers, body = request
    status = await asgi_call(app, method, path, headers, body, query=query)
    if status != 200:
        raise RuntimeError(f"{method} {path} answered {status}")
    return status


async def concurrent_cpu(app: Any, make: Callable[[int], Request], n: int) -> float:
    """CPU µs per request over ``n`` requests from 8 tasks."""
    numbers = iter(range(n))

    async def worker() -> None:
        for i in numbers:
            await call(app, make(i))

    start = time.process_time()
    await asyncio.gather(*(worker() for _ in range(8)))
    return (time.process_time() - start) / n * 1e6


async def sequential(app: Any, make: Callable[[int], Request], n: int) -> str:
    """Latency percentiles over one task, and the collections that ran meanwhile."""
    collections: list[tuple[int, float]] = []
    started = [0.0]

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            collections.append((info["generation"], time.perf_counter() - started[0]))

    gc.callbacks.append(on_gc)
    times = []
    try:
        for i in range(n):
            begun = time.perf_counter()
            await call(app, make(i))
            times.append((time.perf_counter() - begun) * 1000)
    finally:
        gc.callbacks.remove(on_gc)
    q = statistics.quantiles(times, n=100)
    counts = Counter(g for g, _ in collections)
    full = max((d * 1000 for g, d in collections if g == 2), default=0.0)
    return (
        f"{q[49]:.2f} | {q[89]:.2f} | {q[98]:.2f} | "
        f"{counts[0]}/{counts[1]}/{counts[2]} | {full:.1f}"
    )


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp), database_url=args.database_url, rate_limit=0, log_level="WARNING"
        )
        token = seed(settings, 10_000, 1_000)
        services = build_services(settings)
        app = create_app(services, expiry_interval=None)
        freeze_startup_heap()  # as `segmentd serve` does
        table = cases(token)
        print(f"in process, {args.requests} requests per case; {time.strftime('%H:%M UTC')}")
        print(
            "| case | CPU µs/req (8 tasks) | p50 ms | p90 ms | p99 ms | gc 0/1/2 | max gen-2 ms |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name in args.cases.split(","):
            make = table[name]
            await concurrent_cpu(app, make, max(args.requests // 10, 20))  # warm-up
            profiler = cProfile.Profile() if args.profile == name else None
            if profiler is not None:
                profiler.enable()
            cpu = await concurrent_cpu(app, make, args.requests)
            if profiler is not None:
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(40)
                print(out.getvalue())
            latency = await sequential(app, make, max(args.requests // 4, 100))
            print(f"| {name} | {cpu:,.0f} | {latency} |", flush=True)
        services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--cases", default=",".join(cases("")))
    parser.add_argument("--profile", choices=tuple(cases("")))
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    uvloop.run(main_async(args))


if __name__ == "__main__":
    main()
