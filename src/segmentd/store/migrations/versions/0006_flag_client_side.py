"""Flags' client-side availability (``clientSideAvailability``): which client credentials
(client-side id, mobile key) may evaluate them.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("flags") as batch:
        batch.add_column(
            sa.Column("using_environment_id", sa.Boolean, nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("using_mobile_key", sa.Boolean, nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("flags") as batch:
        batch.drop_column("using_mobile_key")
        batch.drop_column("using_environment_id")
