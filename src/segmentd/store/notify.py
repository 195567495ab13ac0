"""Carry committed changes between segmentd instances that share one PostgreSQL database.

:class:`PostgresChangeNotifier` publishes a change to the local hub at once and sends it,
right after the commit, as ``NOTIFY segmentd_changes, '<json>'``. Each process runs one
:class:`PostgresChangeListener` thread that ``LISTEN``s on the channel and publishes what
other instances sent into its own hub (its own notifications are recognised by the
instance id and skipped). The listener reconnects after any failure; a change sent while
it was disconnected is missed, so after a reconnection ``on_reconnect`` runs (bootstrap
passes ``FeedService.reset``: caches are dropped and open SDK streams restart with a fresh
``put``).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable

import orjson
import psycopg
from sqlalchemy.engine import Engine

from segmentd.services.changes import ChangeHub
from segmentd.services.ports import CHANGE_KINDS, ItemChange

log = logging.getLogger("segmentd.notify")

CHANNEL = "segmentd_changes"


def encode_change(change: ItemChange, origin: str) -> str:
    return orjson.dumps(
        {
            "o": origin,
            "e": change.environment_id,
            "k": change.kind,
            "i": change.key,
            "v": change.version,
        }
    ).decode()


def decode_change(payload: str) -> tuple[str, ItemChange]:
    data = orjson.loads(payload)
    kind = data["k"]
    if kind not in CHANGE_KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    return data["o"], ItemChange(data["e"], kind, data["i"], int(data["v"]))


class PostgresChangeNotifier:
    """A ``ChangeNotifier``: local hub first, then ``pg_notify`` for the other instances.

    The ``NOTIFY`` goes out on one autocommit driver connection of its own, kept open: one
    round trip per change. Through the engine it cost four (pool checkout with its ping,
    ``BEGIN``, the ``SELECT``, ``COMMIT``) and SQLAlchemy's per-statement work, more than
    the rest of a segment's create. Changes go out one at a time, in the order they were
    published. A connection that fails is replaced once; a change that still cannot be sent
    is logged, as before (the listeners' ``on_reconnect`` covers what they missed).
    """

    def __init__(self, engine: Engine, hub: ChangeHub, origin: str) -> None:
        self._url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._hub = hub
        self.origin = origin
        self._lock = threading.Lock()
        self._connection: psycopg.Connection[tuple[object, ...]] | None = None

    def publish(self, change: ItemChange) -> None:
        self._hub.publish(change)
        payload = encode_change(change, self.origin)
        with self._lock:
            for attempt in (1, 2):
                try:
                    if self._connection is None:
                        self._connection = psycopg.connect(
                            self._url, autocommit=True, connect_timeout=5
                        )
                    self._connection.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
                    return
                except Exception:
                    self._close()
                    if attempt == 2:
                        log.exception("could not NOTIFY other instances of %s", change)

    def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # a broken connection may fail to close: it is dropped anyway
                log.debug("closing the NOTIFY connection failed", exc_info=True)

    def close(self) -> None:
        """Close the connection (a later ``publish`` opens a new one)."""
        with self._lock:
            self._close()


class PostgresChangeListener:
    """One background thread per process relaying other instances' changes into ``hub``."""

    def __init__(
        self,
        url: str,
        hub: ChangeHub,
        origin: str,
        *,
        retry_seconds: float = 1.0,
        on_reconnect: Callable[[], None] | None = None,
    ) -> None:
        self._url = url
        self._hub = hub
        self._origin = origin
        self._retry = retry_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="segmentd-listen", daemon=True)
        self._on_reconnect = on_reconnect
        self._ever_connected = False
        self.connected = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except Exception as error:
                self.connected.clear()
                if self._stop.is_set():
                    return
                log.warning("change listener lost PostgreSQL (%s); reconnecting", error)
                self._stop.wait(self._retry)

    def _listen(self) -> None:
        with psycopg.connect(self._url, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f"LISTEN {CHANNEL}")
            if self._ever_connected and self._on_reconnect is not None:
                self._on_reconnect()  # changes sent while we were away are lost
            self._ever_connected = True
            self.connected.set()
            while not self._stop.is_set():
                for notification in connection.notifies(timeout=0.5):
                    self._deliver(notification.payload)

    def _deliver(self, payload: str) -> None:
        try:
            origin, change = decode_change(payload)
        except (ValueError, KeyError, TypeError, orjson.JSONDecodeError):
            log.warning("ignoring malformed change notification %r", payload[:200])
            return
        if origin != self._origin:
            self._hub.publish(change)


def new_origin() -> str:
    """A fresh id for this process's notifications."""
    return uuid.uuid4().hex
