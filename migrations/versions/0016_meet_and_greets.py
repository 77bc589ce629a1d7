"""Meet-and-greets: free meetings before a pair's first booking.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meet_and_greet",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("owner_id", GUID(length=16), nullable=False),
        sa.Column("caregiver_id", GUID(length=16), nullable=False),
        sa.Column("start_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("end_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("response_deadline", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("conversation_id", GUID(length=16), nullable=True),
        sa.Column("decided_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.String(length=10), nullable=True),
        sa.Column("reminder_sent_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["caregiver_id"],
            ["caregiver_profile.id"],
            name=op.f("fk_meet_and_greet_caregiver_id_caregiver_profile"),
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_meet_and_greet_conversation_id_conversation"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"], name=op.f("fk_meet_and_greet_owner_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meet_and_greet")),
    )
    op.create_index(
        "ix_meet_and_greet_caregiver_period",
        "meet_and_greet",
        ["caregiver_id", "start_at", "end_at"],
    )
    op.create_index("ix_meet_and_greet_owner_created", "meet_and_greet", ["owner_id", "created_at"])
    op.create_index("ix_meet_and_greet_status_start", "meet_and_greet", ["status", "start_at"])
    op.create_index("ix_meet_and_greet_created", "meet_and_greet", ["created_at"])


def downgrade() -> None:
    op.drop_table("meet_and_greet")  # its indexes go with it
