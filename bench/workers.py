"""What limits writes with two server processes: per-worker CPU, context switches, syscalls.

    PYTHONPATH=src .venv/bin/python bench/workers.py [--seconds 8] [--case create]
        [--database-url postgresql://...] [--strace]

Starts ``segmentd serve --workers 2`` on a fresh database (SQLite unless a URL is given),
loads it with ``wrk -t1 -c8`` (the ``bench/hot_paths.py`` case named by ``--case``) and
prints, per worker process: CPU seconds used (``/proc/<pid>/stat``) and its share of the
run, voluntary and involuntary context switches (``/proc/<pid>/status``: a voluntary switch
is a wait, for a lock, the disk or the network). With ``--strace`` a second run attaches
``strace -c -f`` to one worker and prints its syscall summary (strace slows the traced
process, so that run's throughput is not the figure; the share of time in ``flock``,
``fdatasync``, ``futex`` or ``epoll_wait`` is).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.cpu import process_cpu
from bench.hot_paths import seed, segmentd_cases, serving
from bench.wrk import run_wrk
from segmentd.config import Settings


def workers_of(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    workers = []
    for child in map(int, children):
        # uvicorn's supervisor may have a resource-tracker child; workers run the app.
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        if b"resource_tracker" not in cmdline:
            workers.append(child)
    return workers


def switches(pid: int) -> tuple[int, int]:
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return (
        int(fields["voluntary_ctxt_switches"]),
        int(fields["nonvoluntary_ctxt_switches"]),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--case", default="create")
    parser.add_argument("--database-url")
    parser.add_argument("--port", type=int, default=18660)
    parser.add_argument("--strace", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=args.database_url)
        token = seed(settings, 1000, 10)
        env = {**os.environ, "SEGMENTD_RATE_LIMIT": "0", "SEGMENTD_LOG_LEVEL": "WARNING",
               "SEGMENTD_DATA_DIR": tmp}  # fmt: skip
        if args.database_url:
            env["SEGMENTD_DATABASE_URL"] = args.database_url
        command = [sys.executable, "-m", "segmentd", "serve", "--port", str(args.port),
                   "--workers", "2"]  # fmt: skip
        base = f"http://127.0.0.1:{args.port}"
        case = segmentd_cases(token)[args.case]
        with serving(command, env, base + "/readyz") as pid:
            run_wrk(base, case, seconds=1, prefix="w")
            workers = workers_of(pid)
            cpu0 = {w: process_cpu(w) for w in workers}
            ctx0 = {w: switches(w) for w in workers}
            started = time.perf_counter()
            result = run_wrk(base, case, seconds=args.seconds, prefix="t")
            elapsed = time.perf_counter() - started
            store = "PostgreSQL" if args.database_url else "SQLite"
            print(
                f"{args.case}, {store}, serve --workers 2, wrk -t1 -c8 {args.seconds:g} s: "
                f"{result.rps:,.0f} req/s, p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} "
                f"ms, errors {result.errors}; load average {os.getloadavg()[0]:.2f}"
            )
            for w in workers:
                cpu = process_cpu(w) - cpu0[w]
                vol = switches(w)[0] - ctx0[w][0]
                invol = switches(w)[1] - ctx0[w][1]
                print(
                    f"  worker {w}: {cpu:.2f} CPU s ({cpu / elapsed:.0%} of a core), "
                    f"{vol / max(result.requests, 1):.1f} voluntary and "
                    f"{invol / max(result.requests, 1):.1f} involuntary switches per request"
                )
            if args.strace:
                out = Path(tmp) / "strace.txt"
                tracer = subprocess.Popen(
                    ["strace", "-c", "-f", "-o", str(out), "-p", str(workers[0])],
                    stderr=subprocess.DEVNULL,
                )
                time.sleep(0.5)
                run_wrk(base, case, seconds=args.seconds, prefix="s")
                tracer.terminate()
                tracer.wait(timeout=30)
                print(f"  strace -c -f of worker {workers[0]} (top 8 by time):")
                lines = out.read_text().splitlines()
                for line in lines[:10] + lines[-2:]:
                    print("    " + line)


if __name__ == "__main__":
    main()
