"""Flags' lifecycle settings (archived, deprecated, customProperties, maintainers, defaults)
as one JSON object per flag, as LaunchDarkly's Terraform provider replaces them.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("flags") as batch:
        batch.add_column(sa.Column("settings", sa.Text, nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("flags") as batch:
        batch.drop_column("settings")
