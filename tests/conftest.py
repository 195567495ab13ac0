"""Fixtures shared by every test: a clean environment and the stores under test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from segmentd.bootstrap import Services, build_services
from segmentd.config import Settings
from tests.fixed import FixedClock, SequentialIds
from tests.realparts import postgres_database, require_service


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No ``SEGMENTD_*`` variable of the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith("SEGMENTD_"):
            monkeypatch.delenv(name)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    require_service("postgres")
    with postgres_database(f"segmentd_test_{uuid.uuid4().hex[:8]}") as url:
        yield url


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'segmentd.sqlite3'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database URL of each store under test; every test body is the same for both."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    url: str = request.getfixturevalue("postgres_url")
    from tests.realparts import reset_postgres

    reset_postgres(url)
    return url


@pytest.fixture
def services(store_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[Services]:
    built = build_services(
        Settings(data_dir=tmp_path, database_url=store_url), clock=clock, ids=SequentialIds()
    )
    yield built
    built.close()
