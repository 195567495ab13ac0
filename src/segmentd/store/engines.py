"""Engines from the database URLs users write, with each dialect's settings applied once."""

from __future__ import annotations

import select
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from segmentd.errors import BadDatabaseUrl

#: Execution option a unit of work sets to take SQLite's write lock at BEGIN.
IMMEDIATE = "segmentd_immediate"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` as users write them; use psycopg 3."""
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith(("sqlite://", "postgresql+psycopg://")):
        return url
    raise BadDatabaseUrl(
        f"unsupported database URL {url.split(':', 1)[0]!r}: use sqlite:///path or "
        "postgresql://user@host:5432/database (--database-url or SEGMENTD_DATABASE_URL)"
    )


def sqlite_file(engine: Engine) -> str | None:
    """The database file of a SQLite engine; ``None`` for an in-memory SQLite database or
    for PostgreSQL."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return database


def make_engine(url: str) -> Engine:
    """An engine for ``url``: SQLite in WAL mode with foreign keys, or a pooled PostgreSQL."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return _postgres_engine(url)


def _postgres_engine(url: str) -> Engine:
    engine = sa.create_engine(url, pool_size=10, max_overflow=20)

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        # In place of ``pool_pre_ping`` (a ``SELECT 1`` round trip on every checkout, a
        # fifth of a segment read): a PostgreSQL that stopped or restarted closed its end of
        # every connection, which makes the idle socket readable; such a connection is
        # replaced before use (the pool retries the checkout with a new one).
        if _closed_by_server(dbapi_connection):
            raise sa.exc.DisconnectionError("the server closed this connection")

    return engine


_SIGNS = select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP | select.POLLRDHUP


def _closed_by_server(dbapi_connection: Any) -> bool:
    """Whether an idle pooled connection has anything waiting: an idle PostgreSQL session
    sends nothing, so input (a termination notice, end of stream) or an error means it is
    gone. A zero-timeout ``poll``, no round trip."""
    try:
        if dbapi_connection.closed or dbapi_connection.broken:
            return True
        poller = select.poll()
        poller.register(dbapi_connection.fileno(), _SIGNS)
        return bool(poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return True


def _sqlite_engine(url: str) -> Engine:
    database = sa.engine.make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, pool_size=20, max_overflow=20)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Transactions are begun by the "begin" hook below, not by the driver.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A writer takes the lock up front: a read lock upgraded later can fail with
        # SQLITE_BUSY without waiting, which would turn a concurrent write into an error.
        # Straight to the driver: exec_driver_sql's machinery costs ~40 µs, BEGIN itself ~1.
        immediate = connection.get_execution_options().get(IMMEDIATE, False)
        driver: Any = connection.connection.driver_connection
        driver.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
