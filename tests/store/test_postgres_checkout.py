"""A pooled PostgreSQL connection that the server closed is replaced at checkout, without a
``SELECT 1`` round trip on the healthy ones."""

from __future__ import annotations

import time
from typing import Any

import pytest
import sqlalchemy as sa

from segmentd.store.engines import make_engine

pytestmark = pytest.mark.postgres


def _backend_pid(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    assert isinstance(pid, int)
    return pid


def test_checkout__healthy_idle_connection__reused_without_a_ping(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(postgres_url)
    pings: list[object] = []
    ping = engine.dialect.do_ping

    def counted_ping(connection: Any) -> bool:
        pings.append(connection)
        return ping(connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted_ping)
    try:
        first = _backend_pid(engine)
        assert _backend_pid(engine) == first
        assert pings == []
    finally:
        engine.dispose()


def test_checkout__connection_terminated_by_the_server__replaced(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    admin = make_engine(postgres_url)
    try:
        victim = _backend_pid(engine)  # now idle in the pool
        with admin.connect() as connection:
            connection.exec_driver_sql(f"SELECT pg_terminate_backend({victim})")
        time.sleep(0.2)  # the termination notice and end of stream reach the idle socket
        replacement = _backend_pid(engine)  # would raise if the dead connection were used
        assert replacement != victim
    finally:
        engine.dispose()
        admin.dispose()
