"""Per-token request counting in fixed 10-second windows, as LaunchDarkly's limits are counted.

Counts are per process: with several instances each enforces the limit on its own share.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

WINDOW_MS = 10_000
#: Keys kept before the counts of past windows are dropped.
MAX_KEYS = 100_000


@dataclass(frozen=True, slots=True)
class Quota:
    allowed: bool
    limit: int
    remaining: int
    reset_ms: int

    def headers(self) -> dict[str, str]:
        return {
            "X-Ratelimit-Auth-Token-Limit": str(self.limit),
            "X-Ratelimit-Auth-Token-Remaining": str(self.remaining),
            "X-Ratelimit-Auth-Token-Reset": str(self.reset_ms),
        }

    def retry_after_seconds(self, now_ms: int) -> int:
        return max(1, -(-(self.reset_ms - now_ms) // 1000))


class RateLimiter:
    """Fixed-window counter per key; ``limit == 0`` turns limiting off.

    Keys are ids of authenticated tokens (an invalid token is refused before it is counted),
    so the map is bounded by the tokens that exist; past ``MAX_KEYS`` entries, the counts of
    past windows are dropped when a new key arrives, and if the current window alone holds
    that many, all counts are.
    """

    def __init__(self, limit: int, *, now_ms: Callable[[], int] | None = None) -> None:
        self.limit = limit
        self._now_ms = now_ms or (lambda: time.time_ns() // 1_000_000)
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}

    def now(self) -> int:
        return int(self._now_ms())

    def hit(self, key: str) -> Quota | None:
        """Count one request for ``key``; ``None`` when limiting is off."""
        if self.limit <= 0:
            return None
        now = self.now()
        window = now - now % WINDOW_MS
        with self._lock:
            start, count = self._windows.get(key, (window, 0))
            if start != window:
                start, count = window, 0
            if key not in self._windows and len(self._windows) >= MAX_KEYS:
                self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
                if len(self._windows) >= MAX_KEYS:
                    self._windows = {}
            count += 1
            self._windows[key] = (start, count)
        return Quota(
            allowed=count <= self.limit,
            limit=self.limit,
            remaining=max(self.limit - count, 0),
            reset_ms=window + WINDOW_MS,
        )
