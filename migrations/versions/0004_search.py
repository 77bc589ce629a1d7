"""Search: a location index for the bounding box, full text on PostgreSQL.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The same expression as the search query, so PostgreSQL can use the index.
FTS = "to_tsvector('simple', display_name || ' ' || bio)"


def upgrade() -> None:
    op.create_index("ix_caregiver_profile_location", "caregiver_profile", ["latitude", "longitude"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_caregiver_profile_fts ON caregiver_profile USING gin ({FTS})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_caregiver_profile_fts")
    op.drop_index("ix_caregiver_profile_location", table_name="caregiver_profile")
