"""Several worker processes over one SQLite file: a change written through one reaches the
SDK streams held by another (change_log polling relay)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from segmentd.bootstrap import build_services
from segmentd.config import Settings
from segmentd.services.changes import ChangeHub
from segmentd.services.first_run import initialise_if_empty
from segmentd.services.ports import ItemChange
from segmentd.store.sqlite_relay import SqliteChangeNotifier, SqliteChangePoller
from tests.feed.propagation import seconds_until_other_stream_sees_change
from tests.live import LiveServer, serve_in_thread


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[tuple[LiveServer, LiveServer]]:
    settings = Settings(data_dir=tmp_path, stream_heartbeat_seconds=0.5, workers=2)
    first, second = build_services(settings), build_services(settings, run_migrations=False)
    token = initialise_if_empty(first.uow, first.projects, first.access)
    assert token is not None
    with serve_in_thread(first, token.secret) as a, serve_in_thread(second, token.secret) as b:
        yield a, b
    first.close()
    second.close()


def test_change_through_one_worker__reaches_stream_of_another_within_a_second(
    two_workers: tuple[LiveServer, LiveServer],
) -> None:
    a, b = two_workers
    assert seconds_until_other_stream_sees_change(a, b) < 1.0


def test_poller__own_rows_skipped_others_published_once(tmp_path: Path) -> None:
    services = build_services(Settings(data_dir=tmp_path))
    try:
        hub = ChangeHub()
        seen: list[ItemChange] = []
        hub.subscribe(seen.append)
        poller = SqliteChangePoller(services.engine, hub, "me")
        poller.start()
        poller.stop()  # drive it by hand below
        mine = SqliteChangeNotifier(services.engine, ChangeHub(), "me")
        theirs = SqliteChangeNotifier(services.engine, ChangeHub(), "other")
        mine.publish(ItemChange("e", "segments", "mine", 1))
        theirs.publish(ItemChange("e", "flags", "theirs", 2))
        assert mine.flush()
        assert theirs.flush()
        mine.close()
        theirs.close()
        poller.poll()
        poller.poll()
        assert seen == [ItemChange("e", "flags", "theirs", 2)]
    finally:
        services.close()


@pytest.mark.parametrize(
    ("workers", "relayed"),
    [pytest.param(1, False, id="one process: no relay"), pytest.param(2, True, id="two: relay")],
)
def test_build_services__sqlite_workers__relay_only_when_several(
    tmp_path: Path, workers: int, relayed: bool
) -> None:
    services = build_services(Settings(data_dir=tmp_path, workers=workers))
    try:
        assert isinstance(services.listener, SqliteChangePoller) is relayed
        assert isinstance(services.notifier, SqliteChangeNotifier) is relayed
    finally:
        services.close()


def test_notifier__many_changes_then_close__every_row_logged(tmp_path: Path) -> None:
    services = build_services(Settings(data_dir=tmp_path))
    try:
        notifier = SqliteChangeNotifier(services.engine, ChangeHub(), "me")
        for version in range(1, 51):
            notifier.publish(ItemChange("e", "segments", "s", version))
        notifier.close()
        with services.engine.connect() as connection:
            versions = connection.exec_driver_sql(
                "SELECT version FROM change_log ORDER BY seq"
            ).scalars()
            assert list(versions) == list(range(1, 51))
    finally:
        services.close()
