"""Deterministic stand-ins for the clock and the id source (same Protocols as the real ones)."""

from __future__ import annotations

import itertools
import threading


class FixedClock:
    def __init__(self, start_ms: int = 1_767_225_600_000) -> None:
        self.ms = start_ms

    def now_ms(self) -> int:
        return self.ms

    def advance(self, ms: int) -> None:
        self.ms += ms


class SequentialIds:
    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def _next(self) -> int:
        with self._lock:
            return next(self._counter)

    def new_id(self) -> str:
        return f"{self._next():024x}"

    def new_secret(self, prefix: str) -> str:
        return f"{prefix}-{self._next():032x}"
