"""Favourite caregivers: the caregivers a user saved.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "favorite",
        sa.Column("user_id", GUID(length=16), nullable=False),
        sa.Column("caregiver_id", GUID(length=16), nullable=False),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_favorite_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["caregiver_id"],
            ["caregiver_profile.id"],
            name=op.f("fk_favorite_caregiver_id_caregiver_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "caregiver_id", name=op.f("pk_favorite")),
    )
    op.create_index("ix_favorite_user_created", "favorite", ["user_id", "created_at"])
    op.create_index(op.f("ix_favorite_caregiver_id"), "favorite", ["caregiver_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_favorite_caregiver_id"), table_name="favorite")
    op.drop_index("ix_favorite_user_created", table_name="favorite")
    op.drop_table("favorite")
