"""In-process fan-out of committed changes to whoever listens (SDK streams, Redis writers).

Adapters that carry changes between instances (PostgreSQL LISTEN/NOTIFY, Redis pub/sub)
publish into a hub like this one on the receiving side.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from segmentd.services.ports import ItemChange

log = logging.getLogger("segmentd.changes")

Listener = Callable[[ItemChange], None]


class ChangeHub:
    """A thread-safe list of listeners; a failing listener is logged and never stops the rest."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Add a listener; returns the function that removes it again."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, change: ItemChange) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(change)
            except Exception:
                log.exception("change listener failed for %s", change)
