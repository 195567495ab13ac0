"""Trigram indexes for the segment list's ``query`` filter on PostgreSQL.

The filter is a case-insensitive substring match (``ILIKE '%term%'``) on key, name and
description. With ``pg_trgm``'s GIN indexes PostgreSQL answers it, and counts its matches,
from a bitmap of the three indexes instead of reading every segment of the environment
(docs/performance.md has the figures). ``pg_trgm`` ships with PostgreSQL and is a trusted
extension (PostgreSQL 13 and later): the owner of the database may create it. Where it is
not available the revision leaves the schema as it was and the filter works as before.

On SQLite this revision does nothing: measured on 10,000 segments, counting through an FTS5
trigram index was no faster than scanning the covering listing index (see
docs/performance.md), so segmentd keeps no second copy of the text there.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

log = logging.getLogger("segmentd.store")

#: (index name, column) of the trigram indexes.
INDEXES = (
    ("ix_segments_key_trgm", "key"),
    ("ix_segments_name_trgm", "name"),
    ("ix_segments_description_trgm", "description"),
)


def _has_trigrams(connection: sa.Connection) -> bool:
    """Create ``pg_trgm`` if it is available and allowed; whether it is there."""
    available = connection.exec_driver_sql(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"
    ).first()
    if available is None:
        return False
    savepoint = connection.begin_nested()
    try:
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as error:
        savepoint.rollback()
        log.warning("pg_trgm not created (%s); the query filter reads without indexes", error)
        return False
    savepoint.commit()
    return True


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql" or not _has_trigrams(connection):
        return
    for name, column in INDEXES:
        connection.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS {name} ON segments USING gin ({column} gin_trgm_ops)"
        )


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    for name, _column in INDEXES:
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
