"""Account erasure (GDPR art. 17): when an account was erased, and which
messages lost their body with it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not batches: on SQLite a batch copies the table, and
# user_account is one every other table points at.
def upgrade() -> None:
    op.add_column("user_account", sa.Column("erased_at", DateTimeUTC(timezone=True), nullable=True))
    op.add_column(
        "message", sa.Column("removed", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    op.drop_column("message", "removed")
    op.drop_column("user_account", "erased_at")
