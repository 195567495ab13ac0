"""Segment lifecycle benchmark (issue 3), one command:

    PYTHONPATH=src /work/main/.venv/bin/python -m bench.lifecycle [--segments 10000] [--no-unleash]

1. starts ``segmentd serve`` (SQLite in a temporary data directory) as a subprocess;
2. creates ``--segments`` segments in ``default/production`` over HTTP (tags from a pool of 20,
   names and descriptions with words to search for);
3. measures list pages over HTTP, one request at a time (latency, not throughput): a ``query``
   filter, a ``tags`` filter, a sort, and all three together; p50/p99 (target p50 <= 10 ms);
4. measures semantic-patch throughput: ``addIncludedTargets`` of 100 new keys per request, each
   request on another segment, 8 keep-alive connections for ``--seconds``;
5. the same number of values written to Unleash 8.2.0 (``PUT /api/admin/segments/{id}`` with
   one ``IN`` constraint of 100 values, on 200 segments in turn), same load generator
   (``bench/load.py``) and connections; Unleash runs on the local PostgreSQL
   (``bench/peers/unleash.py``). Target: segmentd >= 2x Unleash.

Everything runs on this machine, so the load generator shares the CPU with the server.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import httpx

from bench.load import LoadResult, json_body, run_load_sync

SEMANTIC = "application/json; domain-model=launchdarkly.semanticpatch"
TAGS = [f"tag-{n}" for n in range(20)]
WORDS = ["alpha", "beta", "mobile", "desktop", "europe", "asia", "premium", "trial", "staff"]
PATH = "/api/v2/segments/default/production"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_segmentd(data_dir: Path, port: int, workers: int = 1) -> Iterator[tuple[str, str]]:
    """``segmentd serve`` on ``port``; yields (base URL, admin token)."""
    env = {**os.environ, "SEGMENTD_RATE_LIMIT": "0", "SEGMENTD_LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "segmentd", "--data-dir", str(data_dir)]
    token = subprocess.run(
        [*command, "tokens", "create", "--name", "bench", "--role", "admin"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    log = (data_dir / "serve.log").open("w")
    process = subprocess.Popen(
        [*command, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"segmentd did not start; see {data_dir / 'serve.log'}")
            time.sleep(0.2)
        yield base, token
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
        log.close()


def seed(data_dir: Path, count: int, database_url: str | None = None) -> float:
    """Insert ``count`` segments into ``default/production`` in one transaction, through the
    store's own row mapping (creating them over HTTP would take minutes on a small machine
    and is not what is measured here)."""
    import sqlalchemy as sa

    from segmentd.bootstrap import build_services
    from segmentd.config import Settings
    from segmentd.domain.segments.model import Segment
    from segmentd.store import schema
    from segmentd.store.segments.repository import segment_values

    started = time.perf_counter()
    services = build_services(Settings(data_dir=data_dir, database_url=database_url))
    try:
        environment = services.projects.get_environment("default", "production")
        rows = []
        for i in range(count):
            segment = Segment(
                key=f"seg-{i:05d}",
                name=f"{WORDS[i % len(WORDS)].title()} segment {i}",
                description=f"users of {WORDS[(i * 7) % len(WORDS)]} plan {i % 13}",
                tags=(TAGS[i % 20], TAGS[(i * 3 + 1) % 20]),
                creation_date=1_767_225_600_000 + i,
                last_modified_date=1_767_225_600_000 + (i * 7919) % count,
                salt=f"{i:032x}",
                generation=None,
            )
            rows.append({"environment_id": environment.id, **segment_values(segment)})
        with services.engine.begin() as connection:
            connection.execute(schema.segments.insert(), rows)
            ids = connection.execute(
                sa.select(schema.segments.c.id, schema.segments.c.tags).where(
                    schema.segments.c.environment_id == environment.id
                )
            ).all()
            tags = [
                {"segment_id": row.id, "tag": tag} for row in ids for tag in json.loads(row.tags)
            ]
            connection.execute(schema.segment_tags.insert(), tags)
    finally:
        services.close()
    return time.perf_counter() - started


def list_latency(base: str, token: str, params: str, requests: int) -> LoadResult:
    url = f"{base}{PATH}?{params}" if params else f"{base}{PATH}/seg-00042"
    headers = {"Authorization": token}
    result = run_load_sync(lambda _i: ("GET", url, headers, None), connections=1, total=requests)
    if result.errors:
        raise RuntimeError(f"list failed: {result.summary()} {result.error_samples}")
    return result


def segmentd_patch_throughput(base: str, token: str, seconds: float, count: int) -> LoadResult:
    headers = {"Authorization": token, "Content-Type": SEMANTIC}

    def patch(i: int) -> tuple[str, str, dict[str, str], bytes]:
        body = {
            "instructions": [
                {
                    "kind": "addIncludedTargets",
                    "contextKind": "user",
                    "values": [f"user-{i}-{n}" for n in range(100)],
                }
            ]
        }
        return ("PATCH", f"{base}{PATH}/seg-{i % count:05d}", headers, json_body(body))

    return run_load_sync(patch, connections=8, duration=seconds)


def unleash_put_throughput(seconds: float) -> tuple[LoadResult, str]:
    from bench.peers.unleash import create_segment, running_unleash, update_segment_request

    with running_unleash(_free_port(), db_pool_max=10) as peer, peer.client() as client:
        segments = [create_segment(client, f"bench-{n}", ["u0"]) for n in range(200)]

        def put(i: int) -> tuple[str, str, dict[str, str], bytes]:
            segment = segments[i % len(segments)]
            values = [f"user-{i}-{n}" for n in range(100)]
            return update_segment_request(peer, segment["id"], segment["name"], values)

        run_load_sync(put, connections=8, duration=2.0)  # warm up the JIT and the pool
        return run_load_sync(put, connections=8, duration=seconds), peer.base_url


def _line(label: str, result: LoadResult) -> str:
    return (
        f"| {label} | {result.p50_ms:.2f} | {result.p99_ms:.2f} | {result.rps:.0f} | "
        f"{result.count} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--segments", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=500, help="list requests per case")
    parser.add_argument("--seconds", type=float, default=15.0, help="duration of write runs")
    parser.add_argument("--no-unleash", action="store_true", help="skip the Unleash peer")
    parser.add_argument("--workers", type=int, default=1, help="segmentd worker processes")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="segmentd-bench-"))
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"segmentd: SQLite in {data_dir}, {args.workers} worker(s), rate limit off")
    try:
        with running_segmentd(data_dir, _free_port(), args.workers) as (base, token):
            seconds = seed(data_dir, args.segments)
            print(f"seeded {args.segments} segments in {seconds:.1f}s (bulk insert)")
            cases = {
                "baseline: GET one segment": "",
                "query filter": "filter=" + quote('query equals "europe"') + "&limit=20",
                "tags filter": "filter=" + quote('tags anyOf ["tag-3", "tag-11"]') + "&limit=20",
                "sort -name": "sort=-name&limit=20",
                "query + tags + sort": "filter="
                + quote('query equals "plan 7",tags anyOf ["tag-4", "tag-9"]')
                + "&sort=-lastModified,name&limit=20",
                "query + tags + sort, offset 40": "filter="
                + quote('query equals "e",tags anyOf ["tag-4", "tag-9"]')
                + "&sort=name&limit=20&offset=40",
            }
            print(f"\nlist pages, {args.requests} sequential requests each (1 connection):")
            print("| case | p50 ms | p99 ms | req/s | requests |\n|---|---|---|---|---|")
            for label, params in cases.items():
                list_latency(base, token, params, 20)  # warm-up
                print(_line(label, list_latency(base, token, params, args.requests)))
            patch = segmentd_patch_throughput(base, token, args.seconds, args.segments)
            print("\nwrites: 100 values per request, 8 connections")
            print("| server | p50 ms | p99 ms | req/s | requests |\n|---|---|---|---|---|")
            print(_line("segmentd semantic patch addIncludedTargets", patch))
            if patch.errors:
                print(f"segmentd errors: {patch.status_counts} {patch.error_samples[:3]}")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    if args.no_unleash:
        return
    unleash, _url = unleash_put_throughput(args.seconds)
    print(_line("Unleash 8.2.0 PUT /api/admin/segments/{id}", unleash))
    if unleash.errors:
        print(f"unleash errors: {unleash.status_counts} {unleash.error_samples[:3]}")
    ratio = patch.rps / unleash.rps if unleash.rps else float("inf")
    print(f"\nsegmentd / Unleash write throughput: {ratio:.2f}x (target >= 2x)")


if __name__ == "__main__":
    main()
