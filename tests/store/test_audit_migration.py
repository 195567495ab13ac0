"""Revision 0008 on a database that already has history: every existing entry gets its
project and environment keys, and deleting an environment afterwards keeps its history."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from segmentd.store import schema
from segmentd.store.engines import make_engine
from segmentd.store.migrate import MIGRATIONS
from tests.realparts import postgres_database, require_service


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'audit.sqlite3'}"
        return
    require_service("postgres")
    with postgres_database(f"segmentd_mig_{uuid.uuid4().hex[:8]}") as url:
        yield url


def _migrate(engine: sa.Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_revision_0008__existing_entries__keys_filled_and_history_survives_a_delete(
    empty_url: str,
) -> None:
    engine = make_engine(empty_url)
    try:
        _migrate(engine, "0007")
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO projects (id, key, name, tags, include_in_snippet, "
                    "creation_date) VALUES ('p1', 'shop', 'Shop', '[]', false, 1)"
                )
            )
            for env_id, key in (("e1", "production"), ("e2", "test")):
                connection.execute(
                    sa.text(
                        "INSERT INTO environments (id, project_id, key, name, color, sdk_key, "
                        "mobile_key, default_ttl, secure_mode, default_track_events, "
                        "require_comments, confirm_changes, critical, tags, creation_date) "
                        "VALUES (:id, 'p1', :key, :key, '000000', :sdk, :mob, 0, false, false, "
                        "false, false, false, '[]', 1)"
                    ),
                    {"id": env_id, "key": key, "sdk": f"sdk-{key}", "mob": f"mob-{key}"},
                )
                connection.execute(
                    sa.text(
                        "INSERT INTO audit_log (environment_id, segment_key, segment_name, "
                        "action, actor_id, actor_name, date, changes) VALUES "
                        "(:id, 's', 'S', 'createSegment', 't', 't', 1, '[]')"
                    ),
                    {"id": env_id},
                )
        _migrate(engine, "head")
        a = schema.audit_log
        with engine.begin() as connection:
            rows = connection.execute(
                sa.select(a.c.kind, a.c.project_key, a.c.environment_key).order_by(a.c.id)
            ).all()
            assert [tuple(r) for r in rows] == [
                ("segment", "shop", "production"),
                ("segment", "shop", "test"),
            ]
            connection.execute(schema.environments.delete().where(schema.environments.c.id == "e1"))
        with engine.connect() as connection:
            kept = connection.execute(sa.select(sa.func.count()).select_from(a)).scalar_one()
        assert kept == 2
    finally:
        engine.dispose()
