"""SQLite upkeep (WAL checkpoints, planner statistics) runs in a background thread while a
process serves."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from segmentd.bootstrap import build_services
from segmentd.config import Settings
from segmentd.services.first_run import initialise_if_empty
from segmentd.services.segments.service import SegmentDraft
from segmentd.store.engines import make_engine
from segmentd.store.sqlite_maintenance import SqliteMaintenance


def _autocheckpoint(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        value = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()
    assert isinstance(value, int)
    return value


def _write_rows(engine: sa.Engine, count: int) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)")
    for i in range(count):
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO t (v) VALUES (?)", ("x" * 2000 + str(i),))


def _wait_for(condition: Callable[[], object], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def test_maintenance__running__connections_skip_automatic_checkpoints_and_the_log_is_copied(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    maintenance = SqliteMaintenance(engine, interval=0.05)
    assert _autocheckpoint(engine) == 1000
    maintenance.start()
    try:
        assert _autocheckpoint(engine) == 0
        _write_rows(engine, 200)
        before = maintenance.completed
        _wait_for(lambda: maintenance.completed > before)
        # Once the log is fully copied, the next writer starts it from the beginning: the
        # file does not grow with the number of commits (200 rows of 2 KB: ~100 pages each).
        _write_rows(engine, 5)
        _write_rows(engine, 200)
        wal = tmp_path / "db.sqlite3-wal"
        _wait_for(lambda: maintenance.completed > before + 1)
        assert wal.stat().st_size < 8 * 1024 * 1024
    finally:
        maintenance.stop()
    assert _autocheckpoint(engine) == 1000  # stopped: SQLite's own checkpoints again
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar_one() == 405
    engine.dispose()


def test_maintenance__not_a_sqlite_file__refused() -> None:
    with pytest.raises(ValueError, match="SQLite database file"):
        SqliteMaintenance(sa.create_engine("sqlite://"))


def test_services__sqlite_file__upkeep_in_the_background_while_serving(tmp_path: Path) -> None:
    services = build_services(Settings(data_dir=tmp_path))
    initialise_if_empty(services.uow, services.projects, services.access)
    try:
        assert services.sqlite_maintenance is not None
        for i in range(20):
            services.segments.create("default", "production", SegmentDraft(f"s-{i}", "S"))
        services.start_background()
        try:
            assert _autocheckpoint(services.engine) == 0
            services.segments.create("default", "production", SegmentDraft("after", "S"))
            maintenance = services.sqlite_maintenance
            _wait_for(lambda: maintenance.completed > 0 and maintenance.analyzed > 0)
            with services.engine.connect() as connection:
                tables = connection.exec_driver_sql("SELECT DISTINCT tbl FROM sqlite_stat1")
                assert "segments" in set(tables.scalars())
        finally:
            services.stop_background()
    finally:
        services.close()


def test_maintenance__database_changed__statistics_taken_again(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    _write_rows(engine, 3)
    maintenance = SqliteMaintenance(engine, interval=0.02, analyze_every=0.05)
    maintenance.start()
    try:
        _wait_for(lambda: maintenance.analyzed == 1)
        time.sleep(0.3)
        assert maintenance.analyzed == 1  # nothing changed: no second pass
        _write_rows(engine, 1)
        _wait_for(lambda: maintenance.analyzed == 2)
    finally:
        maintenance.stop()
        engine.dispose()
