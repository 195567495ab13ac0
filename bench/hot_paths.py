"""The hot paths over HTTP, each beside the floor and, where it has the operation, Unleash.

    PYTHONPATH=src .venv/bin/python bench/hot_paths.py [--seconds 8] [--workers 1]
        [--stores sqlite,postgres] [--cases healthz,get,membership,create,list_query,...]
        [--no-unleash] [--port-base 18600]

In one run, for each store: a fresh database is seeded (10,000 segments with searchable names,
descriptions and tags; 200 segments to patch; a big segment with 1,000 included keys; 1,000
rule-based segments in ``default/test`` for ``segments/evaluate``), then

1. the floor, ``bench/floor.py`` (a one-route Starlette JSON app), is served by uvicorn with
   the same settings as ``segmentd serve`` (uvloop, httptools, no access log, ``--workers``
   processes) and loaded with ``wrk -t1 -c8`` on ``GET /healthz``;
2. ``segmentd serve --workers N`` (rate limiting off, log level WARNING) gets each case, the
   same ``wrk`` settings, after a one-second warm-up of the same case;
3. Unleash 8.2.0 (``bench/peers/unleash.py``, PostgreSQL) gets its create and ``PUT`` of a
   segment, same ``wrk`` settings, once per run.

The cases of ``--latency-cases`` run again over one connection: their latency without
queueing behind seven other requests. Printed per case: requests/s, p50/p90/p99 latency,
errors, segmentd as a share of the floor's requests/s, and server CPU per request (``/proc``
CPU time of the server's processes over the run divided by requests: the figure that moves
least when other work shares the machine).
The load average before the run is printed with the conditions.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench import lifecycle
from bench.cpu import tree_cpu
from bench.evaluate_env import add_rule_segments
from bench.wrk import Case, WrkResult, run_wrk
from segmentd.bootstrap import build_services
from segmentd.config import Settings
from segmentd.domain.big_segments.model import TargetChanges
from segmentd.domain.projects.model import Role
from segmentd.services.first_run import initialise_if_empty
from segmentd.services.segments.service import SegmentDraft

BASE = "/api/v2/segments/default/production"
SEMANTIC = "application/json; domain-model=launchdarkly.semanticpatch"
CONTEXT = {"kind": "user", "key": "user-42", "name": "user-42-x", "email": "a@corp7.example",
           "plan": "gold", "country": "DE", "appVersion": "1.20.3", "age": 40}  # fmt: skip


def seed(settings: Settings, listed: int, rule_based: int) -> str:
    """A writer token, after filling the database (see the module docstring)."""
    services = build_services(settings)
    try:
        initialise_if_empty(services.uow, services.projects, services.access)
        token = services.access.create(name="bench", role=Role.WRITER).secret
    finally:
        services.close()
    lifecycle.seed(settings.data_dir, listed, settings.database_url)
    services = build_services(settings)
    try:
        for i in range(200):
            services.segments.create("default", "production", SegmentDraft(f"p-{i}", "P"))
        services.segments.create("default", "production", SegmentDraft("big", "B", unbounded=True))
        keys = tuple(f"ctx-{i}" for i in range(1000))
        services.big_segments.update_targets(
            "default", "production", "big", TargetChanges(included_add=keys)
        )
        add_rule_segments(services, "test", rule_based)
        if services.engine.dialect.name == "postgresql":
            # Bulk-loaded tables have no statistics until autovacuum's next pass (a minute
            # or more): without them the planner takes 10,000 rows for 9 and a filtered
            # list costs 20-30 ms instead of 0.2 ms for the page (docs/performance.md).
            with services.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
                connection.commit()
        return token
    finally:
        services.close()


def segmentd_cases(token: str) -> dict[str, Case]:
    auth = {"Authorization": token}
    jsn = {**auth, "Content-Type": "application/json"}
    values = ",".join(f'"u{{n}}-{k}"' for k in range(100))
    return {
        "healthz": Case("GET", "/healthz"),
        "get": Case("GET", f"{BASE}/seg-00042", auth),
        "membership": Case("GET", f"{BASE}/big/contexts/ctx-{{m}}", auth, cycle=2000),
        "create": Case("POST", BASE, jsn, '{"key":"c{n}","name":"Segment {n}","tags":["bench"]}'),
        "list_query": Case("GET", f"{BASE}?filter=query%20equals%20%22europe%22", auth),
        "list_tags": Case("GET", f"{BASE}?filter=tags%20anyOf%20%5B%22tag-3%22%5D", auth),
        "patch": Case(
            "PATCH",
            f"{BASE}/p-{{m}}",
            {**auth, "Content-Type": SEMANTIC},
            '{"instructions":[{"kind":"addIncludedTargets","contextKind":"user","values":['
            + values
            + "]}]}",
            cycle=200,
        ),
        "evaluate": Case(
            "POST",
            "/api/v2/projects/default/environments/test/segments/evaluate",
            jsn,
            json.dumps(CONTEXT),
        ),
    }


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"server did not start: {url}")
        time.sleep(0.1)


@contextmanager
def serving(command: list[str], env: dict[str, str], ready_url: str) -> Iterator[int]:
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        _wait_ready(ready_url, process)
        yield process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def measure(
    base: str, pid: int, case: Case, seconds: float, prefix: str, connections: int = 8
) -> tuple[WrkResult, float]:
    """wrk figures and server CPU µs per request (warm-up first, not counted)."""
    run_wrk(base, case, seconds=1, prefix=prefix + "w", connections=connections)
    before = tree_cpu(pid)
    result = run_wrk(base, case, seconds=seconds, prefix=prefix, connections=connections)
    cpu = tree_cpu(pid) - before
    return result, cpu / max(result.requests, 1) * 1e6


def row(label: str, result: WrkResult, cpu_us: float, floor: WrkResult | None) -> str:
    share = f"{result.rps / floor.rps:.0%}" if floor else "-"
    return (
        f"| {label} | {result.rps:,.0f} | {result.p50_ms:.2f} | {result.p90_ms:.2f} | "
        f"{result.p99_ms:.2f} | {result.errors} | {share} | {cpu_us:,.0f} |"
    )


def run_store(args: argparse.Namespace, store: str, database_url: str | None) -> None:
    env = {**os.environ, "SEGMENTD_RATE_LIMIT": "0", "SEGMENTD_LOG_LEVEL": "WARNING"}
    workers = ["--workers", str(args.workers)]
    floor_port, port = args.port_base, args.port_base + 1
    floor_cmd = [sys.executable, "-m", "uvicorn", "--factory", "bench.floor:floor_app",
                 "--port", str(floor_port), "--loop", "uvloop", "--http", "httptools",
                 "--no-access-log", "--log-level", "warning", *workers]  # fmt: skip
    floor_base = f"http://127.0.0.1:{floor_port}"
    with serving(floor_cmd, {**env, "PYTHONPATH": str(Path(__file__).parents[1])},
                 floor_base + "/healthz") as pid:  # fmt: skip
        floor, floor_cpu = measure(floor_base, pid, Case("GET", "/healthz"), args.seconds, "f")
    print(row(f"floor (Starlette, {store} run)", floor, floor_cpu, None), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=database_url)
        token = seed(settings, 10_000, 1_000)
        env["SEGMENTD_DATA_DIR"] = tmp
        if database_url:
            env["SEGMENTD_DATABASE_URL"] = database_url
        command = [sys.executable, "-m", "segmentd", "serve", "--port", str(port), *workers]
        base = f"http://127.0.0.1:{port}"
        cases = segmentd_cases(token)
        with serving(command, env, base + "/readyz") as pid:
            for name in args.cases.split(","):
                result, cpu = measure(base, pid, cases[name], args.seconds, uuid.uuid4().hex[:6])
                print(row(f"segmentd {store}: {name}", result, cpu, floor), flush=True)
            for name in filter(None, args.latency_cases.split(",")):
                result, cpu = measure(
                    base, pid, cases[name], args.seconds, uuid.uuid4().hex[:6], connections=1
                )
                print(row(f"segmentd {store}: {name}, 1 connection", result, cpu, None), flush=True)


def run_unleash(args: argparse.Namespace) -> None:
    from bench.peers.unleash import create_segment, running_unleash, segment_body

    with running_unleash(args.port_base + 42) as peer, peer.client() as client:
        ids = [create_segment(client, f"put-{i}", ["u0"])["id"] for i in range(200)]
        headers = dict(peer.headers)
        create_body = json.dumps(segment_body("c{n}", ["u{n}"]))
        put_values = [f"u{{n}}-{k}" for k in range(100)]
        put_body = json.dumps(segment_body("put-{m}", put_values))
        cases = {
            "create": Case("POST", "/api/admin/segments", headers, create_body),
            "PUT 100 values": Case(
                "PUT", "/api/admin/segments/{id}", headers, put_body, cycle=200, id_start=ids[0]
            ),
        }
        assert ids == list(range(ids[0], ids[0] + 200)), "Unleash's ids are not consecutive"
        for name, case in cases.items():
            result, cpu = measure(peer.base_url, peer.pid, case, args.seconds, "x")
            print(row(f"Unleash 8.2.0: {name}", result, cpu, None), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--cases", default=",".join(segmentd_cases("")))
    parser.add_argument(
        "--latency-cases",
        default="get,membership,list_query,list_tags,evaluate",
        help="cases measured again over one connection (latency without queueing)",
    )
    parser.add_argument("--no-unleash", action="store_true")
    parser.add_argument("--port-base", type=int, default=18600)
    args = parser.parse_args()
    print(
        f"wrk -t1 -c8, {args.seconds:g} s per case after 1 s warm-up; --workers {args.workers}; "
        f"cpus={os.cpu_count()}; load average {os.getloadavg()[0]:.2f} before the run; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    print("| server: case | req/s | p50 ms | p90 ms | p99 ms | errors | of floor | CPU µs/req |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for store in args.stores.split(","):
        if store == "sqlite":
            run_store(args, store, None)
        else:
            from tests.realparts import postgres_database

            with postgres_database(f"segmentd_http_{uuid.uuid4().hex[:6]}") as url:
                run_store(args, store, url)
    if not args.no_unleash:
        run_unleash(args)
    print(f"load average after the run {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
