"""Big-segment membership, stored counts, imports and exports.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _segment_fk() -> sa.ForeignKey:
    return sa.ForeignKey("segments.id", ondelete="CASCADE")


def _environment_fk() -> sa.ForeignKey:
    return sa.ForeignKey("environments.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "big_segment_targets",
        # No foreign key: see schema.big_segment_targets.
        sa.Column("segment_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("generation", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("context_key", sa.String(256), primary_key=True),
        sa.Column("excluded", sa.Boolean, primary_key=True),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "big_segment_state",
        sa.Column("segment_id", sa.Integer, _segment_fk(), primary_key=True),
        sa.Column("segment_created", sa.BigInteger, nullable=False),
        sa.Column("included_count", sa.BigInteger, nullable=False),
        sa.Column("excluded_count", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "big_segment_imports",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("environment_id", sa.String(24), _environment_fk(), nullable=False),
        sa.Column("segment_id", sa.Integer, _segment_fk(), nullable=False),
        sa.Column("segment_key", sa.String(256), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("creation_time", sa.BigInteger, nullable=False),
        sa.Column("finished_time", sa.BigInteger, nullable=True),
        sa.Column("file_name", sa.String(256), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("rows", sa.BigInteger, nullable=False),
        sa.Column("keys_added", sa.BigInteger, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("active_environment", sa.String(24), nullable=True, unique=True),
    )
    op.create_index("ix_big_segment_imports_segment", "big_segment_imports", ["segment_id"])
    op.create_table(
        "big_segment_exports",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("environment_id", sa.String(24), _environment_fk(), nullable=False),
        sa.Column("segment_id", sa.Integer, _segment_fk(), nullable=False),
        sa.Column("segment_key", sa.String(256), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("creation_time", sa.BigInteger, nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("initiator_name", sa.String(256), nullable=False),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_index("ix_big_segment_exports_segment", "big_segment_exports", ["segment_id"])


def downgrade() -> None:
    op.drop_index("ix_big_segment_exports_segment", "big_segment_exports")
    op.drop_table("big_segment_exports")
    op.drop_index("ix_big_segment_imports_segment", "big_segment_imports")
    op.drop_table("big_segment_imports")
    op.drop_table("big_segment_state")
    op.drop_table("big_segment_targets")
