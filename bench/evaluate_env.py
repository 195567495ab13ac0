"""segments/evaluate over an environment of 1,000 rule-based segments, end to end over HTTP.

    python bench/evaluate_env.py [--segments 1000] [--requests 300]

Seeds a fresh SQLite database through the services, starts ``segmentd serve`` (one worker),
then times sequential POSTs of one context (p50/p99), after a warm-up that prepares every
segment once. Target (issue 4): p50 at most 10 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.servers import running_segmentd
from segmentd.bootstrap import Services, build_services
from segmentd.config import Settings
from segmentd.domain.segments.model import SegmentRule
from segmentd.domain.shared.clauses import Clause
from segmentd.services.first_run import initialise_if_empty
from segmentd.services.segments.service import SegmentDraft


def rules_for(i: int) -> tuple[SegmentRule, ...]:
    return (
        SegmentRule(
            id=f"r{i}a",
            clauses=(
                Clause(attribute="email", op="endsWith", values=(f"@corp{i}.example",)),
                Clause(attribute="plan", op="in", values=("gold", "platinum", f"p{i}")),
            ),
        ),
        SegmentRule(
            id=f"r{i}b",
            clauses=(
                Clause(attribute="country", op="in", values=("DE", "FR", "NL")),
                Clause(attribute="appVersion", op="semVerGreaterThan", values=(f"1.{i % 50}.0",)),
                Clause(attribute="age", op="greaterThanOrEqual", values=(i % 90,)),
            ),
        ),
        SegmentRule(
            id=f"r{i}c",
            clauses=(Clause(attribute="name", op="matches", values=(f"^user-{i}-",)),),
            weight=50_000,
        ),
    )


def add_rule_segments(services: Services, environment_key: str, count: int) -> None:
    """``count`` segments ``seg-0``... with the rules of :func:`rules_for`, in ``default``."""
    environment = services.projects.get_environment("default", environment_key)
    for i in range(count):
        created = services.segments.create(
            "default", environment_key, SegmentDraft(key=f"seg-{i}", name=f"Segment {i}")
        )
        with services.uow(write=True) as uow:
            uow.segments.update(
                environment_id=environment.id,
                segment=replace(created, version=2, rules=rules_for(i)),
                expected_version=1,
            )
            uow.commit()


def seed(data_dir: Path, count: int) -> str:
    services = build_services(Settings(data_dir=data_dir))
    first = initialise_if_empty(services.uow, services.projects, services.access)
    assert first is not None
    add_rule_segments(services, "production", count)
    services.close()
    return first.secret


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--segments", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    context = {
        "kind": "user",
        "key": "user-42",
        "name": "user-42-x",
        "email": "a@corp7.example",
        "plan": "gold",
        "country": "DE",
        "appVersion": "1.20.3",
        "age": 40,
    }
    with tempfile.TemporaryDirectory() as tmp:
        token = seed(Path(tmp), args.segments)
        with (
            running_segmentd(Path(tmp)) as server,
            httpx.Client(base_url=server.base_url, headers={"Authorization": token}) as client,
        ):
            path = "/api/v2/projects/default/environments/production/segments/evaluate"
            for _ in range(10):
                assert client.post(path, json=context).status_code == 200
            timings = []
            members = 0
            for _ in range(args.requests):
                started = time.perf_counter()
                response = client.post(path, json=context)
                timings.append((time.perf_counter() - started) * 1000)
                members = sum(item["isMember"] for item in response.json()["items"])
    timings.sort()
    p50 = statistics.median(timings)
    p99 = timings[int(len(timings) * 0.99) - 1]
    print(
        f"segments/evaluate, {args.segments} rule-based segments (3 rules, 6 clauses each), "
        f"SQLite, 1 worker, sequential keep-alive requests, {args.requests} timed "
        f"(cpus={os.cpu_count()}, load={os.getloadavg()[0]:.1f}):"
    )
    print(f"  p50 {p50:.2f} ms   p99 {p99:.2f} ms   ({members} memberships per answer)")


if __name__ == "__main__":
    main()
