"""Big-segment benchmark (issue 5): CSV import, Redis publication, membership lookups.

    PYTHONPATH=src python bench/big_segments.py            # the issue's sizes
    PYTHONPATH=src python bench/big_segments.py --rows 100000 --stored 1000000 --lookups 500

Runs a real ``segmentd serve`` process per database (SQLite, PostgreSQL), uploads a
generated CSV through the HTTP API, waits for the import to complete and reports its
wall time and the server's peak RSS (VmHWM). Publication to Redis is timed on the same
keys through the publisher's bulk path. For lookups, ``--stored`` keys are written
straight through the store's bulk path, then ``--lookups`` sequential HTTP GETs of
``…/contexts/{key}`` measure p50/p99 latency.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from segmentd.domain.big_segments.model import MembershipCounts, read_key_chunks
from segmentd.domain.projects.model import Environment
from segmentd.export.redis import RedisPublisher
from segmentd.store.engines import make_engine
from segmentd.store.unit_of_work import SqlUnitOfWorkFactory

P, E = "default", "production"
BASE = f"/api/v2/segments/{P}/{E}"


def generate_csv(path: Path, rows: int) -> None:
    """``rows`` unique 36-character keys plus a second column: 40 bytes a row (40 MB per
    million rows, the issue's file)."""
    salt = secrets.token_hex(4)
    with path.open("w") as out:
        for start in range(0, rows, 100_000):
            out.write(
                "".join(
                    f"user-{salt}-{i:012d}-0123456,x\n"
                    for i in range(start, min(start + 100_000, rows))
                )
            )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(
    data_dir: Path, database_url: str, redis_url: str | None
) -> Iterator[tuple[str, str, int]]:
    """A real ``segmentd serve`` process: yields (base URL, admin token, pid)."""
    port = _free_port()
    env = {
        **os.environ,
        "SEGMENTD_RATE_LIMIT": "0",
        "SEGMENTD_LOG_LEVEL": "WARNING",
        "SEGMENTD_REDIS_PREFIX": "segmentd-bench:{env}",
    }
    if redis_url:
        env["SEGMENTD_REDIS_URL"] = redis_url
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "segmentd",
            "--data-dir",
            str(data_dir),
            "--database-url",
            database_url,
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    token = ""
    for line in process.stdout:  # a fresh database: serve prints its first admin token
        found = re.search(r"Admin access token \(shown once\): (\S+)", line)
        if found:
            token = found.group(1)
            break
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(f"{base}/healthz").status_code < 500:
                break
        except httpx.HTTPError:
            time.sleep(0.05)
    try:
        yield base, token, process.pid
    finally:
        process.terminate()
        process.wait(30)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_import(base: str, token: str, csv_path: Path, key: str) -> float:
    with httpx.Client(base_url=base, headers={"Authorization": token}, timeout=600) as http:
        http.post(BASE, json={"key": key, "name": key, "unbounded": True}).raise_for_status()
        started = time.perf_counter()
        with csv_path.open("rb") as f:
            answer = http.post(
                f"{BASE}/{key}/imports", files={"file": ("keys.csv", f)}, data={"mode": "merge"}
            )
        answer.raise_for_status()
        uploaded = time.perf_counter() - started
        location = answer.headers["Location"]
        while True:
            body = http.get(location).json()
            if body["status"] in ("complete", "stopped"):
                break
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        if body["status"] != "complete":
            raise RuntimeError(f"import failed: {body.get('error')}")
        print(f"  upload (POST answered) {uploaded:.2f} s, import job {elapsed - uploaded:.2f} s")
        return elapsed


def fill(database_url: str, key: str, count: int) -> float:
    """Write ``count`` keys into the segment through the store's bulk path."""
    engine = make_engine(database_url)
    uow_factory = SqlUnitOfWorkFactory(engine)
    started = time.perf_counter()
    with uow_factory(write=True) as uow:
        environment = uow.environments.get(project_key=P, key=E)
        assert environment is not None
        segment = uow.segments.get(environment_id=environment.id, key=key)
        assert segment is not None
        uow.big_segments.prepare(environment_id=environment.id, segment=segment)
        for start in range(0, count, 500_000):
            keys = (f"k{i:010d}" for i in range(start, min(start + 500_000, count)))
            uow.big_segments.add(
                environment_id=environment.id, key=key, generation=1, keys=keys, excluded=False
            )
        uow.big_segments.set_counts(
            environment_id=environment.id, key=key, counts=MembershipCounts(count, 0)
        )
        uow.commit()
    engine.dispose()
    return time.perf_counter() - started


def lookups(base: str, token: str, key: str, stored: int, n: int) -> dict[str, float]:
    """p50/p99 of membership GETs (half members, half absent), and, interleaved under the
    same conditions, of ``/healthz``: the HTTP stack's floor on this machine."""
    samples: list[float] = []
    floor: list[float] = []
    with httpx.Client(base_url=base, headers={"Authorization": token}) as http:
        for i in range(n + 50):
            member = f"k{(i * 7_919_993) % stored:010d}" if i % 2 else f"absent-{i}"
            started = time.perf_counter()
            answer = http.get(f"{BASE}/{key}/contexts/{member}")
            elapsed = time.perf_counter() - started
            answer.raise_for_status()
            assert answer.json()["included"] is bool(i % 2)
            started = time.perf_counter()
            http.get("/healthz")
            health = time.perf_counter() - started
            if i >= 50:  # warm-up
                samples.append(elapsed * 1000)
                floor.append(health * 1000)
    samples.sort()
    floor.sort()
    return {
        "p50": statistics.median(samples),
        "p99": samples[int(len(samples) * 0.99) - 1],
        "floor50": statistics.median(floor),
    }


def redis_publication(redis_url: str, csv_path: Path, max_rows: int) -> float:
    publisher = RedisPublisher(redis_url, "segmentd-bench-pub:{env}")
    environment = Environment(
        id="bench",
        project_key=P,
        key="bench",
        name="b",
        color="000000",
        sdk_key="s",
        mobile_key="m",
        creation_date=0,
    )
    started = time.perf_counter()
    with csv_path.open("rb") as f:
        ok = publisher.add_all(
            environment, "bench.g1", read_key_chunks(f, max_rows=max_rows), excluded=False
        )
    elapsed = time.perf_counter() - started
    assert ok, "publication failed"
    publisher.clear(environment)
    publisher.close()
    return elapsed


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    import psycopg

    name = f"segmentd_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the import CSV")
    parser.add_argument("--stored", type=int, default=10_000_000, help="keys stored for lookups")
    parser.add_argument("--lookups", type=int, default=2_000, help="membership GETs to time")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()

    print(
        f"machine: {platform.node()} {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, "
        f"Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        csv_path = work / "keys.csv"
        generate_csv(csv_path, args.rows)
        size_mb = csv_path.stat().st_size / 1e6
        print(f"CSV: {args.rows:,} rows, {size_mb:.1f} MB")
        for backend in filter(None, args.backends.split(",")):
            context = (
                postgres_database(args.postgres)
                if backend == "postgres"
                else _sqlite(work / backend)
            )
            with context as url, server(work / backend, url, None) as (base, token, pid):
                seconds = run_import(base, token, csv_path, "imported")
                print(
                    f"[{backend}] import of {args.rows:,} keys: {seconds:.2f} s wall, "
                    f"server peak RSS {peak_rss_mb(pid):.0f} MB"
                )
                if backend == "sqlite" and args.stored:
                    httpx.post(
                        f"{base}{BASE}",
                        headers={"Authorization": token},
                        json={"key": "huge", "name": "huge", "unbounded": True},
                    )
                    fill_s = fill(url, "huge", args.stored)
                    got = lookups(base, token, "huge", args.stored, args.lookups)
                    print(
                        f"[{backend}] {args.stored:,} keys stored (bulk path {fill_s:.0f} s); "
                        f"membership GET over HTTP: p50 {got['p50']:.2f} ms, "
                        f"p99 {got['p99']:.2f} ms ({args.lookups} sequential requests, "
                        f"keep-alive; GET /healthz p50 {got['floor50']:.2f} ms alongside)"
                    )
        if args.redis:
            seconds = redis_publication(args.redis, csv_path, args.rows)
            print(f"[redis] publication of {args.rows:,} keys (hash + SADD): {seconds:.2f} s")


@contextmanager
def _sqlite(directory: Path) -> Iterator[str]:
    directory.mkdir(parents=True, exist_ok=True)
    yield f"sqlite:///{directory / 'segmentd.sqlite3'}"


if __name__ == "__main__":
    main()
