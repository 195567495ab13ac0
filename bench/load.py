"""A small asyncio HTTP/1.1 keep-alive load generator (stdlib only).

Why not httpx: on this 2-core machine ``httpx.AsyncClient`` tops out well below
what we need from a generator that shares the machine with the server under
test (see ``bench/load_selftest.py``). This client does the minimum: one
persistent TCP connection per worker, requests written as raw bytes, responses
parsed just enough to frame them (Content-Length, chunked, or close-delimited).

Usage::

    from bench.load import run_load, run_load_sync, json_body

    def make(i: int):
        return ("POST", f"{base}/api/admin/segments", headers,
                json_body({"name": f"seg-{i}", "constraints": []}))

    result = run_load_sync(make, connections=8, duration=10.0)
    print(result.summary())

Only plain ``http://`` URLs are supported, and every request of one run must go
to the same host and port (the origin of the first request).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

Headers = Mapping[str, str] | Sequence[tuple[str, str]]
Body = bytes | str | None
Request = tuple[str, str, Headers | None, Body]
RequestFactory = Callable[[int], Request]

_MAX_ERROR_SAMPLES = 10


@dataclass(frozen=True)
class LoadResult:
    """Outcome of one :func:`run_load` call.

    ``count`` is every request that finished (with a response or an error);
    ``errors`` counts transport errors/timeouts plus responses with status >= 400;
    ``rps`` is ``count / seconds``; latency percentiles are over responses
    received (any status), in milliseconds. ``cpu_seconds`` is the CPU time this
    process used during the run: ``count / cpu_seconds`` is roughly what the
    generator could push if it had a core to itself.
    """

    count: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    status_counts: dict[int, int]
    p90_ms: float = 0.0
    max_ms: float = 0.0
    cpu_seconds: float = 0.0
    error_samples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> int:
        return self.count - self.errors

    def summary(self) -> str:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.status_counts.items()))
        return (
            f"{self.count} requests in {self.seconds:.2f}s = {self.rps:.0f} req/s, "
            f"errors {self.errors}, p50 {self.p50_ms:.2f} ms, p90 {self.p90_ms:.2f} ms, "
            f"p99 {self.p99_ms:.2f} ms, max {self.max_ms:.2f} ms, "
            f"client cpu {self.cpu_seconds:.2f}s, statuses {{{statuses}}}"
        )


def json_body(obj: object) -> bytes:
    """Compact JSON encoding for request bodies."""
    return json.dumps(obj, separators=(",", ":")).encode()


class HttpProtocolError(Exception):
    pass


def _percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (0 for an empty list)."""
    if not sorted_values:
        return 0.0
    rank = max(1, -(-len(sorted_values) * q // 100))  # ceil without floats drifting
    return sorted_values[min(len(sorted_values), int(rank)) - 1]


class _Origin:
    """The single host:port that a run talks to, and fast URL -> path splitting."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"only http:// URLs are supported, got {url!r}")
        self.host: str = parts.hostname
        self.port: int = parts.port or 80
        self.prefix = f"http://{parts.netloc}"
        self.host_header = parts.netloc.encode("latin-1")

    def path_of(self, url: str) -> str:
        if url.startswith(self.prefix):
            path = url[len(self.prefix) :]
            if not path:
                return "/"
            if path[0] == "/":
                return path
        parts = urlsplit(url)
        if f"http://{parts.netloc}" != self.prefix:
            raise ValueError(f"all requests must go to {self.prefix}, got {url!r}")
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _encode_request(
    origin: _Origin, method: str, url: str, headers: Headers | None, body: Body
) -> bytes:
    payload = body.encode() if isinstance(body, str) else body
    lines = [
        f"{method} {origin.path_of(url)} HTTP/1.1".encode("latin-1"),
        b"Host: " + origin.host_header,
    ]
    items = headers.items() if isinstance(headers, Mapping) else (headers or ())
    for name, value in items:
        lines.append(f"{name}: {value}".encode("latin-1"))
    if payload is not None or method in ("POST", "PUT", "PATCH"):
        lines.append(b"Content-Length: %d" % len(payload or b""))
    lines.append(b"\r\n")
    return b"\r\n".join(lines) + (payload or b"")


class _Connection:
    """One persistent HTTP/1.1 connection; reconnects lazily after a close."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes, head_only: bool) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(raw)
        status, keep_alive = await _read_response(self.reader, head_only)
        if not keep_alive:
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _read_response(reader: asyncio.StreamReader, head_only: bool) -> tuple[int, bool]:
    while True:
        head = await reader.readuntil(b"\r\n\r\n")
        try:
            status = int(head[9:12])
        except ValueError:
            raise HttpProtocolError(f"bad status line {head[:40]!r}") from None
        if status >= 200 or status == 101:
            break  # 1xx interim responses (100 Continue) are skipped
    length, chunked, keep_alive = _framing(head)
    if head_only or status in (204, 304):
        return status, keep_alive
    if chunked:
        await _skip_chunked(reader)
    elif length >= 0:
        await reader.readexactly(length)
    else:
        await reader.read()  # close-delimited body
        keep_alive = False
    return status, keep_alive


def _framing(head: bytes) -> tuple[int, bool, bool]:
    """(content_length or -1, chunked, keep_alive) from a response head."""
    length = -1
    chunked = False
    keep_alive = head[5:8] == b"1.1"
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            token = value.strip().lower()
            keep_alive = token != b"close" and (keep_alive or token == b"keep-alive")
    return length, chunked, keep_alive


async def _skip_chunked(reader: asyncio.StreamReader) -> None:
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0], 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                pass
            return
        await reader.readexactly(size + 2)


class _RunState:
    def __init__(self, total: int | None, deadline: float | None) -> None:
        self.next_index = 0
        self.total = total
        self.deadline = deadline
        self.latencies: list[float] = []
        self.status_counts: Counter[int] = Counter()
        self.errors = 0
        self.transport_errors = 0
        self.error_samples: list[str] = []

    def take_index(self) -> int | None:
        if self.total is not None and self.next_index >= self.total:
            return None
        if self.deadline is not None and time.perf_counter() >= self.deadline:
            return None
        index = self.next_index
        self.next_index += 1
        return index

    def record_error(self, message: str) -> None:
        self.errors += 1
        if len(self.error_samples) < _MAX_ERROR_SAMPLES:
            self.error_samples.append(message)


async def _worker(
    state: _RunState,
    make_request: RequestFactory,
    origin_box: list[_Origin],
    timeout: float,
) -> None:
    conn: _Connection | None = None
    perf = time.perf_counter
    try:
        while (index := state.take_index()) is not None:
            method, url, headers, body = make_request(index)
            if not origin_box:
                origin_box.append(_Origin(url))
            origin = origin_box[0]
            raw = _encode_request(origin, method, url, headers, body)
            if conn is None:
                conn = _Connection(origin.host, origin.port)
            started = perf()
            try:
                async with asyncio.timeout(timeout):
                    status = await conn.request(raw, method == "HEAD")
            except (
                OSError,
                EOFError,
                TimeoutError,
                asyncio.IncompleteReadError,
                asyncio.LimitOverrunError,
                HttpProtocolError,
                ValueError,
            ) as exc:
                conn.close()
                state.transport_errors += 1
                state.record_error(f"#{index} {method} {url}: {type(exc).__name__}: {exc}")
                continue
            state.latencies.append((perf() - started) * 1000.0)
            state.status_counts[status] += 1
            if status >= 400:
                state.record_error(f"#{index} {method} {url}: HTTP {status}")
    finally:
        if conn is not None:
            conn.close()


async def run_load(
    make_request: RequestFactory,
    *,
    connections: int,
    total: int | None = None,
    duration: float | None = None,
    timeout: float = 10.0,
) -> LoadResult:
    """Send requests from ``make_request(0)``, ``make_request(1)``, ... over
    ``connections`` keep-alive connections, each with at most one request in flight.

    Stops after ``total`` requests or after ``duration`` seconds (no new request is
    started after the deadline; those in flight finish), whichever comes first; at
    least one of the two is required. ``timeout`` bounds each request (seconds).
    ``make_request`` returns ``(method, url, headers, body)``; body may be bytes, str
    or None. Indexes are handed out in increasing order across all connections.
    """
    if connections < 1:
        raise ValueError("connections must be >= 1")
    if total is None and duration is None:
        raise ValueError("give total=, duration= or both")
    started = time.perf_counter()
    cpu_started = time.process_time()
    state = _RunState(total, started + duration if duration is not None else None)
    origin_box: list[_Origin] = []
    workers = [
        asyncio.create_task(_worker(state, make_request, origin_box, timeout))
        for _ in range(connections)
    ]
    # Hard stop: a run never outlives its duration + one request timeout (+ slack).
    hard_limit = None if duration is None else duration + timeout + 5.0
    try:
        _done, pending = await asyncio.wait(workers, timeout=hard_limit)
        if pending:  # only past the hard limit; requests cut off there are not counted
            state.record_error(f"hard time limit hit with {len(pending)} connection(s) busy")
    finally:
        for task in workers:
            task.cancel()
        results = await asyncio.gather(*workers, return_exceptions=True)
    for outcome in results:
        if isinstance(outcome, Exception):  # a bug in make_request, say: don't hide it
            raise outcome
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    latencies = sorted(state.latencies)
    count = len(latencies) + state.transport_errors
    return LoadResult(
        count=count,
        errors=state.errors,
        seconds=seconds,
        rps=count / seconds if seconds > 0 else 0.0,
        p50_ms=_percentile(latencies, 50),
        p99_ms=_percentile(latencies, 99),
        status_counts=dict(state.status_counts),
        p90_ms=_percentile(latencies, 90),
        max_ms=latencies[-1] if latencies else 0.0,
        cpu_seconds=cpu_seconds,
        error_samples=list(state.error_samples),
    )


def run_load_sync(
    make_request: RequestFactory,
    *,
    connections: int,
    total: int | None = None,
    duration: float | None = None,
    timeout: float = 10.0,
) -> LoadResult:
    """:func:`run_load` in a fresh event loop (for scripts that are not async)."""
    return asyncio.run(
        run_load(
            make_request, connections=connections, total=total, duration=duration, timeout=timeout
        )
    )
