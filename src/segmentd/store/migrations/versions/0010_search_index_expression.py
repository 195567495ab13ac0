"""One trigram index over the searched text, which equality on ``key`` cannot pick.

Revision 0005 put a ``pg_trgm`` GIN index on each of key, name and description. Since
``pg_trgm`` 1.6 (PostgreSQL 14) ``gin_trgm_ops`` also answers ``=``, and the planner then took
the index on ``key`` for ``environment_id = … AND key = ANY(…)`` — the look-up of segments by
key that evaluation and ``includedKeys`` filters run — because it underestimates the cost of
a GIN scan: every key's trigrams are shared by most keys (``seg-00001``, ``seg-00002`` …), so
the scan visited 150,000 index pages for 500 keys (4.0 s, EXPLAIN ANALYZE, 10,000 segments),
where the unique ``(environment_id, key)`` index answers in under a millisecond.

This revision replaces the three indexes with one GIN index on the expression
``key || ' ' || name || ' ' || coalesce(description, '')`` (:data:`SEARCH_TEXT_SQL`). No
equality on a column can use an index on an expression, so look-ups by key go back to the
unique index; the list's ``query`` filter states the expression itself (see
``store/segments/listing.py``: a term found in any of the three columns is found in their
concatenation, and the exact per-column match is checked on the rows the index yields). One
index instead of three also costs a create one GIN insertion instead of three.

Where ``pg_trgm`` is not available the revision changes nothing, as 0005 did. SQLite: nothing.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import logging

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

log = logging.getLogger("segmentd.store")

#: The indexed expression; ``store/segments/listing.py`` builds the same one.
SEARCH_TEXT_SQL = "((key || ' ' || name || ' ' || coalesce(description, '')))"
OLD_INDEXES = (
    ("ix_segments_key_trgm", "key"),
    ("ix_segments_name_trgm", "name"),
    ("ix_segments_description_trgm", "description"),
)


def _has_trigrams() -> bool:
    """Whether revision 0005 could create ``pg_trgm`` here."""
    row = (
        op.get_bind()
        .exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        .first()
    )
    return row is not None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql" or not _has_trigrams():
        return
    for name, _column in OLD_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_segments_search_trgm ON segments "
        f"USING gin ({SEARCH_TEXT_SQL} gin_trgm_ops)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql" or not _has_trigrams():
        return
    op.execute("DROP INDEX IF EXISTS ix_segments_search_trgm")
    for name, column in OLD_INDEXES:
        op.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON segments USING gin ({column} gin_trgm_ops)"
        )
