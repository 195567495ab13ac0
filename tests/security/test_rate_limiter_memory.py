"""Many invalid tokens cannot grow the rate limiter's memory.

The limiter counts requests per *authenticated* token id, after the token was found; an
invalid token is refused with 401 before it reaches the limiter, so no amount of distinct
invalid tokens adds an entry. Valid tokens are bounded by the tokens that exist, and old
windows are dropped once the map passes 100,000 entries.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from pathlib import Path

import httpx
import pytest
from starlette.requests import Request

from segmentd.api import deps
from segmentd.api.app import create_app
from segmentd.api.ratelimit import MAX_KEYS, RateLimiter
from segmentd.bootstrap import build_services
from segmentd.config import Settings
from segmentd.domain.projects.model import Role
from segmentd.errors import Unauthorized
from tests.faults.load import report
from tests.live import LiveServer

INVALID_TOKENS = 100_000


def _request(app: object, authorization: str) -> Request:
    headers = [(b"authorization", authorization.encode())]
    return Request({"type": "http", "app": app, "headers": headers, "method": "GET"})


@pytest.mark.slow
def test_limiter__100000_distinct_invalid_tokens__no_entry_added(tmp_path: Path) -> None:
    services = build_services(Settings(data_dir=tmp_path))
    app = create_app(services)
    limiter: RateLimiter = app.state.limiter
    authorize = deps.authorize(Role.READER)
    valid = services.access.create(name="v", role=Role.READER).secret

    async def run() -> tuple[int, float]:
        await authorize(_request(app, valid))
        before = len(limiter._windows)
        started = time.monotonic()
        refused = 0
        for n in range(INVALID_TOKENS):
            # half look like our tokens (they reach the database), half do not
            token = f"api-{secrets.token_hex(16)}" if n % 2 else secrets.token_hex(20)
            try:
                await authorize(_request(app, token))
            except Unauthorized:
                refused += 1
        assert len(limiter._windows) == before
        return refused, time.monotonic() - started

    try:
        refused, seconds = asyncio.run(run())
    finally:
        services.close()
    assert refused == INVALID_TOKENS
    assert len(limiter._windows) == 1
    report(
        "rate_limiter_invalid_tokens",
        invalid_tokens=INVALID_TOKENS,
        limiter_entries=len(limiter._windows),
        seconds=round(seconds, 1),
    )


def test_limiter__invalid_tokens_over_http__401_and_no_entry(live: LiveServer) -> None:
    limiter: RateLimiter = live.app.state.limiter  # type: ignore[union-attr]
    before = len(limiter._windows)
    with httpx.Client(base_url=live.base_url) as client:
        for _ in range(500):
            bad = {"Authorization": f"api-{secrets.token_hex(16)}"}
            assert client.get("/api/v2/projects", headers=bad).status_code == 401
    assert len(limiter._windows) == before


def test_limiter__full_map_and_new_key_in_new_window__old_windows_dropped() -> None:
    now = [0]
    limiter = RateLimiter(10, now_ms=lambda: now[0])
    for n in range(MAX_KEYS):
        limiter.hit(f"t{n}")
    limiter.hit("t1")
    now[0] += 10_000
    limiter.hit("t2")
    assert len(limiter._windows) == MAX_KEYS
    limiter.hit("fresh")
    assert set(limiter._windows) == {"t2", "fresh"}


def test_limiter__full_map_within_one_window__cleared_not_grown() -> None:
    limiter = RateLimiter(10, now_ms=lambda: 0)
    for n in range(MAX_KEYS + 1):
        limiter.hit(f"t{n}")
    assert len(limiter._windows) == 1
