"""Project and environment settings that LaunchDarkly's clients write: a project's
``defaultClientSideAvailability.usingMobileKey`` (its ``usingEnvironmentId`` is the existing
``include_in_snippet``) and an environment's ``approvalSettings`` (JSON; NULL = defaults).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(
            sa.Column(
                "default_using_mobile_key", sa.Boolean, nullable=False, server_default=sa.true()
            )
        )
    with op.batch_alter_table("environments") as batch:
        batch.add_column(sa.Column("approval_settings", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("environments") as batch:
        batch.drop_column("approval_settings")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("default_using_mobile_key")
