"""Run the Alembic revisions up to head on an engine (``segmentd migrate`` and start-up)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def upgrade(engine: Engine) -> bool:
    """Bring the database to the newest schema; safe to call on every start. Returns whether
    the schema was created now (the database had none).

    On PostgreSQL an advisory lock serialises concurrent starts of several instances.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7317001)")
        created = not sa.inspect(connection).has_table("alembic_version")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return created
