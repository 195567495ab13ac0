"""Feature flags, their per-environment configurations and segment references; change log.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "flags",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "project_id",
            sa.String(24),
            sa.ForeignKey("projects.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("key", sa.String(256), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("variations", sa.Text, nullable=False),
        sa.Column("temporary", sa.Boolean, nullable=False),
        sa.Column("creation_date", sa.BigInteger, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.UniqueConstraint("project_id", "key", name="uq_flags_project_key"),
    )
    op.create_table(
        "flag_configs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "flag_id", sa.Integer, sa.ForeignKey("flags.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "environment_id",
            sa.String(24),
            sa.ForeignKey("environments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("config", sa.Text, nullable=False),
        sa.UniqueConstraint("flag_id", "environment_id", name="uq_flag_configs_flag_environment"),
    )
    op.create_index("ix_flag_configs_environment", "flag_configs", ["environment_id"])
    op.create_table(
        "flag_segment_refs",
        sa.Column(
            "config_id",
            sa.Integer,
            sa.ForeignKey("flag_configs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("segment_key", sa.String(256), primary_key=True),
    )
    op.create_index("ix_flag_segment_refs_segment", "flag_segment_refs", ["segment_key"])
    op.create_table(
        "change_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("origin", sa.String(32), nullable=False),
        sa.Column("environment_id", sa.String(24), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("item_key", sa.String(256), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("change_log")
    op.drop_table("flag_segment_refs")
    op.drop_index("ix_flag_configs_environment", table_name="flag_configs")
    op.drop_table("flag_configs")
    op.drop_table("flags")
