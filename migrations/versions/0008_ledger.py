"""The money ledger, what a booking knows of its Stripe objects and payout
attempts, and webhook events that failed to process.

Bookings settled before this revision get their ledger entries rebuilt from
their amounts, so that every booking's ledger balances; late owner
cancellations, which now pay the caregiver's share of what was kept, get
that payout scheduled.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _commission(kept: int, percent: Decimal) -> int:
    return int((Decimal(kept) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def upgrade() -> None:
    with op.batch_alter_table("booking") as batch:
        batch.add_column(sa.Column("charge_id", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("transfer_id", sa.String(length=255), nullable=True))
        batch.add_column(
            sa.Column("stripe_fee_cents", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("payout_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("payout_retry_at", DateTimeUTC(timezone=True), nullable=True))
    op.create_index("ix_booking_payout_due", "booking", ["payout_status", "dispute_deadline"])
    with op.batch_alter_table("webhook_event") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
    ledger = op.create_table(
        "ledger_entry",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("booking_id", GUID(length=16), nullable=False),
        sa.Column("movement", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("destination", sa.String(length=20), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("occurred_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.CheckConstraint("amount_cents > 0", name="ck_ledger_entry_positive"),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["booking.id"], name=op.f("fk_ledger_entry_booking_id_booking")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entry")),
    )
    op.create_index("ix_ledger_entry_booking", "ledger_entry", ["booking_id", "occurred_at"])
    op.create_index("ix_ledger_entry_occurred", "ledger_entry", ["occurred_at"])
    _backfill(ledger)


def _backfill(ledger: sa.Table) -> None:
    """Entries for the money of bookings that moved before the ledger existed."""
    booking = sa.table(
        "booking",
        sa.column("id", GUID(length=16)),
        sa.column("created_at", DateTimeUTC(timezone=True)),
        sa.column("payment_status", sa.String()),
        sa.column("payout_status", sa.String()),
        sa.column("total_cents", sa.BigInteger()),
        sa.column("captured_cents", sa.BigInteger()),
        sa.column("refunded_cents", sa.BigInteger()),
        sa.column("paid_out_cents", sa.BigInteger()),
        sa.column("reversed_cents", sa.BigInteger()),
        sa.column("commission_percent", sa.Numeric(5, 2)),
        sa.column("status", sa.String()),
        sa.column("dispute_deadline", DateTimeUTC(timezone=True)),
    )
    rows = op.get_bind().execute(sa.select(booking)).mappings()
    now = datetime.now(UTC)
    entries: list[dict[str, object]] = []
    owed: list[object] = []  # cancelled with money kept, never paid out

    def post(b: sa.RowMapping, movement: str, route: tuple[str, str], amount: int) -> None:
        if amount > 0:
            entries.append(
                {
                    "id": uuid.uuid4(),
                    "booking_id": b["id"],
                    "movement": movement,
                    "source": route[0],
                    "destination": route[1],
                    "amount_cents": amount,
                    "reference": "migrated",
                    "occurred_at": now,
                }
            )

    for b in rows:
        total, captured = b["total_cents"], b["captured_cents"]
        refunded, paid, reversed_ = b["refunded_cents"], b["paid_out_cents"], b["reversed_cents"]
        if b["payment_status"] == "authorized":
            post(b, "authorization", ("owner", "card_hold"), total)
        if not captured:
            continue
        post(b, "authorization", ("owner", "card_hold"), captured)
        post(b, "capture", ("card_hold", "escrow"), captured)
        post(b, "refund", ("escrow", "owner"), refunded)
        kept = captured - refunded
        unpaid = b["status"] == "cancelled" and b["payout_status"] == "none"
        if unpaid and kept - _commission(kept, b["commission_percent"]) > 0:
            owed.append(b["id"])
        if b["payout_status"] in ("paid", "reversed"):
            kept = captured - refunded
            post(
                b, "commission", ("escrow", "platform"), _commission(kept, b["commission_percent"])
            )
            post(b, "transfer", ("escrow", "caregiver"), paid + reversed_)
            post(b, "reversal", ("caregiver", "escrow"), reversed_)
    if entries:
        op.bulk_insert(ledger, entries)
    if owed:
        op.get_bind().execute(
            sa.update(booking)
            .where(booking.c.id.in_(owed))
            .values(payout_status="scheduled", dispute_deadline=now)
        )


def downgrade() -> None:
    op.drop_index("ix_ledger_entry_occurred", table_name="ledger_entry")
    op.drop_index("ix_ledger_entry_booking", table_name="ledger_entry")
    op.drop_table("ledger_entry")
    with op.batch_alter_table("webhook_event") as batch:
        batch.drop_column("last_error")
        batch.drop_column("attempts")
    op.drop_index("ix_booking_payout_due", table_name="booking")
    with op.batch_alter_table("booking") as batch:
        batch.drop_column("payout_retry_at")
        batch.drop_column("payout_attempts")
        batch.drop_column("stripe_fee_cents")
        batch.drop_column("transfer_id")
        batch.drop_column("charge_id")
