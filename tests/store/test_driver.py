"""Driver-level statements (``store/driver.py``) read exactly what SQLAlchemy reads."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from segmentd.bootstrap import Services
from segmentd.domain.big_segments.model import TargetChanges
from segmentd.services.first_run import initialise_if_empty
from segmentd.services.segments.service import SegmentDraft
from segmentd.store import schema
from segmentd.store.big_segments.repository import _LOOKUP
from segmentd.store.driver import Prepared
from segmentd.store.flags.repository import FLAGS_REFERENCING_SEGMENT
from segmentd.store.segments.repository import (
    INSERT_SEGMENT,
    INSERT_TAG,
    SELECT_LIVE_SEGMENT,
    SELECT_LIVE_SEGMENT_FOR_UPDATE,
)


def _seeded(services: Services) -> str:
    initialise_if_empty(services.uow, services.projects, services.access)
    services.segments.create("default", "production", SegmentDraft("std", "S", tags=("a",)))
    services.segments.create("default", "production", SegmentDraft("big", "B", unbounded=True))
    services.big_segments.update_targets(
        "default", "production", "big", TargetChanges(included_add=("k1",), excluded_add=("k2",))
    )
    return services.projects.get_environment("default", "production").id


@pytest.mark.parametrize(
    ("statement", "params"),
    [
        pytest.param(SELECT_LIVE_SEGMENT, {"b_key": "big"}, id="segment by key"),
        pytest.param(SELECT_LIVE_SEGMENT, {"b_key": "none"}, id="no such segment"),
        pytest.param(SELECT_LIVE_SEGMENT_FOR_UPDATE, {"b_key": "std"}, id="segment for update"),
        pytest.param(FLAGS_REFERENCING_SEGMENT, {"b_segment_key": "std"}, id="flags referencing"),
        pytest.param(
            _LOOKUP, {"p": "default", "e": "production", "s": "big", "k": "k2"}, id="membership"
        ),
    ],
)
def test_prepared__rows__equal_sqlalchemy_rows(
    services: Services, statement: Prepared, params: dict[str, object]
) -> None:
    environment_id = _seeded(services)
    params = {"b_environment_id": environment_id, **params}
    with services.engine.begin() as connection:
        through_sqlalchemy = [tuple(r) for r in connection.execute(statement.statement, params)]
        at_driver_level = [tuple(r) for r in statement.rows(connection, params)]
    assert at_driver_level == through_sqlalchemy
    # Types too: SQLite's booleans come back as bool, not 0/1.
    assert [[type(v) for v in r] for r in at_driver_level] == [
        [type(v) for v in r] for r in through_sqlalchemy
    ]


def test_prepared__in_list__refused() -> None:
    t = schema.segments
    with pytest.raises(TypeError, match="fixed parameters"):
        Prepared(sa.select(t.c.key).where(t.c.key.in_(["a", "b"]))).sql(
            sa.create_engine("sqlite://").dialect
        )


def test_prepared__insert__stores_what_sqlalchemy_stores(services: Services) -> None:
    environment_id = _seeded(services)
    t = schema.segments
    values = {
        "environment_id": environment_id,
        "name": "N",
        "description": None,
        "tags": "[]",
        "creation_date": 1,
        "last_modified_date": 2,
        "version": 3,
        "salt": "s",
        "unbounded": True,
        "unbounded_context_kind": "user",
        "generation": 1,
        "deleted": False,
        "targeting": "{}",
    }
    with services.engine.begin() as connection:
        connection.execute(t.insert(), {**values, "key": "core"})
        insert = INSERT_SEGMENT[connection.dialect.name]
        ((new_id,),) = insert.rows(connection, {**values, "key": "driver"})
        assert insert.rows(connection, {**values, "key": "driver"}) == []  # key taken
        rows = connection.execute(
            sa.select(t).where(t.c.key.in_(["core", "driver"])).order_by(t.c.key)
        ).all()
    core, driver = (r._asdict() for r in rows)
    assert driver.pop("id") == new_id
    core.pop("id")
    assert {**driver, "key": "core"} == core


def test_prepared__driver_error__raised_as_sqlalchemy_error(services: Services) -> None:
    _seeded(services)
    with services.engine.begin() as connection:
        (segment_id,) = connection.execute(
            sa.select(schema.segments.c.id).where(schema.segments.c.key == "std")
        ).one()
        with pytest.raises(sa.exc.IntegrityError):
            INSERT_TAG.execute(connection, {"segment_id": segment_id, "tag": "a"})
