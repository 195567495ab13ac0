"""Measures the load generator's own ceiling against a trivial local HTTP server.

    /work/main/.venv/bin/python bench/load_selftest.py [--seconds 5] [--connections 8] [--httpx]

The trivial server runs in a child process (so it gets the other core) and
answers every request with a fixed 200 keep-alive response. With ``--httpx``
the same load is also sent with ``httpx.AsyncClient`` for comparison.
Only 127.0.0.1 is used.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import LoadResult, Request, json_body, run_load_sync

_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


class _TrivialHttp(asyncio.Protocol):
    def __init__(self) -> None:
        self.buf = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            length = 0
            for line in self.buf[:end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(self.buf) < end + 4 + length:
                return
            self.buf = self.buf[end + 4 + length :]
            assert self.transport is not None
            self.transport.write(_RESPONSE)


def serve(port: int) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(_TrivialHttp, "127.0.0.1", port, backlog=1024)
        async with server:
            await asyncio.sleep(600)  # bounded lifetime even if the parent dies

    asyncio.run(main())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port}")


async def httpx_load(base: str, connections: int, seconds: float) -> LoadResult:
    import httpx

    count = 0
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=10.0) as client:

        async def worker() -> None:
            nonlocal count
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await client.post(f"{base}/x", content=json_body({"i": count}))
                latencies.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
                count += 1

        started = time.perf_counter()
        cpu = time.process_time()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
    latencies.sort()
    return LoadResult(
        count=count,
        errors=0,
        seconds=elapsed,
        rps=count / elapsed,
        p50_ms=latencies[len(latencies) // 2],
        p99_ms=latencies[int(len(latencies) * 0.99)],
        status_counts={200: count},
        cpu_seconds=cpu,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--httpx", action="store_true", help="also measure httpx.AsyncClient")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    port = free_port()
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port)], env=os.environ.copy()
    )
    try:
        wait_port(port)
        base = f"http://127.0.0.1:{port}"
        headers = {"Content-Type": "application/json", "Authorization": "x"}
        for method in ("GET", "POST"):

            def make(i: int, m: str = method) -> Request:
                body = json_body({"key": f"k{i}"}) if m == "POST" else None
                return (m, f"{base}/segments/{i}", headers, body)

            result = run_load_sync(make, connections=args.connections, duration=args.seconds)
            ceiling = result.count / result.cpu_seconds if result.cpu_seconds else 0
            print(f"raw {method}: {result.summary()}; ~{ceiling:.0f} req/s per client core")
        if args.httpx:
            result = asyncio.run(httpx_load(base, args.connections, args.seconds))
            ceiling = result.count / result.cpu_seconds if result.cpu_seconds else 0
            print(f"httpx POST: {result.summary()}; ~{ceiling:.0f} req/s per client core")
    finally:
        child.terminate()
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


if __name__ == "__main__":
    main()
