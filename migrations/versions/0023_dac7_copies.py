"""The sellers sent their copy of a year's DAC7 figures: one row per seller and year.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The app role's grants come with the schema's default privileges (docs/db-roles.sql).
    op.create_table(
        "dac7_copy",
        sa.Column("caregiver_id", GUID(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sent_at", DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("caregiver_id", "year", name=op.f("pk_dac7_copy")),
    )


def downgrade() -> None:
    op.drop_table("dac7_copy")
