"""Several segmentd instances over one PostgreSQL: a change made through one reaches the SDK
streams held by another within a second (LISTEN/NOTIFY relay)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from segmentd.bootstrap import build_services
from segmentd.config import Settings
from segmentd.services.changes import ChangeHub
from segmentd.services.first_run import initialise_if_empty
from segmentd.services.ports import ItemChange
from segmentd.store.notify import PostgresChangeListener, decode_change, encode_change
from tests.feed.propagation import seconds_until_other_stream_sees_change
from tests.live import LiveServer, serve_in_thread
from tests.realparts import reset_postgres

pytestmark = pytest.mark.postgres


@pytest.fixture
def two_instances(postgres_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, LiveServer]]:
    reset_postgres(postgres_url)
    settings = Settings(data_dir=tmp_path, database_url=postgres_url, stream_heartbeat_seconds=0.5)
    first, second = build_services(settings), build_services(settings, run_migrations=False)
    token = initialise_if_empty(first.uow, first.projects, first.access)
    assert token is not None
    for services in (first, second):
        assert isinstance(services.listener, PostgresChangeListener)
        assert services.listener.connected.wait(5)
    with serve_in_thread(first, token.secret) as a, serve_in_thread(second, token.secret) as b:
        yield a, b
    first.close()
    second.close()


def test_change_through_one_instance__reaches_stream_of_the_other_within_a_second(
    two_instances: tuple[LiveServer, LiveServer],
) -> None:
    a, b = two_instances
    assert seconds_until_other_stream_sees_change(a, b) < 1.0


def test_listener__own_notifications__skipped_and_others_published(postgres_url: str) -> None:
    hub = ChangeHub()
    seen: list[ItemChange] = []
    hub.subscribe(seen.append)
    url = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    listener = PostgresChangeListener(url, hub, "me")
    listener.start()
    try:
        assert listener.connected.wait(5)
        import psycopg

        with psycopg.connect(url, autocommit=True) as connection:
            for origin, key in (("me", "mine"), ("other", "theirs")):
                payload = encode_change(ItemChange("e", "segments", key, 3), origin)
                connection.execute("SELECT pg_notify('segmentd_changes', %s)", (payload,))
            connection.execute("SELECT pg_notify('segmentd_changes', 'not json')")
        deadline = time.monotonic() + 2
        while not seen and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
    finally:
        listener.stop()
    assert seen == [ItemChange("e", "segments", "theirs", 3)]


def test_change_codec__round_trip() -> None:
    change = ItemChange("env", "flags", "k", 12)
    assert decode_change(encode_change(change, "o")) == ("o", change)


def test_listener__server_unreachable__keeps_retrying_without_raising() -> None:
    listener = PostgresChangeListener(
        "postgresql://nobody@127.0.0.1:1/none", ChangeHub(), "x", retry_seconds=0.05
    )
    listener.start()
    time.sleep(0.3)
    assert not listener.connected.is_set()
    listener.stop()


def test_listener__connection_killed__reconnects_and_calls_on_reconnect(
    postgres_url: str,
) -> None:
    import psycopg

    url = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    reconnects: list[int] = []
    listener = PostgresChangeListener(
        url, ChangeHub(), "me", retry_seconds=0.05, on_reconnect=lambda: reconnects.append(1)
    )
    listener.start()
    try:
        assert listener.connected.wait(5)
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE query LIKE 'LISTEN segmentd_changes%%' AND pid <> pg_backend_pid() "
                "AND datname = current_database()"
            )
        deadline = time.monotonic() + 5
        while not reconnects and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        listener.stop()
    assert reconnects == [1]
