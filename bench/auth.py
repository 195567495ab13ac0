"""Cost of authenticating every request against the database (issue 9), one command:

    PYTHONPATH=src .venv/bin/python -m bench.auth [--requests 3000] [--database-url URL]
    PYTHONPATH=src .venv/bin/python -m bench.auth --direct 20000 [--database-url URL]

Starts ``segmentd serve`` (SQLite in a temporary data directory, or ``--database-url``),
creates one segment, then sends ``--requests`` ``GET`` requests for it one at a time over one
keep-alive connection and prints the latency percentiles and requests per second. Run it on
two commits to compare (e.g. before and after a change to authentication); the load
generator shares the CPU with the server. ``--direct N`` instead times N calls of
``AccessService.authenticate`` in process, the part of a request that authentication is.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.servers import running_segmentd

PATH = "/api/v2/segments/default/production"


def admin_token(data_dir: Path, database_url: str | None) -> str:
    env = dict(os.environ, SEGMENTD_DATA_DIR=str(data_dir))
    if database_url:
        env["SEGMENTD_DATABASE_URL"] = database_url
    command = [sys.executable, "-m", "segmentd", "tokens", "create", "--name", "bench"]
    return subprocess.run(
        [*command, "--role", "admin"], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def direct(calls: int, database_url: str | None) -> None:
    """Microseconds per ``AccessService.authenticate`` call, in process (no HTTP)."""
    from segmentd.bootstrap import build_services
    from segmentd.config import Settings
    from segmentd.domain.projects.model import Role

    with tempfile.TemporaryDirectory() as tmp:
        services = build_services(Settings(data_dir=Path(tmp), database_url=database_url))
        try:
            secret = services.access.create(name="b", role=Role.READER).secret
            for _ in range(500):
                services.access.authenticate(secret)
            started = time.perf_counter()
            for _ in range(calls):
                services.access.authenticate(secret)
            elapsed = time.perf_counter() - started
        finally:
            services.close()
    store = "postgresql" if database_url else "sqlite"
    print(f"authenticate(), {store}, {calls} calls: {elapsed / calls * 1e6:.1f} µs per call")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--database-url")
    parser.add_argument("--direct", type=int, metavar="CALLS", help="time authenticate() only")
    args = parser.parse_args()
    if args.direct:
        direct(args.direct, args.database_url)
        return
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        with running_segmentd(data_dir, database_url=args.database_url) as server:
            token = admin_token(data_dir, args.database_url)
            headers = {"Authorization": token}
            with httpx.Client(base_url=server.base_url, headers=headers) as client:
                key = f"bench-{time.time_ns()}"
                assert client.post(PATH, json={"key": key, "name": key}).status_code == 201
                for _ in range(200):  # warm-up
                    client.get(f"{PATH}/{key}")
                latencies = []
                started = time.perf_counter()
                for _ in range(args.requests):
                    t0 = time.perf_counter()
                    response = client.get(f"{PATH}/{key}")
                    latencies.append(time.perf_counter() - t0)
                    assert response.status_code == 200
                elapsed = time.perf_counter() - started
    latencies.sort()
    store = "postgresql" if args.database_url else "sqlite"
    print(f"machine: {platform.machine()} {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    print(
        f"GET segment, {store}, {args.requests} sequential requests: "
        f"p50 {statistics.median(latencies) * 1000:.2f} ms, "
        f"p90 {latencies[int(len(latencies) * 0.9)] * 1000:.2f} ms, "
        f"{args.requests / elapsed:.0f} req/s"
    )


if __name__ == "__main__":
    main()
