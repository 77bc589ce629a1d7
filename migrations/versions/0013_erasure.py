"""Account erasure (GDPR art. 17): when an account was erased, and which
messages lost their body with it.

Revision ID: 0013
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision = "0013"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("erased_at", DateTimeUTC(timezone=True), nullable=True))
    with op.batch_alter_table("message") as batch:
        batch.add_column(
            sa.Column("removed", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("message") as batch:
        batch.drop_column("removed")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("erased_at")
