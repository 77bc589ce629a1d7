"""Which optional emails (booking reminders, unread messages) each user gets:
on for every existing account, as they were before.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE (see downgrade): both databases add a NOT NULL column
    # with a default in place, filling the existing rows.
    for column in ("email_booking_reminders", "email_unread_messages"):
        op.add_column(
            "user_account",
            sa.Column(column, sa.Boolean(), nullable=False, server_default=sa.true()),
        )


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+ has it): a batch would
    # copy user_account, which every table refers to, and SQLite's foreign
    # keys refuse to drop the old copy while rows point at it.
    op.drop_column("user_account", "email_unread_messages")
    op.drop_column("user_account", "email_booking_reminders")
