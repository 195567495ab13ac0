"""Access to the real PostgreSQL and Redis servers the store tests talk to.

Locally a missing server skips its tests with a reason; under ``CI=true`` it fails them,
so CI can never go green without having run them.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

POSTGRES_HOST = os.environ.get("SEGMENTD_TEST_PG_HOST", "127.0.0.1")
REDIS_URL = os.environ.get("SEGMENTD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ENDPOINTS = {"postgres": (POSTGRES_HOST, 5432), "redis": ("127.0.0.1", 6379)}


def _unavailable(message: str) -> None:
    """Skip locally with ``message``; fail under ``CI=true``, where every service must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; CI=true requires it", pytrace=False)
    pytest.skip(message)


def require_service(name: str) -> None:
    host, port = ENDPOINTS[name]
    try:
        with socket.create_connection((host, port), timeout=1):
            return
    except OSError as error:
        _unavailable(f"{name} is not reachable at {host}:{port} ({error})")


def _admin_connection() -> object:
    """A connection that may create databases: user ``postgres`` or ``root`` without a
    password, to database ``test`` or else ``postgres``. A server that refuses all of them
    (it wants a password, or has neither database) skips the test, or fails it in CI."""
    import psycopg

    problems: list[str] = []
    for user in ("postgres", "root"):
        for dbname in ("test", "postgres"):
            try:
                return psycopg.connect(
                    host=POSTGRES_HOST, user=user, dbname=dbname, autocommit=True, connect_timeout=3
                )
            except psycopg.OperationalError as error:
                problems.append(f"{user}@{dbname}: {str(error).strip().splitlines()[-1]}")
    _unavailable(
        f"PostgreSQL at {POSTGRES_HOST}:5432 refuses a password-less admin connection "
        f"({'; '.join(problems)})"
    )
    raise AssertionError("unreachable")  # pragma: no cover - skip/fail raise


@contextmanager
def postgres_database(name: str) -> Iterator[str]:
    """Create database ``name``, yield its URL, drop it afterwards."""
    import psycopg

    admin = _admin_connection()
    user = admin.info.user  # type: ignore[attr-defined]
    try:
        admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[attr-defined]
    except psycopg.errors.InsufficientPrivilege as error:
        admin.close()  # type: ignore[attr-defined]
        _unavailable(f"PostgreSQL user {user!r} may not create databases ({error})")
    try:
        yield f"postgresql://{user}@{POSTGRES_HOST}:5432/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[attr-defined]
        admin.close()  # type: ignore[attr-defined]


def reset_postgres(url: str) -> None:
    """Empty every segmentd table (schema stays), so each test starts from nothing."""
    import sqlalchemy as sa

    from segmentd.store.engines import make_engine

    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            tables = [
                row[0]
                for row in connection.execute(
                    sa.text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                        "AND tablename <> 'alembic_version'"
                    )
                )
            ]
            if tables:
                connection.execute(sa.text(f"TRUNCATE {', '.join(tables)} CASCADE"))
    finally:
        engine.dispose()
