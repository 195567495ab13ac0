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


def require_service(name: str) -> None:
    host, port = ENDPOINTS[name]
    try:
        with socket.create_connection((host, port), timeout=1):
            return
    except OSError as error:
        message = f"{name} is not reachable at {host}:{port} ({error})"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; CI=true requires it", pytrace=False)
        pytest.skip(message)


def _admin_connection() -> object:
    import psycopg

    last: Exception | None = None
    for user in ("postgres", "root"):
        try:
            return psycopg.connect(
                host=POSTGRES_HOST, user=user, dbname="test", autocommit=True, connect_timeout=3
            )
        except psycopg.OperationalError as error:
            last = error
    raise RuntimeError(f"cannot connect to PostgreSQL as postgres or root: {last}")


@contextmanager
def postgres_database(name: str) -> Iterator[str]:
    """Create database ``name``, yield its URL, drop it afterwards."""
    admin = _admin_connection()
    user = admin.info.user  # type: ignore[attr-defined]
    admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[attr-defined]
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
