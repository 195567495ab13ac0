"""Create-segment throughput and latency: segmentd (SQLite, PostgreSQL) beside Unleash 8.2.0.

    python bench/create_segment.py [--seconds 10] [--connections 8] [--workers 2]

All three servers run in the same invocation, one after the other on this machine, each on
a fresh database, and receive the same load: ``--connections`` keep-alive connections
creating distinct segments for ``--seconds`` (after a one-second warm-up). segmentd runs as
``segmentd serve --workers N`` (uvicorn, uvloop + httptools; one process per core, so that
both cores serve requests; rate limiting off); Unleash as its own single Node process.
Targets (issue 2): at least 3x Unleash's creates/s on SQLite, 1.5x on PostgreSQL, p99 at
most 25 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tests.realparts import postgres_database

from bench.cpu import CpuMeter, wait_for_quiet
from bench.load import LoadResult, json_body, run_load_sync
from bench.peers.unleash import create_segment_request, running_unleash
from bench.servers import running_segmentd
from segmentd.bootstrap import build_services
from segmentd.config import Settings
from segmentd.domain.projects.model import Role
from segmentd.services.first_run import initialise_if_empty


def _segmentd_token(data_dir: Path, database_url: str | None) -> str:
    services = build_services(Settings(data_dir=data_dir, database_url=database_url))
    try:
        initialise_if_empty(services.uow, services.projects, services.access)
        return services.access.create(name="bench", role=Role.WRITER).secret
    finally:
        services.close()


def _load(base_url: str, token: str, args: argparse.Namespace, run: str) -> LoadResult:
    headers = {"Authorization": token, "Content-Type": "application/json"}
    url = f"{base_url}/api/v2/segments/default/production"

    def requests(phase: str) -> Callable[[int], tuple[str, str, dict[str, str], bytes]]:
        def make(i: int) -> tuple[str, str, dict[str, str], bytes]:
            body = {"key": f"{run}-{phase}-{i}", "name": f"Segment {i}", "tags": ["bench"]}
            return ("POST", url, headers, json_body(body))

        return make

    run_load_sync(requests("warm"), connections=args.connections, duration=1.0)
    return run_load_sync(requests("timed"), connections=args.connections, duration=args.seconds)


def _line(label: str, result: LoadResult, cores: str) -> str:
    return (
        f"| {label} | {result.rps:.0f} | {result.p50_ms:.1f} | {result.p99_ms:.1f} | "
        f"{result.errors} | {cores} |"
    )


def _segmentd(args: argparse.Namespace, database_url: str | None, label: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        token = _segmentd_token(Path(tmp), database_url)
        with running_segmentd(Path(tmp), database_url=database_url, workers=args.workers) as srv:
            meter = CpuMeter(srv.pid)
            result = _load(srv.base_url, token, args, uuid.uuid4().hex[:6])
            usage = meter.stop()
    return _line(label, result, usage.describe())


def _unleash(args: argparse.Namespace) -> str:
    with running_unleash(args.unleash_port) as peer:
        meter = CpuMeter(peer.pid)
        counter = iter(range(10**9))

        def make(i: int) -> tuple[str, str, dict[str, str], bytes]:
            return create_segment_request(peer, f"bench-{next(counter)}", [f"u{i}"])

        run_load_sync(make, connections=args.connections, duration=1.0)
        result = run_load_sync(make, connections=args.connections, duration=args.seconds)
        usage = meter.stop()
    return _line("Unleash 8.2.0, PostgreSQL", result, usage.describe())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--unleash-port", type=int, default=4243)
    parser.add_argument("--skip-unleash", action="store_true")
    args = parser.parse_args()
    busy = wait_for_quiet(0.3, timeout=60)
    print(
        f"create segment, {args.connections} connections, {args.seconds:.0f} s each, "
        f"segmentd --workers {args.workers}; cpus={os.cpu_count()}; "
        f"other load before the run {busy:.2f} cores"
    )
    print("| server | creates/s | p50 ms | p99 ms | errors | cpu |")
    print("|---|---|---|---|---|---|")
    print(_segmentd(args, None, "segmentd, SQLite"), flush=True)
    with postgres_database(f"segmentd_bench_{uuid.uuid4().hex[:6]}") as url:
        print(_segmentd(args, url, "segmentd, PostgreSQL"), flush=True)
    if not args.skip_unleash:
        print(_unleash(args), flush=True)


if __name__ == "__main__":
    main()
