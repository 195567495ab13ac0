"""``segmentd serve`` as a user runs it: first-run set-up, probes, a request, clean SIGTERM."""

from __future__ import annotations

import collections
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.live import free_port


def test_serve__fresh_data_dir__prints_token_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEGMENTD_")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "segmentd",
            "--data-dir",
            str(tmp_path),
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "segmentd serve did not become ready"
            time.sleep(0.1)
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    # uvicorn finishes its graceful shutdown, then re-raises SIGTERM (exit by that signal,
    # which service managers count as a clean stop).
    assert process.returncode in (0, -signal.SIGTERM), err
    assert "Application shutdown complete" in err
    token = re.search(r"Admin access token \(shown once\): (api-\S+)", out)
    assert token is not None, out
    assert f"curl -X POST {base}/api/v2/segments/default/production" in out
    assert re.search(r"GET /healthz 200 [0-9.]+ms id=[0-9a-f]{32}", err), err


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _serving_process(client: socket.socket, server_port: int, pids: set[int]) -> int | None:
    """Which of ``pids`` holds the server end of ``client``'s connection (Linux /proc)."""
    client_port = client.getsockname()[1]
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = (int(a.split(":")[1], 16) for a in fields[1:3])
        if local == server_port and remote == client_port:
            inode = fields[9]
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
    return None


@pytest.mark.skipif(sys.platform != "linux", reason="SO_REUSEPORT spreads connections on Linux")
def test_serve__two_workers__each_accepts_connections_of_its_own(tmp_path: Path) -> None:
    """``--workers 2``: each worker listens on its own socket of one SO_REUSEPORT group, so
    new connections reach both (on one shared socket one worker could take them all)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEGMENTD_")}
    command = [sys.executable, "-m", "segmentd", "--data-dir", str(tmp_path), "serve"]
    process = subprocess.Popen(
        [*command, "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while len(_children(process.pid) - {process.pid}) < 2 or not _ready(port):
            assert process.poll() is None
            assert time.monotonic() < deadline, "the workers did not become ready"
            time.sleep(0.2)
        workers = _children(process.pid)  # the workers (and multiprocessing's helper)
        # A burst, as a load balancer or wrk opens its keep-alive connections: all connect
        # first, then each sends one request.
        clients = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(40)]
        served = []
        for client in clients:
            with client:
                client.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                assert b" 200 " in client.recv(4096)
                served.append(_serving_process(client, port, workers))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    counts = collections.Counter(served)
    assert None not in counts
    assert len(counts) == 2, counts  # 40 connections, both workers
    assert min(counts.values()) >= 5, counts


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.skipif(sys.platform != "linux", reason="SO_REUSEPORT spreads connections on Linux")
def test_serve__two_workers_on_a_port_another_two_workers_serve__exit_14(tmp_path: Path) -> None:
    """The workers' SO_REUSEPORT group is not joined by a second server of the same user
    (it would get a share of the first one's clients)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEGMENTD_")}
    serve = [sys.executable, "-m", "segmentd", "serve", "--port", str(port), "--workers", "2"]
    first = subprocess.Popen(
        [*serve[:3], "--data-dir", str(tmp_path / "a"), *serve[3:]],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while len(_children(first.pid)) < 2 or not _ready(port):
            assert first.poll() is None
            assert time.monotonic() < deadline, "the workers did not become ready"
            time.sleep(0.2)
        second = subprocess.run(
            [*serve[:3], "--data-dir", str(tmp_path / "b"), *serve[3:]],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=30)
    assert second.returncode == 14, second.stderr
    assert "Address already in use" in second.stderr
    assert not (tmp_path / "b").exists()  # refused before start-up
