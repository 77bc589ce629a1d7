"""Bookings, their pets, reviews; no double booking enforced by PostgreSQL.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from alembic import op

sa.GUID = GUID  # type: ignore[attr-defined]
sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]
sa.JsonB = JsonB  # type: ignore[attr-defined]

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "booking",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("owner_id", sa.GUID(length=16), nullable=False),
        sa.Column("caregiver_id", sa.GUID(length=16), nullable=False),
        sa.Column("service", sa.String(length=20), nullable=False),
        sa.Column("start_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("pets", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("payment_status", sa.String(length=20), nullable=False),
        sa.Column("payout_status", sa.String(length=20), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("commission_cents", sa.BigInteger(), nullable=False),
        sa.Column("caregiver_payout_cents", sa.BigInteger(), nullable=False),
        sa.Column("commission_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("cancellation_policy", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("payment_deadline", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("response_deadline", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("payment_intent_id", sa.String(length=255), nullable=True),
        sa.Column("client_secret", sa.String(length=255), nullable=True),
        sa.Column("captured_cents", sa.BigInteger(), nullable=False),
        sa.Column("refunded_cents", sa.BigInteger(), nullable=False),
        sa.Column("paid_out_cents", sa.BigInteger(), nullable=False),
        sa.Column("reversed_cents", sa.BigInteger(), nullable=False),
        sa.Column("completed_at", sa.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("dispute_deadline", sa.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.String(length=10), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reminder_sent_at", sa.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["caregiver_id"],
            ["caregiver_profile.id"],
            name=op.f("fk_booking_caregiver_id_caregiver_profile"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"], name=op.f("fk_booking_owner_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking")),
    )
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.create_index(
            "ix_booking_caregiver_period", ["caregiver_id", "start_at", "end_at"], unique=False
        )
        batch_op.create_index("ix_booking_owner_created", ["owner_id", "created_at"], unique=False)
        batch_op.create_index("ix_booking_payment_intent", ["payment_intent_id"], unique=True)
        batch_op.create_index("ix_booking_status_end", ["status", "end_at"], unique=False)
        batch_op.create_index("ix_booking_status_start", ["status", "start_at"], unique=False)

    op.create_table(
        "booking_pet",
        sa.Column("booking_id", sa.GUID(length=16), nullable=False),
        sa.Column("pet_id", sa.GUID(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["booking.id"],
            name=op.f("fk_booking_pet_booking_id_booking"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["pet_id"], ["pet.id"], name=op.f("fk_booking_pet_pet_id_pet")),
        sa.PrimaryKeyConstraint("booking_id", "pet_id", name=op.f("pk_booking_pet")),
    )
    op.create_table(
        "review",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("booking_id", sa.GUID(length=16), nullable=False),
        sa.Column("caregiver_id", sa.GUID(length=16), nullable=False),
        sa.Column("owner_id", sa.GUID(length=16), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("replied_at", sa.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["booking.id"], name=op.f("fk_review_booking_id_booking")
        ),
        sa.ForeignKeyConstraint(
            ["caregiver_id"],
            ["caregiver_profile.id"],
            name=op.f("fk_review_caregiver_id_caregiver_profile"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"], name=op.f("fk_review_owner_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_review_booking_id")),
    )
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.create_index(
            "ix_review_caregiver_created", ["caregiver_id", "created_at"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        # Capacity-one services (the caregiver is away): no two active ones may
        # overlap, whatever the timing of concurrent requests. Hosted services
        # (boarding, day care) are counted under a lock in the repository.
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            """
            ALTER TABLE booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist (
                caregiver_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&
            ) WHERE (
                status IN ('requested', 'accepted', 'in_progress')
                AND service IN ('dog_walking', 'drop_in', 'house_sitting')
            )
            """
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE booking DROP CONSTRAINT IF EXISTS booking_no_overlap")
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_index("ix_review_caregiver_created")

    op.drop_table("review")
    op.drop_table("booking_pet")
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_status_start")
        batch_op.drop_index("ix_booking_status_end")
        batch_op.drop_index("ix_booking_payment_intent")
        batch_op.drop_index("ix_booking_owner_created")
        batch_op.drop_index("ix_booking_caregiver_period")

    op.drop_table("booking")
