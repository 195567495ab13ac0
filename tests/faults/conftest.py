"""Private PostgreSQL and Redis servers for the fault tests (never the shared ones)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults.instances import PrivatePostgres, PrivateRedis, private_postgres, private_redis


@pytest.fixture(scope="session")
def private_pg() -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of this test session; a test that stops it starts it again."""
    with private_postgres() as server:
        yield server


@pytest.fixture
def private_redis_server() -> Iterator[PrivateRedis]:
    with private_redis() as server:
        yield server
