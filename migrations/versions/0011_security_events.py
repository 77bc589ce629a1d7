"""Security events: a user's sign-ins and password changes, kept a year.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "security_event",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("user_id", GUID(length=16), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=True),
        sa.Column("client", sa.String(length=60), nullable=False),
        sa.Column("at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_security_event_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_event")),
    )
    op.create_index("ix_security_event_user_at", "security_event", ["user_id", "at"])
    op.create_index("ix_security_event_at", "security_event", ["at"])


def downgrade() -> None:
    op.drop_index("ix_security_event_at", table_name="security_event")
    op.drop_index("ix_security_event_user_at", table_name="security_event")
    op.drop_table("security_event")
