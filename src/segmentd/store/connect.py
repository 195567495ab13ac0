"""Opening the configured database at start-up, with one clear error per way it can fail.

A user who mistypes a URL, names a PostgreSQL database that does not exist or points at a
server that is down gets one line saying what is wrong and what to do (a
:class:`~segmentd.errors.StartupError` with its own exit code), not a driver traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, DBAPIError

from segmentd.errors import (
    BadDatabaseUrl,
    DatabaseMissing,
    DatabaseUnreachable,
    DataDirUnusable,
    StartupError,
)
from segmentd.store import migrate
from segmentd.store.engines import make_engine

_MISSING_DATABASE = re.compile(r'database "([^"]+)" does not exist')


@dataclass(frozen=True, slots=True)
class OpenedDatabase:
    engine: Engine
    #: The schema was created just now: the database was new (or empty).
    created: bool
    #: The URL with any password hidden, for messages.
    shown_url: str


def open_database(url: str, *, run_migrations: bool = True) -> OpenedDatabase:
    """An engine for ``url``, migrated to the newest schema unless ``run_migrations`` is off.

    Raises :class:`BadDatabaseUrl`, :class:`DatabaseMissing`, :class:`DatabaseUnreachable`
    or :class:`DataDirUnusable` (SQLite file that cannot be opened) instead of driver errors.
    """
    try:
        engine = make_engine(url)
    except (ArgumentError, ValueError) as error:
        raise BadDatabaseUrl(
            f"cannot read the database URL ({error}): use sqlite:///path or "
            "postgresql://user@host:5432/database"
        ) from None
    except OSError as error:  # the SQLite file's directory cannot be created
        raise DataDirUnusable(
            f"cannot create the SQLite database's directory ({error}): choose a writable "
            "--data-dir or SEGMENTD_DATA_DIR"
        ) from None
    shown = engine.url.render_as_string(hide_password=True)
    try:
        created = migrate.upgrade(engine) if run_migrations else False
    except DBAPIError as error:
        engine.dispose()
        raise _explain(engine.url, error) from None
    return OpenedDatabase(engine=engine, created=created, shown_url=shown)


def _explain(url: sa.engine.URL, error: DBAPIError) -> StartupError:
    detail = str(error.orig).strip()
    last = detail.splitlines()[0] if detail else type(error.orig).__name__
    if url.get_backend_name() == "sqlite":
        return DataDirUnusable(
            f"cannot open the SQLite database {url.database} ({last}): check that its "
            "directory is readable and writable, or choose another --data-dir"
        )
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    missing = _MISSING_DATABASE.search(detail)
    if missing:
        name = missing.group(1)
        return DatabaseMissing(
            f"PostgreSQL database {name!r} does not exist on {where}: create it "
            f"(createdb -h {url.host or 'localhost'} {name}) or fix the database URL"
        )
    reason = last.split("failed:", 1)[-1].strip().removeprefix("FATAL:").strip()
    return DatabaseUnreachable(
        f"cannot connect to PostgreSQL at {where} as {url.username or 'the current user'!r}: "
        f"{reason}; check that it runs and accepts this user, or fix the database URL"
    )
