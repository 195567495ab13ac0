"""One writer at a time on a SQLite file, across the threads and processes that share it.

SQLite lets one transaction write at a time. A writer that finds the file locked sleeps and
polls (``busy_timeout``), in sleeps that grow to 100 ms, so under contention most of a
writer's wait is spent asleep after the lock was already free. :class:`SqliteWriterLock`
queues writers instead: threads of this process on a re-entrant lock, and processes on an
exclusive ``flock`` of ``<database>.writelock`` taken while holding it. The kernel wakes the
next waiter as soon as the holder lets go, and releases the lock of a process that dies.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class SqliteWriterLock:
    """Serialises SQLite writers; ``path`` is ``None`` for an in-memory database (threads only).

    Re-entrant within a thread: the file lock is taken by the outermost ``acquire`` and
    released by the matching ``release``.
    """

    def __init__(self, path: str | None) -> None:
        self.path = None if path is None else f"{path}.writelock"
        self._threads = threading.RLock()
        self._depth = 0
        self._fd = -1

    def acquire(self) -> None:
        self._threads.acquire()
        if self._depth == 0 and self.path is not None:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                except BaseException:
                    os.close(fd)
                    raise
            except BaseException:
                self._threads.release()
                raise
            self._fd = fd
        self._depth += 1

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd >= 0:
            fd, self._fd = self._fd, -1
            os.close(fd)  # closing the only descriptor releases the flock
        self._threads.release()

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock for the block (writes outside a unit of work, e.g. the change relay)."""
        self.acquire()
        try:
            yield
        finally:
            self.release()
