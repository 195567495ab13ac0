"""Segment lifecycle: list indexes, expiring targets and the audit log.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_segments_env_creation", "segments", ["environment_id", "creation_date"])
    op.create_index("ix_segments_env_name", "segments", ["environment_id", "name"])
    op.create_index(
        "ix_segments_env_modified", "segments", ["environment_id", "last_modified_date"]
    )
    op.create_index("ix_segment_tags_tag_segment", "segment_tags", ["tag", "segment_id"])
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(
            "ix_segments_listing",
            "segments",
            [
                "environment_id",
                "deleted",
                "name",
                "key",
                "creation_date",
                "last_modified_date",
                "unbounded",
                "description",
            ],
        )
    op.create_table(
        "segment_expiring_targets",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "segment_id",
            sa.Integer,
            sa.ForeignKey("segments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("target_type", sa.String(16), nullable=False),
        sa.Column("context_kind", sa.String(256), nullable=False),
        sa.Column("context_key", sa.Text, nullable=False),
        sa.Column("expiration_date", sa.BigInteger, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.UniqueConstraint(
            "segment_id",
            "target_type",
            "context_kind",
            "context_key",
            name="uq_segment_expiring_targets_target",
        ),
    )
    op.create_index(
        "ix_segment_expiring_targets_due", "segment_expiring_targets", ["expiration_date"]
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "environment_id",
            sa.String(24),
            sa.ForeignKey("environments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("segment_key", sa.String(256), nullable=False),
        sa.Column("segment_name", sa.String(256), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("actor_name", sa.String(256), nullable=False),
        sa.Column("date", sa.BigInteger, nullable=False),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("version_before", sa.Integer, nullable=True),
        sa.Column("version_after", sa.Integer, nullable=True),
        sa.Column("changes", sa.Text, nullable=False),
    )
    op.create_index("ix_audit_log_segment", "audit_log", ["environment_id", "segment_key", "id"])
    op.create_index("ix_audit_log_date", "audit_log", ["date"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_date", table_name="audit_log")
    op.drop_index("ix_audit_log_segment", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_segment_expiring_targets_due", table_name="segment_expiring_targets")
    op.drop_table("segment_expiring_targets")
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_segments_listing", table_name="segments")
    op.drop_index("ix_segment_tags_tag_segment", table_name="segment_tags")
    for name in ("ix_segments_env_modified", "ix_segments_env_name", "ix_segments_env_creation"):
        op.drop_index(name, table_name="segments")
