"""The token look-up every API request makes, on a few raw driver connections.

Authentication reads the database on every request (so a revoked token stops at once on
every process), which makes it the hottest query there is. Going through a SQLAlchemy unit
of work costs a pool checkout, ``BEGIN``, ``ROLLBACK`` and a reset per request, about ten
times the query itself; this finder keeps up to ``size`` autocommit driver connections
(sqlite3 or psycopg) in a LIFO stack and runs one prepared ``SELECT`` on one of them. The
stack is a ``deque`` (atomic ``pop``/``append``, no condition variables: ``queue.LifoQueue``
and a semaphore cost more than the SQLite query); on PostgreSQL a semaphore still bounds the
connections in use to ``size``.
A connection that fails is dropped, and an unreachable database is ``DatabaseUnavailable``.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import deque
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import psycopg
from sqlalchemy.engine import Engine

from segmentd.domain.projects.model import AccessToken, Role
from segmentd.errors import DatabaseUnavailable

_COLUMNS = "id, name, description, role, token_hash, last_four, creation_date"


class SqlTokenFinder:
    """``find_by_hash`` over raw connections to the engine's database (both dialects)."""

    def __init__(self, engine: Engine, *, size: int = 4) -> None:
        self._sqlite = engine.dialect.name == "sqlite"
        if self._sqlite:
            self._target = engine.url.database or ":memory:"
            self._sql = f"SELECT {_COLUMNS} FROM access_tokens WHERE token_hash = ?"
        else:
            url = engine.url.set(drivername="postgresql")
            self._target = url.render_as_string(hide_password=False)
            self._sql = f"SELECT {_COLUMNS} FROM access_tokens WHERE token_hash = %s"
        self._size = size
        self._idle: deque[Any] = deque()
        # SQLite connections are cheap and local: no bound, no waiting.
        self._slots: AbstractContextManager[Any] = (
            nullcontext() if self._sqlite else threading.BoundedSemaphore(size)
        )

    def _connect(self) -> Any:
        if self._sqlite:
            connection = sqlite3.connect(
                self._target, isolation_level=None, check_same_thread=False
            )
            connection.execute("PRAGMA busy_timeout=10000")
            return connection
        return psycopg.connect(self._target, autocommit=True, connect_timeout=5)

    def find_by_hash(self, token_hash: str) -> AccessToken | None:
        with self._slots:
            try:
                idle = self._idle.pop()
            except IndexError:
                idle = None
            try:
                row = self._query(idle, token_hash)
            except DatabaseUnavailable:
                if idle is None:
                    raise
                # an idle connection may be a dead one (server restarted): retry on a new one
                row = self._query(None, token_hash)
        return None if row is None else _token(row)

    def _query(self, connection: Any, token_hash: str) -> Any:
        try:
            if connection is None:
                connection = self._connect()
            row = connection.execute(self._sql, (token_hash,)).fetchone()
        except (sqlite3.OperationalError, psycopg.OperationalError, psycopg.InterfaceError):
            if connection is not None:
                connection.close()
            raise DatabaseUnavailable() from None
        except BaseException:
            if connection is not None:
                connection.close()
            raise
        if len(self._idle) < self._size:
            self._idle.append(connection)
        else:
            connection.close()
        return row

    def close(self) -> None:
        while True:
            try:
                self._idle.pop().close()
            except IndexError:
                return


def _token(row: Any) -> AccessToken:
    return AccessToken(
        id=row[0],
        name=row[1],
        description=row[2],
        role=Role(row[3]),
        token_hash=row[4],
        last_four=row[5],
        creation_date=row[6],
    )
