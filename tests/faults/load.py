"""A steady write load over HTTP that records every answer, for fault tests.

Each worker thread creates segments with unique keys as fast as the server answers and
records ``(time, status, key, body)``; the test then checks which statuses occurred while a
fault was on and that every acknowledged key is in the database afterwards.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field

import httpx
import orjson

SEGMENTS = "/api/v2/segments/default/production"


@dataclass(frozen=True, slots=True)
class Answer:
    at: float
    status: int  # 0: no HTTP answer (connection refused or reset)
    key: str
    body: bytes
    #: When the request was sent (``at`` is when its answer arrived).
    sent: float = 0.0


@dataclass
class WriteLoad:
    base_url: str
    token: str
    threads: int = 4
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        for n in range(self.threads):
            worker = threading.Thread(target=self._run, args=(n,), daemon=True)
            worker.start()
            self._workers.append(worker)

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=30)

    def _run(self, worker: int) -> None:
        headers = {"Authorization": self.token}
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=30) as client:
            n = 0
            while not self._stop.is_set():
                n += 1
                key = f"w{worker}-{n}"
                sent = time.monotonic()
                try:
                    response = client.post(SEGMENTS, json={"key": key, "name": key})
                    answer = Answer(
                        time.monotonic(), response.status_code, key, response.content, sent
                    )
                except httpx.TransportError:
                    answer = Answer(time.monotonic(), 0, key, b"", sent)
                    time.sleep(0.02)  # the server is gone: do not spin
                with self._lock:
                    self.answers.append(answer)

    def acknowledged(self) -> set[str]:
        """Keys the server answered 201 for."""
        return {a.key for a in self.answers if a.status == 201}

    def statuses(self, start: float = 0.0, end: float = float("inf")) -> dict[int, int]:
        """Answers to requests sent at or after ``start`` that arrived before ``end`` (a request
        sent before ``start`` may have committed then, its answer arriving later)."""
        counts: dict[int, int] = {}
        for answer in self.answers:
            if start <= answer.sent and answer.at < end:
                counts[answer.status] = counts.get(answer.status, 0) + 1
        return counts


def stored_keys(database_url: str) -> set[str]:
    """Every live segment key in the database (read directly, not through segmentd)."""
    import sqlalchemy as sa

    from segmentd.store import schema
    from segmentd.store.engines import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            t = schema.segments
            rows = connection.execute(sa.select(t.c.key).where(t.c.deleted.is_(False)))
            return {row.key for row in rows}
    finally:
        engine.dispose()


def report(test: str, **figures: object) -> None:
    """Write a test's figures to stderr (shown with ``pytest -s``; docs/reliability.md
    quotes them)."""
    sys.stderr.write(
        f"\nFIGURES {test}: {orjson.dumps(figures, option=orjson.OPT_NON_STR_KEYS).decode()}\n"
    )
