"""How a booking was paid: card (held, captured on acceptance) or Bancontact
(taken at once); NULL until the payment provider says.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("booking", sa.Column("payment_method", sa.String(length=20), nullable=True))
    # Bookings paid before: only cards were offered, and only they are held.
    op.execute(
        "UPDATE booking SET payment_method = 'card' "
        "WHERE payment_status <> 'pending' AND payment_status <> 'failed' "
        "AND payment_status <> 'canceled'"
    )


def downgrade() -> None:
    op.drop_column("booking", "payment_method")
