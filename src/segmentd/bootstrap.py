"""Composition root: the only module that picks concrete adapters for the services' ports."""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from segmentd.config import Settings
from segmentd.errors import DataDirUnusable
from segmentd.export.redis import NoPublisher, RedisPublisher
from segmentd.services.audit.service import AuditService
from segmentd.services.big_segments.jobs import BigSegmentJobs
from segmentd.services.big_segments.ports import MembershipPublisher
from segmentd.services.big_segments.service import BigSegmentService
from segmentd.services.big_segments.sync import MembershipSync
from segmentd.services.changes import ChangeHub
from segmentd.services.client_sdk.service import ClientSdkService
from segmentd.services.evaluations.service import EvaluationService
from segmentd.services.expiring.service import ExpiringTargetService
from segmentd.services.feed.service import FeedService
from segmentd.services.flags.service import FlagService
from segmentd.services.jobs import JobRunner
from segmentd.services.ports import ChangeNotifier, Clock, IdFactory
from segmentd.services.projects.access import AccessService
from segmentd.services.projects.service import ProjectService
from segmentd.services.segments.service import SegmentService
from segmentd.services.system import RandomIds, SystemClock
from segmentd.services.unit_of_work import UnitOfWorkFactory
from segmentd.store.connect import open_database
from segmentd.store.engines import sqlite_file
from segmentd.store.notify import PostgresChangeListener, PostgresChangeNotifier, new_origin
from segmentd.store.sqlite_maintenance import SqliteMaintenance
from segmentd.store.sqlite_relay import SqliteChangeNotifier, SqliteChangePoller
from segmentd.store.token_lookup import SqlTokenFinder
from segmentd.store.unit_of_work import SqlUnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class Services:
    """Everything the API and the CLI call, built once per process."""

    settings: Settings
    uow: UnitOfWorkFactory
    clock: Clock
    access: AccessService
    projects: ProjectService
    segments: SegmentService
    evaluations: EvaluationService
    client_sdk: ClientSdkService
    expiring: ExpiringTargetService
    audit: AuditService
    changes: ChangeHub
    notifier: ChangeNotifier
    flags: FlagService
    feed: FeedService
    engine: Engine
    big_segments: BigSegmentService
    listener: PostgresChangeListener | SqliteChangePoller | None = None
    token_finder: SqlTokenFinder | None = None
    #: SQLite file databases: the upkeep a serving process runs in the background (WAL
    #: checkpoints, planner statistics).
    sqlite_maintenance: SqliteMaintenance | None = None
    #: The database's schema was created by this process (a new database).
    created_database: bool = False
    #: The database URL with any password hidden, for messages.
    database_shown: str = ""

    def database_ready(self) -> bool:
        """Whether the database answers a trivial query (``/readyz``)."""
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        except Exception:
            return False
        return True

    def start_background(self) -> None:
        """Start what a serving process runs in the background: SQLite's upkeep, recovery
        of imports that a previous process left unfinished, the job workers, and the Redis
        heartbeat."""
        if self.sqlite_maintenance is not None:
            self.sqlite_maintenance.start()
        self.big_segments.jobs.recover()
        self.big_segments.jobs.runner.start()
        self.big_segments.sync.start()

    def stop_background(self) -> None:
        self.big_segments.sync.stop()
        self.big_segments.jobs.runner.stop()
        if self.sqlite_maintenance is not None:
            self.sqlite_maintenance.stop()

    def close(self) -> None:
        self.stop_background()
        self.big_segments.sync.publisher.close()
        if self.listener is not None:
            self.listener.stop()
        if isinstance(self.notifier, SqliteChangeNotifier | PostgresChangeNotifier):
            self.notifier.close()  # SQLite: write the relay rows still queued
        if self.token_finder is not None:
            self.token_finder.close()
        if isinstance(self.uow, SqlUnitOfWorkFactory):
            self.uow.close()
        self.engine.dispose()


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    ids: IdFactory | None = None,
    run_migrations: bool = True,
) -> Services:
    """Connect to the configured database, migrate it to head and wire the services."""
    check_data_dir(settings.data_path)
    database = open_database(settings.resolved_database_url, run_migrations=run_migrations)
    engine = database.engine
    uow = SqlUnitOfWorkFactory(engine)
    clock = clock or SystemClock()
    ids = ids or RandomIds()
    changes = ChangeHub()
    changes.subscribe(uow.on_change)  # first: a changed environment leaves the cache first
    feed = FeedService(uow, changes)
    notifier: ChangeNotifier = changes
    listener: PostgresChangeListener | SqliteChangePoller | None = None
    if engine.dialect.name == "postgresql":
        # Several instances may share the database: relay changes through LISTEN/NOTIFY.
        origin = new_origin()
        notifier = PostgresChangeNotifier(engine, changes, origin)
        url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        listener = PostgresChangeListener(url, changes, origin, on_reconnect=feed.reset)
        listener.start()
    elif settings.workers > 1 and sqlite_file(engine) is not None:
        # ``serve --workers N`` runs several processes over one SQLite file; a single
        # process needs no relay (its hub already sees every change).
        origin = new_origin()
        notifier = SqliteChangeNotifier(engine, changes, origin, writer_lock=uow.writer_lock)
        listener = SqliteChangePoller(engine, changes, origin, writer_lock=uow.writer_lock)
        listener.start()
    publisher: MembershipPublisher = (
        RedisPublisher(settings.redis_url, settings.redis_prefix)
        if settings.redis_url
        else NoPublisher()
    )
    sync = MembershipSync(uow, publisher, clock)
    token_finder = SqlTokenFinder(engine)
    jobs = BigSegmentJobs(
        uow,
        clock,
        notifier,
        sync,
        JobRunner(),
        data_dir=settings.data_path,
        max_rows=settings.import_max_rows,
    )
    big_segments = BigSegmentService(uow, clock, notifier, sync, jobs)
    evaluations = EvaluationService(uow, clock, changes)
    return Services(
        settings=settings,
        uow=uow,
        clock=clock,
        access=AccessService(uow, clock, ids, token_finder),
        projects=ProjectService(
            uow, clock, ids, notifier, on_environment_removed=sync.forget_environment
        ),
        segments=SegmentService(uow, clock, notifier, big_segments),
        evaluations=evaluations,
        client_sdk=ClientSdkService(uow, evaluations, changes, clock),
        expiring=ExpiringTargetService(uow, clock, notifier),
        audit=AuditService(uow),
        changes=changes,
        notifier=notifier,
        flags=FlagService(uow, clock, notifier),
        feed=feed,
        engine=engine,
        big_segments=big_segments,
        listener=listener,
        token_finder=token_finder,
        sqlite_maintenance=(
            SqliteMaintenance(engine, writer_lock=uow.writer_lock)
            if sqlite_file(engine) is not None
            else None
        ),
        created_database=database.created,
        database_shown=database.shown_url,
    )


def check_data_dir(path: Path) -> None:
    """Create the data directory if missing; refuse one that is not a usable directory."""
    fix = "choose another with --data-dir or SEGMENTD_DATA_DIR, or fix its permissions"
    if path.exists() and not path.is_dir():
        raise DataDirUnusable(f"data directory {path} is not a directory: {fix}")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataDirUnusable(
            f"cannot create data directory {path} ({error.strerror}): {fix}"
        ) from None
    if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
        raise DataDirUnusable(f"data directory {path} is not readable and writable: {fix}")


def freeze_startup_heap() -> None:
    """Put everything alive once the app is built (modules, routes, models: about 200,000
    objects) out of the cyclic garbage collector's reach, for a server process about to serve.

    Why: a full collection walks every tracked object; with the start-up heap in it, one took
    100-250 ms and struck every 30-40 environment-wide evaluations, which was their p90 and p99
    (docs/performance.md). Frozen objects are still freed by reference counting; only cycles
    among them would never be collected, and start-up objects live as long as the process.
    """
    gc.collect()
    gc.freeze()
