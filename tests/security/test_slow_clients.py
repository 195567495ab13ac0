"""500 clients sending their headers one byte at a time do not stop the server serving others.

A real ``segmentd serve`` process; 500 sockets each send a request line and headers one byte
every 0.2 s (slowloris) from one thread, while a normal client times ordinary requests. The
event loop holds each slow connection as a few KiB of buffered input and keeps answering.
"""

from __future__ import annotations

import contextlib
import socket
import statistics
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.faults.load import report
from tests.faults.server import SegmentdProcess

SLOW_CLIENTS = 500
SLOW_SECONDS = 8.0


def _drip(port: int, stop: threading.Event, opened: list[socket.socket]) -> None:
    """Open the slow connections and feed each one byte per round until ``stop``."""
    head = b"GET /api/v2/projects HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 4000
    for _ in range(SLOW_CLIENTS):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.setblocking(False)
        opened.append(sock)
    position = 0
    while not stop.is_set():
        for sock in opened:
            with contextlib.suppress(OSError):
                sock.send(head[position % len(head) : position % len(head) + 1])
        position += 1
        stop.wait(0.2)


@pytest.mark.slow
def test_500_slow_header_clients__normal_requests_still_answer_promptly(tmp_path: Path) -> None:
    server = SegmentdProcess(tmp_path, env={"SEGMENTD_LOG_LEVEL": "WARNING"})
    token = server.admin_token()
    server.start()
    stop = threading.Event()
    opened: list[socket.socket] = []
    try:
        with httpx.Client(base_url=server.base_url, headers={"Authorization": token}) as http:
            baseline = [_timed(http) for _ in range(30)]
            dripper = threading.Thread(target=_drip, args=(server.port, stop, opened))
            dripper.start()
            while len(opened) < SLOW_CLIENTS and dripper.is_alive():
                time.sleep(0.05)
            under_attack = []
            deadline = time.monotonic() + SLOW_SECONDS
            while time.monotonic() < deadline:
                under_attack.append(_timed(http))
                time.sleep(0.05)
            # the slow connections are still open (the server did not simply drop them)
            still_open = sum(1 for sock in opened if _is_open(sock))
    finally:
        stop.set()
        for sock in opened:
            sock.close()
        server.stop()
    assert len(opened) == SLOW_CLIENTS
    assert max(under_attack) < 2.0, under_attack
    report(
        "slow_clients",
        slow_clients=SLOW_CLIENTS,
        slow_connections_still_open=still_open,
        normal_requests=len(under_attack),
        baseline_p50_ms=round(statistics.median(baseline) * 1000, 1),
        under_attack_p50_ms=round(statistics.median(under_attack) * 1000, 1),
        under_attack_max_ms=round(max(under_attack) * 1000, 1),
    )


def _timed(http: httpx.Client) -> float:
    started = time.perf_counter()
    response = http.get("/api/v2/projects")
    assert response.status_code == 200
    return time.perf_counter() - started


def _is_open(sock: socket.socket) -> bool:
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
