"""The SQL unit of work: one transaction on one connection, repositories built on first use."""

from __future__ import annotations

import os
from functools import cached_property
from types import TracebackType
from typing import Self

from sqlalchemy.engine import Engine

from segmentd.errors import DatabaseUnavailable
from segmentd.services.ports import ItemChange
from segmentd.store.audit.repository import SqlAuditRepository
from segmentd.store.big_segments.records import SqlBigSegmentRecordRepository
from segmentd.store.big_segments.repository import SqlBigSegmentRepository
from segmentd.store.engines import IMMEDIATE, sqlite_file
from segmentd.store.expiring.repository import SqlExpiringTargetRepository
from segmentd.store.feed.repository import SqlFeedRepository
from segmentd.store.flags.repository import SqlFlagRepository
from segmentd.store.projects.repository import (
    EnvironmentCache,
    SqlEnvironmentRepository,
    SqlProjectRepository,
    SqlTokenRepository,
)
from segmentd.store.segments.repository import SqlSegmentRepository
from segmentd.store.unavailable import is_unavailable, translated
from segmentd.store.writer_lock import SqliteWriterLock


class SqlUnitOfWork:
    """A transaction on one connection; leaving the block without ``commit()`` rolls back.

    A database that cannot be reached (at connect, inside the block or at commit) is reported
    as ``DatabaseUnavailable`` (503): this is the store edge where that translation happens.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        write: bool = False,
        writer_lock: SqliteWriterLock | None = None,
        environments: EnvironmentCache | None = None,
    ) -> None:
        self._engine = engine
        self._environment_cache = environments
        self._write = write
        self._writer_lock = writer_lock if write else None

    def __enter__(self) -> Self:
        if self._writer_lock is not None:
            self._writer_lock.acquire()
        try:
            with translated():
                return self._begin()
        except BaseException:
            if self._writer_lock is not None:
                self._writer_lock.release()
            raise

    def _begin(self) -> Self:
        connection = self._engine.connect()
        if self._write:
            connection = connection.execution_options(**{IMMEDIATE: True})
        self._connection = connection
        self._transaction = connection.begin()
        return self

    # Repositories are built on first use: a request touches two or three of them.

    @cached_property
    def projects(self) -> SqlProjectRepository:
        return SqlProjectRepository(self._connection)

    @cached_property
    def environments(self) -> SqlEnvironmentRepository:
        return SqlEnvironmentRepository(self._connection, self._environment_cache, hold=self._write)

    @cached_property
    def tokens(self) -> SqlTokenRepository:
        return SqlTokenRepository(self._connection)

    @cached_property
    def segments(self) -> SqlSegmentRepository:
        return SqlSegmentRepository(self._connection)

    @cached_property
    def flags(self) -> SqlFlagRepository:
        return SqlFlagRepository(self._connection)

    @cached_property
    def feed(self) -> SqlFeedRepository:
        return SqlFeedRepository(self._connection)

    @cached_property
    def big_segments(self) -> SqlBigSegmentRepository:
        return SqlBigSegmentRepository(self._connection)

    @cached_property
    def big_segment_records(self) -> SqlBigSegmentRecordRepository:
        return SqlBigSegmentRecordRepository(self._connection)

    @cached_property
    def audit(self) -> SqlAuditRepository:
        return SqlAuditRepository(self._connection)

    @cached_property
    def expiring_targets(self) -> SqlExpiringTargetRepository:
        return SqlExpiringTargetRepository(self._connection)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._transaction.is_active:
                self._transaction.rollback()
        except Exception as error:
            if exc is None or not is_unavailable(error):
                raise  # a lost connection's rollback fails too; report the first error
        finally:
            self._connection.close()
            if self._writer_lock is not None:
                self._writer_lock.release()
        if exc is not None and is_unavailable(exc):
            raise DatabaseUnavailable() from exc

    def commit(self) -> None:
        with translated():
            self._transaction.commit()


class SqlUnitOfWorkFactory:
    """Opens units of work on one engine.

    On SQLite, writers queue on a :class:`SqliteWriterLock` before ``BEGIN IMMEDIATE``:
    threads of this process on a lock, other processes on the same file (``serve --workers
    N``) on a ``flock`` of ``<database>.writelock``. SQLite would make a blocked writer sleep
    and poll (``busy_timeout``), wasting most of the wait in sleeps; the locks hand the
    database over as soon as it is free. ``busy_timeout`` stays as the fallback for writers
    that do not take the lock (other tools opening the file).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.environments = EnvironmentCache()
        self.writer_lock: SqliteWriterLock | None = None
        if engine.dialect.name == "sqlite":
            database = sqlite_file(engine)
            self.writer_lock = SqliteWriterLock(os.path.abspath(database) if database else None)

    def on_change(self, change: ItemChange) -> None:
        """A change-hub listener: an environment changed or was deleted (by this process or,
        through the relays, another), so its cached row is dropped."""
        if change.kind == "environments":
            self.environments.forget(change.environment_id)

    def close(self) -> None:
        """Close the writer lock's file (units of work opened later open it again)."""
        if self.writer_lock is not None:
            self.writer_lock.close()

    def __call__(self, *, write: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(
            self.engine, write=write, writer_lock=self.writer_lock, environments=self.environments
        )
