"""Requests and reminders for caregivers' DAC7 details; payouts withheld meanwhile.

The payout status `withheld` needs no schema change: `booking.payout_status`
is a plain string column without a CHECK constraint.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The app role's grants come with the schema's default privileges (docs/db-roles.sql).
    op.create_table(
        "caregiver_tax_request",
        sa.Column("caregiver_id", GUID(length=16), nullable=False),
        sa.Column("requested_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("first_reminder_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("second_reminder_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("withheld_notice_at", DateTimeUTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["caregiver_id"],
            ["caregiver_profile.id"],
            name=op.f("fk_caregiver_tax_request_caregiver_id_caregiver_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("caregiver_id", name=op.f("pk_caregiver_tax_request")),
    )
    op.create_index(
        op.f("ix_caregiver_tax_request_requested_at"),
        "caregiver_tax_request",
        ["requested_at"],
    )


def downgrade() -> None:
    # Withheld payouts go back to scheduled: the older code knows no such state.
    op.execute("UPDATE booking SET payout_status = 'scheduled' WHERE payout_status = 'withheld'")
    op.drop_index(op.f("ix_caregiver_tax_request_requested_at"), "caregiver_tax_request")
    op.drop_table("caregiver_tax_request")
