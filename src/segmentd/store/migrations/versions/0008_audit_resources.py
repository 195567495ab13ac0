"""The audit log records projects and environments too, and outlives what it describes.

``kind`` says what an entry is about (``segment``, ``environment``, ``project``); the
project and environment keys are stored with each entry (they were joined in), so the
history of a deleted environment or project stays readable; ``environment_id`` loses its
foreign key (a deleted environment no longer deletes its history) and is NULL for project
entries. Segment histories are found by (project key, environment key, segment key).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

#: Names SQLite's unnamed constraints get in batch mode, so the foreign key can be dropped.
NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="segment"))
        batch.add_column(sa.Column("project_key", sa.String(256), nullable=True))
        batch.add_column(sa.Column("environment_key", sa.String(256), nullable=True))
    op.execute(
        "UPDATE audit_log SET environment_key = "
        "(SELECT e.key FROM environments e WHERE e.id = audit_log.environment_id), "
        "project_key = (SELECT p.key FROM environments e JOIN projects p ON p.id = e.project_id "
        "WHERE e.id = audit_log.environment_id)"
    )
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("audit_log", naming_convention=NAMING) as batch:
            batch.drop_constraint("fk_audit_log_environment_id_environments", type_="foreignkey")
            batch.alter_column("environment_id", existing_type=sa.String(24), nullable=True)
            batch.alter_column("project_key", existing_type=sa.String(256), nullable=False)
            batch.drop_index("ix_audit_log_segment")
    else:
        op.drop_constraint("audit_log_environment_id_fkey", "audit_log", type_="foreignkey")
        op.alter_column("audit_log", "environment_id", existing_type=sa.String(24), nullable=True)
        op.alter_column("audit_log", "project_key", existing_type=sa.String(256), nullable=False)
        op.drop_index("ix_audit_log_segment", table_name="audit_log")
    op.create_index(
        "ix_audit_log_resource",
        "audit_log",
        ["project_key", "environment_key", "segment_key", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_audit_log_resource", table_name="audit_log")
    op.execute("DELETE FROM audit_log WHERE environment_id IS NULL OR kind <> 'segment'")
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("environment_id", existing_type=sa.String(24), nullable=False)
        batch.create_foreign_key(
            "audit_log_environment_id_fkey",
            "environments",
            ["environment_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.drop_column("environment_key")
        batch.drop_column("project_key")
        batch.drop_column("kind")
    op.create_index("ix_audit_log_segment", "audit_log", ["environment_id", "segment_key", "id"])
