"""SQLite upkeep in a background thread: WAL checkpoints, and the planner's statistics.

**Checkpoints, not inside a request's commit.**
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

**Statistics.** SQLite plans a query from its indexes alone until ``ANALYZE`` has stored
statistics (``sqlite_stat1``), which nothing ran: the count of a ``tags`` filter walked all
of an environment's segments (10,000: 4.2 ms) instead of the few hundred tagged ones
(1.4 ms), a plan SQLite picks by itself once it knows that a tag holds fewer rows than an
environment. The upkeep thread runs an approximate ``ANALYZE`` (``analysis_limit``: a few
hundred rows per index, so milliseconds even beside a million-row big segment) when the
process starts serving and again every ``analyze_every`` seconds if the database changed,
as PostgreSQL's autovacuum does. It takes the writers' lock (:class:`SqliteWriterLock`)
like any writer.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from segmentd.store.engines import sqlite_file
from segmentd.store.writer_lock import SqliteWriterLock

log = logging.getLogger("segmentd.store")

#: Seconds between checkpoint passes: at 1,000 creates a second, about 2,000 log pages.
DEFAULT_INTERVAL = 0.2
#: Seconds between statistics passes (each only if the database changed meanwhile).
DEFAULT_ANALYZE_EVERY = 600.0
#: Rows ``ANALYZE`` reads per index (SQLite's own suggestion is 100-1,000).
ANALYSIS_LIMIT = 400


def _no_automatic_checkpoints(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


class SqliteMaintenance:
    """Checkpoints one SQLite database file's write-ahead log and keeps its statistics, from
    a background thread."""

    def __init__(
        self,
        engine: Engine,
        *,
        writer_lock: SqliteWriterLock | None = None,
        interval: float = DEFAULT_INTERVAL,
        analyze_every: float = DEFAULT_ANALYZE_EVERY,
    ) -> None:
        database = sqlite_file(engine)
        if database is None:
            raise ValueError("background upkeep needs a SQLite database file")
        self._engine = engine
        self._database = database
        self._writer_lock = writer_lock
        self._interval = interval
        self._analyze_every = analyze_every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: Passes that copied the whole log, and statistics passes (for tests, diagnostics).
        self.completed = 0
        self.analyzed = 0

    def start(self) -> None:
        """Turn automatic checkpoints off on the engine's connections, then start passes."""
        if self._thread is not None:
            return
        event.listen(self._engine, "connect", _no_automatic_checkpoints)
        self._engine.dispose()  # pooled connections opened before keep their setting
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name="segmentd-sqlite-upkeep", daemon=True
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
            connection.execute("PRAGMA busy_timeout=10000")
            connection.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
            analyzed_at, seen = time.monotonic(), self._data_version(connection)
            self.analyze(connection)
            while not self._stop.wait(self._interval):
                self.checkpoint(connection)
                if time.monotonic() - analyzed_at >= self._analyze_every:
                    analyzed_at, version = time.monotonic(), self._data_version(connection)
                    if version != seen:
                        seen = version
                        self.analyze(connection)
            self.checkpoint(connection)
        finally:
            connection.close()

    @staticmethod
    def _data_version(connection: sqlite3.Connection) -> int | None:
        """Changes when another connection commits (``PRAGMA data_version``)."""
        try:
            return int(connection.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            return None

    def analyze(self, connection: sqlite3.Connection) -> None:
        """One approximate ``ANALYZE`` under the writers' lock; a failure is logged."""
        if self._writer_lock is not None:
            self._writer_lock.acquire()
        try:
            connection.execute("ANALYZE")
        except sqlite3.Error as error:
            log.warning("ANALYZE failed: %s", error)
            return
        finally:
            if self._writer_lock is not None:
                self._writer_lock.release()
        self.analyzed += 1

    def checkpoint(self, connection: sqlite3.Connection) -> None:
        """One ``PASSIVE`` pass; a failure is logged and the next pass tries again."""
        try:
            busy, frames, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as error:
            log.warning("WAL checkpoint failed: %s", error)
            return
        if not busy and frames == copied:
            self.completed += 1
