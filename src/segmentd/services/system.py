"""The real clock and id source; tests inject fixed ones through the same Protocols."""

from __future__ import annotations

import secrets
import time
import uuid


class SystemClock:
    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class RandomIds:
    def new_id(self) -> str:
        return secrets.token_hex(12)

    def new_secret(self, prefix: str) -> str:
        # ``sdk-<uuid>``-style keys use only [A-Za-z0-9-], which SDKs accept
        # (docs/sdk-feed.md §sdk-keys).
        return f"{prefix}-{uuid.uuid4()}"
