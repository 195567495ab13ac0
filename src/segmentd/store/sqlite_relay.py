"""Carry committed changes between the worker processes of one SQLite deployment.

``segmentd serve --workers N`` runs N processes over one SQLite file; an SDK stream held by
one worker must see a change written through another. :class:`SqliteChangeNotifier`
publishes to the local hub at once and has a background thread append the change to
``change_log`` (one transaction for all changes queued meanwhile); one
:class:`SqliteChangePoller` thread per process reads rows newer than the last it saw every
``interval`` seconds and publishes those of other processes. Rows older than
``keep_seconds`` are pruned. (PostgreSQL deployments use :mod:`segmentd.store.notify`.)
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import nullcontext

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from segmentd.services.changes import ChangeHub
from segmentd.services.ports import CHANGE_KINDS, ItemChange
from segmentd.store import schema
from segmentd.store.engines import IMMEDIATE
from segmentd.store.writer_lock import SqliteWriterLock

log = logging.getLogger("segmentd.relay")

change_log = schema.change_log
INSERT_CHANGE = change_log.insert()


class SqliteChangeNotifier:
    """A ``ChangeNotifier``: local hub first, then a ``change_log`` row for other workers.

    Rows are written by one background thread per process, all rows queued since its last
    write in one transaction: the request that made the change does not wait for a second
    write, and under load many changes share a commit. Other workers poll every ``interval``
    seconds anyway, so the extra delay is not noticeable. ``flush`` waits for the rows
    queued so far; ``close`` writes what is queued and stops the thread.
    """

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
        self._pending: list[dict[str, object]] = []
        self._queued = 0
        self._written = 0
        self._closing = False
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def publish(self, change: ItemChange) -> None:
        self._hub.publish(change)
        row: dict[str, object] = {
            "origin": self.origin,
            "environment_id": change.environment_id,
            "kind": change.kind,
            "item_key": change.key,
            "version": change.version,
            "created_at": int(time.time() * 1000),
        }
        with self._wake:
            if self._closing:
                self._write([row])  # late change during shutdown: write it here
                return
            self._pending.append(row)
            self._queued += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="segmentd-relay-writer", daemon=True
                )
                self._thread.start()
            self._wake.notify_all()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until the rows queued so far are written; ``False`` on timeout."""
        with self._wake:
            target = self._queued
            return self._wake.wait_for(lambda: self._written >= target, timeout)

    def close(self) -> None:
        with self._wake:
            self._closing = True
            self._wake.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self._wake:
                self._wake.wait_for(lambda: bool(self._pending) or self._closing)
                rows, self._pending = self._pending, []
                if not rows:
                    return  # closing with nothing left
            self._write(rows)
            with self._wake:
                self._written += len(rows)
                self._wake.notify_all()

    def _write(self, rows: list[dict[str, object]]) -> None:
        try:
            lock = self._writer_lock.held() if self._writer_lock else nullcontext()
            with lock, self._engine.connect() as connection:
                connection = connection.execution_options(**{IMMEDIATE: True})
                with connection.begin():
                    connection.execute(INSERT_CHANGE, rows)
        except Exception:
            log.exception("could not log %d changes for the other workers", len(rows))


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
                sa.select(sa.func.coalesce(sa.func.max(change_log.c.seq), 0))
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
                    change_log.c.seq,
                    change_log.c.origin,
                    change_log.c.environment_id,
                    change_log.c.kind,
                    change_log.c.item_key,
                    change_log.c.version,
                )
                .where(change_log.c.seq > self._last)
                .order_by(change_log.c.seq)
            ).all()
        for row in rows:
            self._last = row.seq
            if row.origin != self._origin and row.kind in CHANGE_KINDS:
                self._hub.publish(
                    ItemChange(row.environment_id, row.kind, row.item_key, row.version)
                )

    def _prune(self) -> None:
        cutoff = int(time.time() * 1000) - self._keep_ms
        lock = self._writer_lock.held() if self._writer_lock else nullcontext()
        with lock, self._engine.connect() as connection:
            connection = connection.execution_options(**{IMMEDIATE: True})
            with connection.begin():
                connection.execute(change_log.delete().where(change_log.c.created_at < cutoff))
