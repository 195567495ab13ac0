"""Start a real ``segmentd serve`` process for a benchmark, and stop it afterwards."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass(frozen=True)
class Segmentd:
    base_url: str
    pid: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kib(pid: int) -> int:
    """Resident set size of a process (and its children, for multi-worker servers)."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for one in pids:
        for line in Path(f"/proc/{one}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


@contextmanager
def running_segmentd(
    data_dir: Path,
    *,
    database_url: str | None = None,
    workers: int = 1,
    env: dict[str, str] | None = None,
) -> Iterator[Segmentd]:
    """Run ``segmentd serve`` on a free port with rate limiting off; yields once healthy."""
    port = free_port()
    environment = dict(os.environ)
    environment.update(
        {
            "SEGMENTD_DATA_DIR": str(data_dir),
            "SEGMENTD_RATE_LIMIT": "0",
            "SEGMENTD_LOG_LEVEL": "WARNING",
        }
    )
    if database_url:
        environment["SEGMENTD_DATABASE_URL"] = database_url
    environment.update(env or {})
    command = [sys.executable, "-m", "segmentd", "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    process = subprocess.Popen(
        command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base_url + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("segmentd did not start")
            time.sleep(0.1)
        yield Segmentd(base_url, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
