"""One writer at a time on a SQLite file, across the threads and processes that share it.

SQLite lets one transaction write at a time. A writer that finds the file locked sleeps and
polls (``busy_timeout``), in sleeps that grow to 100 ms, so under contention most of a
writer's wait is spent asleep after the lock was already free. :class:`SqliteWriterLock`
queues writers instead: threads of this process on a re-entrant lock, and processes on an
exclusive ``flock`` of ``<database>.writelock`` taken while holding it. The kernel wakes the
next waiter as soon as the holder lets go, and releases the lock of a process that dies.

The lock file stays open between writes (opening and closing it per write cost about as
much as the ``flock`` calls themselves). Two things would make that descriptor stop
excluding other processes, and both are checked: a child forked after it was opened shares
its open file description, so a process only uses a descriptor it opened itself; and a lock
file deleted (and perhaps recreated) under it no longer names the file the others lock, so
after each ``flock`` a descriptor whose file has no name any more is replaced.
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
        self._pid = 0  # the process that opened _fd

    def acquire(self) -> None:
        self._threads.acquire()
        if self._depth == 0 and self.path is not None:
            try:
                self._lock_file(self.path)
            except BaseException:
                self._threads.release()
                raise
        self._depth += 1

    def _lock_file(self, path: str) -> None:
        while True:
            if self._fd < 0 or self._pid != os.getpid():
                self._fd = -1  # a forked child leaves its parent's descriptor alone
                self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                self._pid = os.getpid()
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            if os.fstat(self._fd).st_nlink > 0:
                return
            self._close()  # the file was deleted under us: lock the one at the path

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd >= 0:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            except OSError:
                self._close()  # closing the descriptor releases the lock as well
        self._threads.release()

    def _close(self) -> None:
        fd, self._fd = self._fd, -1
        os.close(fd)

    def close(self) -> None:
        """Close the lock file (the next ``acquire`` opens it again)."""
        with self._threads:
            if self._fd >= 0 and self._pid == os.getpid():
                self._close()
            self._fd = -1

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock for the block (writes outside a unit of work, e.g. the change relay)."""
        self.acquire()
        try:
            yield
        finally:
            self.release()
