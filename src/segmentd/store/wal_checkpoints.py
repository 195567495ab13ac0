"""SQLite WAL checkpoints in a background thread, not inside a request's commit.

In WAL mode a commit appends pages to ``<database>-wal``; a *checkpoint* copies them back
into the database file and syncs it. By default SQLite runs one inside whichever commit
takes the log past 1,000 pages, so every ~70th segment create paid for the copy and an
``fsync``: measured on the benchmark machine, commits took 56 µs at the median but 13-20 ms
at the worst, and with the fast lane writing on the event loop that stall held up every
connection (the create's p99). A serving process turns automatic checkpoints off on its own
connections and runs ``PRAGMA wal_checkpoint(PASSIVE)`` every ``interval`` seconds on a
connection of its own, in a thread: the driver releases the GIL while SQLite copies and
syncs, so requests go on meanwhile. ``PASSIVE`` never waits for readers or writers; what
it cannot copy yet is copied by the next pass, and once the log is fully copied the next
writer starts it again from the beginning, so the file stays small.

Several processes (``serve --workers N``) each run one; SQLite lets one checkpoint run at
a time and the others report themselves busy, which is not an error. Durability is
unchanged: a committed transaction is in the log either way (``synchronous=NORMAL``).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger("segmentd.store")

#: Seconds between checkpoint passes: at 1,000 creates a second, about 2,000 log pages.
DEFAULT_INTERVAL = 0.2


def _no_automatic_checkpoints(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


class WalCheckpointer:
    """Checkpoints one SQLite database file's write-ahead log from a background thread."""

    def __init__(self, engine: Engine, *, interval: float = DEFAULT_INTERVAL) -> None:
        database = engine.url.database
        if engine.dialect.name != "sqlite" or not database or database == ":memory:":
            raise ValueError("background checkpoints need a SQLite database file")
        self._engine = engine
        self._database = database
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: Passes that copied the whole log (for tests and diagnostics).
        self.completed = 0

    def start(self) -> None:
        """Turn automatic checkpoints off on the engine's connections, then start passes."""
        if self._thread is not None:
            return
        event.listen(self._engine, "connect", _no_automatic_checkpoints)
        self._engine.dispose()  # pooled connections opened before keep their setting
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name="segmentd-wal-checkpoints", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop the passes after a last one; new connections checkpoint automatically again."""
        thread = self._thread
        if thread is None:
            return
        self._stop.set()
        thread.join()
        self._thread = None
        event.remove(self._engine, "connect", _no_automatic_checkpoints)
        self._engine.dispose()

    def _run(self) -> None:
        connection = sqlite3.connect(self._database, isolation_level=None)
        try:
            while not self._stop.wait(self._interval):
                self.checkpoint(connection)
            self.checkpoint(connection)
        finally:
            connection.close()

    def checkpoint(self, connection: sqlite3.Connection) -> None:
        """One ``PASSIVE`` pass; a failure is logged and the next pass tries again."""
        try:
            busy, frames, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as error:
            log.warning("WAL checkpoint failed: %s", error)
            return
        if not busy and frames == copied:
            self.completed += 1
