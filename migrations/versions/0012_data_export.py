"""Personal data exports.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_export",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("user_id", GUID(length=16), nullable=False),
        sa.Column("requested_by", GUID(length=16), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("ready_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("expires_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("object_key", sa.String(length=255), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_data_export_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_export")),
    )
    op.create_index("ix_data_export_user", "data_export", ["user_id", "requested_at"])
    op.create_index("ix_data_export_status", "data_export", ["status", "requested_at"])


def downgrade() -> None:
    op.drop_index("ix_data_export_status", table_name="data_export")
    op.drop_index("ix_data_export_user", table_name="data_export")
    op.drop_table("data_export")
