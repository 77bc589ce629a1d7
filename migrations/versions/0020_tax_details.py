"""Caregivers' DAC7 due-diligence data, sealed (AES-GCM) in one row per caregiver.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The app role's grants come with the schema's default privileges (docs/db-roles.sql).
    op.create_table(
        "caregiver_tax_details",
        sa.Column("caregiver_id", GUID(length=16), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["caregiver_id"],
            ["caregiver_profile.id"],
            name=op.f("fk_caregiver_tax_details_caregiver_id_caregiver_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("caregiver_id", name=op.f("pk_caregiver_tax_details")),
    )


def downgrade() -> None:
    op.drop_table("caregiver_tax_details")
