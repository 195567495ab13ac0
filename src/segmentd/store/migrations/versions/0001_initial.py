"""Projects, environments, access tokens, segments and segment tags.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.String(24), primary_key=True),
        sa.Column("key", sa.String(256), nullable=False, unique=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("include_in_snippet", sa.Boolean, nullable=False),
        sa.Column("creation_date", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "environments",
        sa.Column("id", sa.String(24), primary_key=True),
        sa.Column(
            "project_id",
            sa.String(24),
            sa.ForeignKey("projects.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("key", sa.String(256), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("color", sa.String(16), nullable=False),
        sa.Column("sdk_key", sa.String(128), nullable=False, unique=True),
        sa.Column("mobile_key", sa.String(128), nullable=False, unique=True),
        sa.Column("default_ttl", sa.Integer, nullable=False),
        sa.Column("secure_mode", sa.Boolean, nullable=False),
        sa.Column("default_track_events", sa.Boolean, nullable=False),
        sa.Column("require_comments", sa.Boolean, nullable=False),
        sa.Column("confirm_changes", sa.Boolean, nullable=False),
        sa.Column("critical", sa.Boolean, nullable=False),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("creation_date", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("project_id", "key", name="uq_environments_project_key"),
    )
    op.create_table(
        "access_tokens",
        sa.Column("id", sa.String(24), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("last_four", sa.String(4), nullable=False),
        sa.Column("creation_date", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "segments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "environment_id",
            sa.String(24),
            sa.ForeignKey("environments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("key", sa.String(256), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("creation_date", sa.BigInteger, nullable=False),
        sa.Column("last_modified_date", sa.BigInteger, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("salt", sa.String(64), nullable=False),
        sa.Column("unbounded", sa.Boolean, nullable=False),
        sa.Column("unbounded_context_kind", sa.String(256), nullable=True),
        sa.Column("generation", sa.Integer, nullable=True),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("targeting", sa.Text, nullable=False),
        sa.UniqueConstraint("environment_id", "key", name="uq_segments_environment_key"),
    )
    op.create_table(
        "segment_tags",
        sa.Column(
            "segment_id",
            sa.Integer,
            sa.ForeignKey("segments.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("tag", sa.String(64), primary_key=True),
    )
    op.create_index("ix_segment_tags_tag", "segment_tags", ["tag"])


def downgrade() -> None:
    op.drop_index("ix_segment_tags_tag", table_name="segment_tags")
    for table in ("segment_tags", "segments", "access_tokens", "environments", "projects"):
        op.drop_table(table)
