"""Demo: segment-create (and optionally update) throughput of Unleash 8.2.0.

    /work/main/.venv/bin/python bench/peers/demo_unleash.py [--port 4243] [--seconds 10]
        [--connections 8] [--values 10] [--update] [--pool-max N] [--auth none]

Starts a fresh Unleash (recreated database ``unleash_bench``), warms up for a
second, then creates distinct segments (``bench-<i>``, one IN constraint on
userId with ``--values`` keys) for ``--seconds`` over ``--connections``
keep-alive connections, and prints req/s, p50 and p99. With ``--update`` it
then PUTs new values into the segments just created, round-robin.
All traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.cpu import CpuMeter, CpuUsage, wait_for_quiet
from bench.load import LoadResult, run_load_sync
from bench.peers.unleash import (
    UnleashPeer,
    create_segment,
    create_segment_request,
    running_unleash,
    update_segment_request,
)


def _report(label: str, result: LoadResult, usage: CpuUsage) -> None:
    print(
        f"{label}: {result.rps:.0f} req/s  p50 {result.p50_ms:.1f} ms  p99 {result.p99_ms:.1f} ms  "
        f"({result.count} requests in {result.seconds:.1f}s, errors {result.errors}, "
        f"statuses {result.status_counts})"
    )
    print(f"  {usage.describe()}")
    if result.count:
        print(
            f"  server cpu per request {usage.server * 1000 / result.count:.2f} ms, "
            f"postgres cpu per request {usage.postgres * 1000 / result.count:.2f} ms"
        )
    if usage.other / (usage.seconds or 1.0) > 0.2:
        print("  WARNING: other processes used significant CPU during this run; figures are noisy")
    for sample in result.error_samples[:3]:
        print(f"  error: {sample}")


def _quiet(args: argparse.Namespace) -> None:
    if args.wait_quiet > 0:
        busy = wait_for_quiet(0.3, timeout=args.wait_quiet)
        print(f"machine busy before the run: {busy:.2f} cores")


def _values(i: int, n: int, generation: int = 0) -> list[str]:
    return [f"user-{i}-{generation}-{j}" for j in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=4243)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--values", type=int, default=10, help="keys per segment")
    parser.add_argument("--update", action="store_true", help="also measure PUT updates")
    parser.add_argument(
        "--pool-max", type=int, default=None, help="Unleash DATABASE_POOL_MAX (Unleash default 4)"
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=60.0,
        help="wait up to this many seconds for other processes to go quiet (0: don't)",
    )
    parser.add_argument("--auth", choices=["open-source", "none"], default="open-source")
    args = parser.parse_args()

    with running_unleash(args.port, db_pool_max=args.pool_max, auth=args.auth) as peer:
        print(
            f"unleash {peer.extra['version']} at {peer.base_url} (pid {peer.pid}, "
            f"db {peer.db_name} as {peer.extra['db_user']}, log {peer.log_path})"
        )
        with peer.client() as client:  # smoke check of the helper path
            create_segment(client, "smoke", ["a", "b"])
        run_benchmarks(peer, args)


def run_benchmarks(peer: UnleashPeer, args: argparse.Namespace) -> None:
    n = args.values
    warm = run_load_sync(
        lambda i: create_segment_request(peer, f"warm-{i}", _values(i, n)),
        connections=args.connections,
        duration=1.0,
    )
    print(f"warm-up: {warm.count} creates, {warm.errors} errors")
    _quiet(args)

    meter = CpuMeter(server_pid=peer.pid)
    created = run_load_sync(
        lambda i: create_segment_request(peer, f"bench-{i}", _values(i, n)),
        connections=args.connections,
        duration=args.seconds,
    )
    _report(f"create x{args.connections}", created, meter.stop())

    if args.update:
        _quiet(args)
        # Segment ids: 1 is "smoke", then the warm-up ones, then the bench-<i> ones in index
        # order only per connection - so look the ids up instead of guessing.
        with peer.client() as client:
            segments = client.get("/api/admin/segments").json()["segments"]
        ids = [(s["id"], s["name"]) for s in segments if s["name"].startswith("bench-")]
        if not ids:
            print("no segments to update")
            return
        meter = CpuMeter(server_pid=peer.pid)
        updated = run_load_sync(
            lambda i: update_segment_request(
                peer, ids[i % len(ids)][0], ids[i % len(ids)][1], _values(i, n, generation=1)
            ),
            connections=args.connections,
            duration=args.seconds,
        )
        _report(f"update x{args.connections}", updated, meter.stop())


if __name__ == "__main__":
    main()
