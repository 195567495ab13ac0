"""The store edge reports an unreachable database as 503 ``DatabaseUnavailable``."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from segmentd.errors import DatabaseUnavailable, Unavailable
from segmentd.store.engines import make_engine
from segmentd.store.unavailable import is_unavailable, translated
from segmentd.store.unit_of_work import SqlUnitOfWorkFactory
from tests.live import free_port


def test_unit_of_work__server_refuses_connections__database_unavailable() -> None:
    engine = make_engine(f"postgresql://nobody@127.0.0.1:{free_port()}/none")
    try:
        with pytest.raises(DatabaseUnavailable) as raised, SqlUnitOfWorkFactory(engine)():
            pass  # pragma: no cover (never entered)
    finally:
        engine.dispose()
    assert isinstance(raised.value, Unavailable)
    assert raised.value.status == 503
    assert raised.value.code == "service_unavailable"
    assert raised.value.headers == {"Retry-After": "1"}


def test_unit_of_work__connection_lost_inside_block__database_unavailable(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    lost = sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection"))
    try:
        with pytest.raises(DatabaseUnavailable) as raised, SqlUnitOfWorkFactory(engine)():
            raise lost
    finally:
        engine.dispose()
    assert raised.value.__cause__ is lost


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        pytest.param(sa.exc.OperationalError("s", {}, Exception()), True, id="operational"),
        pytest.param(sa.exc.InterfaceError("s", {}, Exception()), True, id="interface"),
        pytest.param(sa.exc.TimeoutError("pool"), True, id="pool timeout"),
        pytest.param(
            sa.exc.DBAPIError("s", {}, Exception(), connection_invalidated=True),
            True,
            id="invalidated connection",
        ),
        pytest.param(sa.exc.IntegrityError("s", {}, Exception()), False, id="integrity"),
        pytest.param(ValueError("x"), False, id="not a database error"),
    ],
)
def test_is_unavailable(error: Exception, expected: bool) -> None:
    assert is_unavailable(error) is expected


def test_translated__other_errors__pass_unchanged() -> None:
    with pytest.raises(sa.exc.IntegrityError), translated():
        raise sa.exc.IntegrityError("s", {}, Exception())
