"""Per-token rate limiting in 10-second windows (SEGMENTD_RATE_LIMIT)."""

from __future__ import annotations

from pathlib import Path

import httpx

from segmentd.api.ratelimit import RateLimiter
from segmentd.bootstrap import build_services
from segmentd.config import Settings
from segmentd.services.first_run import initialise_if_empty
from tests.fixed import FixedClock
from tests.live import serve_in_thread


def test_rate_limit__over_limit__429_with_headers(tmp_path: Path) -> None:
    clock = FixedClock(1_767_225_603_000)  # 3 s into a 10-second window
    services = build_services(Settings(data_dir=tmp_path, rate_limit=3), clock=clock)
    first = initialise_if_empty(services.uow, services.projects, services.access)
    assert first is not None
    with serve_in_thread(services, first.secret) as live:
        headers = {"Authorization": first.secret}
        answers = [httpx.get(live.base_url + "/api/v2/projects", headers=headers) for _ in range(4)]
    services.close()
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["x-ratelimit-auth-token-limit"] == "3"
    assert answers[0].headers["x-ratelimit-auth-token-remaining"] == "2"
    limited = answers[3]
    assert limited.json()["code"] == "rate_limited"
    assert limited.headers["x-ratelimit-auth-token-remaining"] == "0"
    assert int(limited.headers["x-ratelimit-auth-token-reset"]) == 1_767_225_610_000
    assert limited.headers["retry-after"] == "7"


def test_rate_limiter__new_window__counts_again() -> None:
    now = [10_000]
    limiter = RateLimiter(1, now_ms=lambda: now[0])
    first, second = limiter.hit("t"), limiter.hit("t")
    assert first is not None
    assert first.allowed
    assert second is not None
    assert not second.allowed
    now[0] += 10_000
    third = limiter.hit("t")
    assert third is not None
    assert third.allowed
    assert third.reset_ms == 30_000


def test_rate_limiter__zero__off() -> None:
    assert RateLimiter(0).hit("t") is None
