"""The searched text as one stored column with one trigram index, which equality on
``key`` cannot pick.

Revision 0005 put a ``pg_trgm`` GIN index on each of key, name and description. Since
``pg_trgm`` 1.6 (PostgreSQL 14) ``gin_trgm_ops`` also answers ``=``, and the planner then took
the index on ``key`` for ``environment_id = … AND key = ANY(…)`` — the look-up of segments by
key that evaluation and ``includedKeys`` filters run — because it underestimates the cost of
a GIN scan: every key's trigrams are shared by most keys (``seg-00001``, ``seg-00002`` …), so
the scan visited 150,000 index pages for 500 keys (4.0 s, EXPLAIN ANALYZE, 10,000 segments),
where the unique ``(environment_id, key)`` index answers in under a millisecond.

This revision adds a stored generated column, ``search_text``: key, name and description
joined by spaces and lowercased as ``ILIKE`` lowercases (``lower``), and replaces the three
indexes with one GIN index on it. No equality on ``key`` can use that index, so look-ups by
key go back to the unique index; the list's ``query`` filter becomes ``search_text LIKE
lower(pattern)`` (``store/segments/listing.py``), which is what ``ILIKE`` computes on a UTF-8
database, without lowering three columns of every row it reads. One index instead of three
also costs a create one GIN insertion instead of three.

The column is added on every PostgreSQL database (the filter reads it); the index only where
``pg_trgm`` is, as in 0005. SQLite: nothing.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SEARCH_TEXT_SQL = "lower(key || ' ' || name || ' ' || coalesce(description, ''))"
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
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE segments ADD COLUMN search_text text "
        f"GENERATED ALWAYS AS ({SEARCH_TEXT_SQL}) STORED"
    )
    if not _has_trigrams():
        return
    for name, _column in OLD_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_segments_search_trgm ON segments "
        "USING gin (search_text gin_trgm_ops)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_segments_search_trgm")
    op.execute("ALTER TABLE segments DROP COLUMN IF EXISTS search_text")
    if not _has_trigrams():
        return
    for name, column in OLD_INDEXES:
        op.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON segments USING gin ({column} gin_trgm_ops)"
        )
