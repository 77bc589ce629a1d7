"""Money documents: each issued document as issued, and the last number taken
in each series (kind and year).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

KINDS = "'receipt', 'refund_note', 'commission_invoice', 'credit_note', 'statement'"


def upgrade() -> None:
    # The app role's grants come with the schema's default privileges (docs/db-roles.sql).
    op.create_table(
        "document",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("issued_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("recipient_id", GUID(length=16), nullable=False),
        sa.Column("booking_id", GUID(length=16), nullable=True),
        sa.Column("ledger_entry_id", GUID(length=16), nullable=True),
        sa.Column("period", sa.Date(), nullable=True),
        sa.Column("content", JsonB, nullable=False),
        sa.Column("file_key", sa.String(length=255), nullable=True),
        sa.Column("stored_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("notified_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f("ck_document_kind")),
        sa.CheckConstraint("sequence >= 1", name=op.f("ck_document_sequence")),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["booking.id"], name=op.f("fk_document_booking_id_booking")
        ),
        sa.ForeignKeyConstraint(
            ["ledger_entry_id"],
            ["ledger_entry.id"],
            name=op.f("fk_document_ledger_entry_id_ledger_entry"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
        sa.UniqueConstraint("number", name=op.f("uq_document_number")),
        sa.UniqueConstraint("ledger_entry_id", name=op.f("uq_document_ledger_entry_id")),
        sa.UniqueConstraint(
            "kind", "year", "sequence", name=op.f("uq_document_kind_year_sequence")
        ),
        sa.UniqueConstraint(
            "kind", "recipient_id", "period", name=op.f("uq_document_kind_recipient_period")
        ),
    )
    op.create_index("ix_document_recipient_issued", "document", ["recipient_id", "issued_at"])
    op.create_index("ix_document_issued", "document", ["issued_at"])
    op.create_index("ix_document_booking", "document", ["booking_id"])
    op.create_index("ix_document_notified", "document", ["notified_at"])
    op.create_table(
        "document_sequence",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_sequence", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "year", name=op.f("pk_document_sequence")),
    )


def downgrade() -> None:
    op.drop_table("document_sequence")
    op.drop_index("ix_document_notified", table_name="document")
    op.drop_index("ix_document_booking", table_name="document")
    op.drop_index("ix_document_issued", table_name="document")
    op.drop_index("ix_document_recipient_issued", table_name="document")
    op.drop_table("document")
