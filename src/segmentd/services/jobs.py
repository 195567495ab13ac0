"""A small background worker pool for long jobs (imports, exports, old-generation cleanup).

Started by whoever runs the server (the app lifespan, ``segmentd serve``), never at import.
Jobs submitted before ``start()`` wait and run once it is called.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger("segmentd.jobs")

Job = Callable[[], None]


class JobRunner:
    def __init__(self, workers: int = 2) -> None:
        self._workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self._pending: list[Job] = []
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self._executor is not None

    def submit(self, job: Job) -> None:
        """Run ``job`` in the background; an exception is logged, never propagated."""
        with self._lock:
            if self._executor is None:
                self._pending.append(job)
                return
            future = self._executor.submit(job)
        future.add_done_callback(_log_failure)

    def start(self) -> None:
        with self._lock:
            if self._executor is not None:
                return
            self._executor = ThreadPoolExecutor(self._workers, thread_name_prefix="segmentd-job")
            pending, self._pending = self._pending, []
        for job in pending:
            self.submit(job)

    def stop(self, *, wait: bool = True) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=wait, cancel_futures=not wait)


def _log_failure(future: Future[None]) -> None:
    error = future.exception()
    if error is not None:
        log.error("background job failed", exc_info=error)
