"""Metrics: the range scans of the admin report.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_booking_created", "booking", ["created_at"])
    op.create_index("ix_user_account_created", "user_account", ["created_at"])
    op.create_index("ix_outbox_message_topic_created", "outbox_message", ["topic", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_message_topic_created", table_name="outbox_message")
    op.drop_index("ix_user_account_created", table_name="user_account")
    op.drop_index("ix_booking_created", table_name="booking")
