"""Carry committed changes between the worker processes of one SQLite deployment.

``segmentd serve --workers N`` runs N processes over one SQLite file; an SDK stream held by
one worker must see a change written through another. :class:`SqliteChangeNotifier`
publishes to the local hub at once and appends the change to ``change_log`` right after
the commit; one :class:`SqliteChangePoller` thread per process reads rows newer than the
last it saw every ``interval`` seconds and publishes those of other processes. Rows older
than ``keep_seconds`` are pruned. (PostgreSQL deployments use :mod:`segmentd.store.notify`.)
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import nullcontext

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from segmentd.services.changes import ChangeHub
from segmentd.services.ports import ItemChange
from segmentd.store import schema
from segmentd.store.engines import IMMEDIATE
from segmentd.store.writer_lock import SqliteWriterLock

log = logging.getLogger("segmentd.relay")

T = schema.change_log
INSERT_CHANGE = T.insert()


class SqliteChangeNotifier:
    """A ``ChangeNotifier``: local hub first, then a ``change_log`` row for other workers."""

    def __init__(
        self,
        engine: Engine,
        hub: ChangeHub,
        origin: str,
        *,
        writer_lock: SqliteWriterLock | None = None,
    ) -> None:
        self._engine = engine
        self._hub = hub
        self.origin = origin
        self._writer_lock = writer_lock

    def publish(self, change: ItemChange) -> None:
        self._hub.publish(change)
        row = {
            "origin": self.origin,
            "environment_id": change.environment_id,
            "kind": change.kind,
            "item_key": change.key,
            "version": change.version,
            "created_at": int(time.time() * 1000),
        }
        try:
            lock = self._writer_lock.held() if self._writer_lock else nullcontext()
            with lock, self._engine.connect() as connection:
                connection = connection.execution_options(**{IMMEDIATE: True})
                with connection.begin():
                    connection.execute(INSERT_CHANGE, row)
        except Exception:
            log.exception("could not log %s for the other workers", change)


class SqliteChangePoller:
    """One thread per process publishing other workers' logged changes into ``hub``."""

    def __init__(
        self,
        engine: Engine,
        hub: ChangeHub,
        origin: str,
        *,
        interval: float = 0.2,
        keep_seconds: float = 600.0,
        writer_lock: SqliteWriterLock | None = None,
    ) -> None:
        self._engine = engine
        self._writer_lock = writer_lock
        self._hub = hub
        self._origin = origin
        self._interval = interval
        self._keep_ms = int(keep_seconds * 1000)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="segmentd-relay", daemon=True)
        self._last = 0

    def start(self) -> None:
        with self._engine.connect() as connection:
            self._last = connection.execute(
                sa.select(sa.func.coalesce(sa.func.max(T.c.seq), 0))
            ).scalar_one()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        polls = 0
        while not self._stop.wait(self._interval):
            try:
                self.poll()
                polls += 1
                if polls % 300 == 0:
                    self._prune()
            except Exception:
                log.exception("change relay poll failed; retrying")

    def poll(self) -> None:
        """Publish the changes other processes logged since the last poll."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                sa.select(
                    T.c.seq, T.c.origin, T.c.environment_id, T.c.kind, T.c.item_key, T.c.version
                )
                .where(T.c.seq > self._last)
                .order_by(T.c.seq)
            ).all()
        for row in rows:
            self._last = row.seq
            if row.origin != self._origin and row.kind in ("segments", "flags"):
                self._hub.publish(
                    ItemChange(row.environment_id, row.kind, row.item_key, row.version)
                )

    def _prune(self) -> None:
        cutoff = int(time.time() * 1000) - self._keep_ms
        lock = self._writer_lock.held() if self._writer_lock else nullcontext()
        with lock, self._engine.connect() as connection:
            connection = connection.execution_options(**{IMMEDIATE: True})
            with connection.begin():
                connection.execute(T.delete().where(T.c.created_at < cutoff))
