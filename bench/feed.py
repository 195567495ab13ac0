"""SDK feed benchmark (issue 6): ``PYTHONPATH=src python bench/feed.py [--database-url URL]``.

1. Seeds one environment with 10,000 segments and 1,000 flags (each flag tests segments
   with ``segmentMatch``) directly through the repositories.
2. ``put`` payload: build time (uncached, median of 5) and size.
3. Starts ``segmentd`` (uvicorn, one worker) as a separate process and measures the latency
   from a REST write (``POST`` of a segment) to the ``patch`` event arriving at a connected
   SSE client: p50/p99 over the writes, first with one stream, then while 1,000 more streams
   of the same environment are held open (so each change is fanned out to 1,001 streams).
4. Memory per idle stream: server RSS after opening 1,000 streams minus RSS before, / 1,000.
   Those streams use a second, small environment so that each stream's ``put`` is small.

Targets: payload <= 300 ms, propagation p99 <= 200 ms, <= 50 KB per idle stream.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from segmentd.bootstrap import Services, build_services
from segmentd.config import Settings
from segmentd.domain.flags.model import Flag, FlagConfig, FlagRule, Variation, VariationOrRollout
from segmentd.domain.projects.model import Role
from segmentd.domain.segments.model import Segment, SegmentRule
from segmentd.domain.shared.clauses import Clause
from segmentd.services.ports import ItemChange
from segmentd.services.projects.service import EnvironmentDraft, ProjectDraft

SEGMENTS, FLAGS, STREAMS, WRITES = 10_000, 1_000, 1_000, 200


def seed(services: Services) -> tuple[str, str]:
    """Project ``bench`` with environment ``big`` (the data set) and ``small``; SDK keys."""
    project = services.projects.create_project(
        ProjectDraft(
            key="bench",
            name="Bench",
            environments=(
                EnvironmentDraft("big", "Big", "000000"),
                EnvironmentDraft("small", "Small", "FFFFFF"),
            ),
        )
    )
    big, small = project.environments
    with services.uow(write=True) as uow:
        for i in range(SEGMENTS):
            uow.segments.add(
                environment_id=big.id,
                segment=Segment(
                    key=f"seg-{i}",
                    name=f"Segment {i}",
                    creation_date=1,
                    last_modified_date=1,
                    salt=uuid.uuid4().hex,
                    included=tuple(f"user-{i}-{j}" for j in range(5)),
                    rules=(
                        SegmentRule(
                            id=f"r{i}",
                            clauses=(Clause("email", "endsWith", (f"@c{i}.example",), id=f"c{i}"),),
                        ),
                    ),
                ),
            )
        for i in range(10):
            uow.segments.add(
                environment_id=small.id,
                segment=Segment(key=f"s{i}", name="S", creation_date=1, last_modified_date=1),
            )
        for i in range(FLAGS):
            rule = FlagRule(
                id=f"fr{i}",
                clauses=(
                    Clause(
                        "",
                        "segmentMatch",
                        tuple(f"seg-{(i * 10 + k) % SEGMENTS}" for k in range(3)),
                        id=f"fc{i}",
                    ),
                ),
                serve=VariationOrRollout(variation=0),
            )
            config = FlagConfig(on=True, salt=uuid.uuid4().hex, rules=(rule,), off_variation=1)
            flag = Flag(
                key=f"flag-{i}",
                name=f"Flag {i}",
                variations=(Variation(True, "t"), Variation(False, "f")),
                creation_date=1,
                environments={"big": config, "small": config},
            )
            uow.flags.add(project=project, flag=flag)
        uow.commit()
    return big.sdk_key, small.sdk_key


def measure_payload(services: Services, environment_id: str) -> tuple[float, float, int]:
    """Median ms of a cold build (everything read) and of a rebuild after one change."""
    cold, warm, size = [], [], 0
    for _ in range(5):
        started = time.perf_counter()
        payload = services.feed.build_payload(environment_id)
        cold.append(time.perf_counter() - started)
        size = len(payload.body)
    services.feed.payload(environment_id)
    for i in range(5):
        services.changes.publish(ItemChange(environment_id, "segments", f"seg-{i}", 1))
        started = time.perf_counter()
        services.feed.payload(environment_id)
        warm.append(time.perf_counter() - started)
    return statistics.median(cold) * 1000, statistics.median(warm) * 1000, size


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def open_stream(port: int, sdk_key: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A raw HTTP/1.1 SSE connection, read up to the end of the ``put`` event."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=64 * 1024 * 1024)
    writer.write(
        f"GET /all HTTP/1.1\r\nHost: x\r\nAuthorization: {sdk_key}\r\n"
        "Accept: text/event-stream\r\n\r\n".encode()
    )
    await writer.drain()
    await reader.readuntil(b"event: put")
    await reader.readuntil(b"\n\n")
    return reader, writer


async def wait_patch(reader: asyncio.StreamReader, key: str) -> None:
    needle = f'"path":"/segments/{key}"'.encode()
    while True:
        chunk = await reader.readuntil(b"\n\n")
        if b"event: patch" in chunk and needle in chunk:
            return


async def propagation(port: int, token: str, env: str, reader: asyncio.StreamReader) -> list[float]:
    latencies = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(WRITES):
            key = f"w-{uuid.uuid4().hex[:10]}"
            started = time.perf_counter()
            waiter = asyncio.create_task(wait_patch(reader, key))
            response = await client.post(
                f"/api/v2/segments/bench/{env}",
                json={"key": key, "name": key},
                headers={"Authorization": token},
            )
            assert response.status_code == 201, response.text
            await asyncio.wait_for(waiter, 10)
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def run_server_phase(port: int, pid: int, token: str, big_key: str, small_key: str) -> None:
    reader, writer = await open_stream(port, big_key)
    alone = await propagation(port, token, "big", reader)
    writer.close()
    print(
        f"propagation REST write -> patch at 1 stream (big env, {WRITES} writes): "
        f"p50 {percentile(alone, 50):.1f} ms, p99 {percentile(alone, 99):.1f} ms"
    )
    await asyncio.sleep(1)
    before = rss_kb(pid)
    streams = []
    for _ in range(0, STREAMS, 100):
        streams += await asyncio.gather(*(open_stream(port, small_key) for _ in range(100)))
    for _, w in streams:
        # Idle SDKs live in other processes: stop this process from reading their events,
        # so that the figures below measure the server (the kernel buffers the bytes).
        w.transport.pause_reading()  # type: ignore[attr-defined]
    await asyncio.sleep(2)
    after = rss_kb(pid)
    print(
        f"{STREAMS} idle streams held (small env): server RSS {before / 1024:.1f} MB -> "
        f"{after / 1024:.1f} MB = {(after - before) / STREAMS:.1f} KB per stream"
    )
    observer, observer_writer = await open_stream(port, small_key)
    fanned = await propagation(port, token, "small", observer)
    print(
        f"propagation with {STREAMS + 1} streams of the environment ({WRITES} writes): "
        f"p50 {percentile(fanned, 50):.1f} ms, p99 {percentile(fanned, 99):.1f} ms"
    )
    observer_writer.close()
    for _, w in streams:
        w.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--segments", type=int, default=SEGMENTS)
    parser.add_argument("--flags", type=int, default=FLAGS)
    args = parser.parse_args()
    globals().update(SEGMENTS=args.segments, FLAGS=args.flags)
    data_dir = Path(tempfile.mkdtemp(prefix="segmentd-feed-bench-"))
    settings = Settings(data_dir=data_dir, database_url=args.database_url, rate_limit=0)
    services = build_services(settings)
    started = time.perf_counter()
    big_key, small_key = seed(services)
    print(
        f"seeded {SEGMENTS} segments + {FLAGS} flags in "
        f"{time.perf_counter() - started:.1f} s ({settings.resolved_database_url.split(':')[0]})"
    )
    big = services.projects.get_environment("bench", "big")
    cold, warm, size = measure_payload(services, big.id)
    print(
        f"put payload: {size / 1e6:.2f} MB; build from the database (cold, median of 5) "
        f"{cold:.0f} ms; rebuild after one change (median of 5) {warm:.0f} ms"
    )
    token = services.access.create(name="bench", role=Role.ADMIN).secret
    services.close()

    port = free_port()
    env = dict(os.environ)
    env.update(
        SEGMENTD_DATA_DIR=str(data_dir),
        SEGMENTD_RATE_LIMIT="0",
        SEGMENTD_LOG_LEVEL="WARNING",
    )
    if args.database_url:
        env["SEGMENTD_DATABASE_URL"] = args.database_url
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "segmentd.asgi:app_from_env",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        asyncio.run(run_server_phase(port, server.pid, token, big_key, small_key))
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
