"""Accounts, tokens, pets, caregiver profiles, admin decisions, webhook events.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from alembic import op

sa.GUID = GUID  # type: ignore[attr-defined]
sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]
sa.JsonB = JsonB  # type: ignore[attr-defined]

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_account",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("locale", sa.String(length=2), nullable=False),
        sa.Column("roles", sa.String(length=50), nullable=False),
        sa.Column("email_verified", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("email", name=op.f("uq_user_account_email")),
    )
    op.create_table(
        "webhook_event",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTimeUTC(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_event")),
    )
    op.create_table(
        "caregiver_profile",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("user_id", sa.GUID(length=16), nullable=False),
        sa.Column("display_name", sa.String(length=80), nullable=False),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.Column("postcode", sa.String(length=4), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("service_radius_km", sa.Integer(), nullable=False),
        sa.Column("accepted_species", sa.String(length=60), nullable=False),
        sa.Column("max_pets", sa.Integer(), nullable=False),
        sa.Column("cancellation_policy", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("stripe_account_id", sa.String(length=255), nullable=True),
        sa.Column("payouts_enabled", sa.Boolean(), nullable=False),
        sa.Column("payouts_updated_at", sa.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_caregiver_profile_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caregiver_profile")),
        sa.UniqueConstraint(
            "stripe_account_id", name=op.f("uq_caregiver_profile_stripe_account_id")
        ),
        sa.UniqueConstraint("user_id", name=op.f("uq_caregiver_profile_user_id")),
    )
    with op.batch_alter_table("caregiver_profile", schema=None) as batch_op:
        batch_op.create_index("ix_caregiver_profile_status", ["status"], unique=False)

    op.create_table(
        "one_time_token",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("user_id", sa.GUID(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_one_time_token_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_time_token")),
        sa.UniqueConstraint("digest", name=op.f("uq_one_time_token_digest")),
    )
    with op.batch_alter_table("one_time_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_one_time_token_user_id"), ["user_id"], unique=False)

    op.create_table(
        "pet",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("owner_id", sa.GUID(length=16), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("species", sa.String(length=10), nullable=False),
        sa.Column("breed", sa.String(length=80), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("weight_kg", sa.Float(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["user_account.id"],
            name=op.f("fk_pet_owner_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pet")),
    )
    with op.batch_alter_table("pet", schema=None) as batch_op:
        batch_op.create_index("ix_pet_owner_active", ["owner_id", "deleted_at"], unique=False)

    op.create_table(
        "caregiver_blocked_period",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("caregiver_id", sa.GUID(length=16), nullable=False),
        sa.Column("start_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["caregiver_id"],
            ["caregiver_profile.id"],
            name=op.f("fk_caregiver_blocked_period_caregiver_id_caregiver_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caregiver_blocked_period")),
    )
    with op.batch_alter_table("caregiver_blocked_period", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_caregiver_blocked_period_caregiver_id"), ["caregiver_id"], unique=False
        )

    op.create_table(
        "caregiver_decision",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("caregiver_id", sa.GUID(length=16), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("admin_id", sa.GUID(length=16), nullable=False),
        sa.Column("decided_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["admin_id"],
            ["user_account.id"],
            name=op.f("fk_caregiver_decision_admin_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["caregiver_id"],
            ["caregiver_profile.id"],
            name=op.f("fk_caregiver_decision_caregiver_id_caregiver_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caregiver_decision")),
    )
    with op.batch_alter_table("caregiver_decision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_caregiver_decision_caregiver_id"), ["caregiver_id"], unique=False
        )

    op.create_table(
        "caregiver_service",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("caregiver_id", sa.GUID(length=16), nullable=False),
        sa.Column("service", sa.String(length=20), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("extra_pet_price_cents", sa.Integer(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["caregiver_id"],
            ["caregiver_profile.id"],
            name=op.f("fk_caregiver_service_caregiver_id_caregiver_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caregiver_service")),
        sa.UniqueConstraint(
            "caregiver_id", "service", name=op.f("uq_caregiver_service_caregiver_id")
        ),
    )
    op.create_table(
        "caregiver_weekly_window",
        sa.Column("id", sa.GUID(length=16), nullable=False),
        sa.Column("caregiver_id", sa.GUID(length=16), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["caregiver_id"],
            ["caregiver_profile.id"],
            name=op.f("fk_caregiver_weekly_window_caregiver_id_caregiver_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caregiver_weekly_window")),
    )
    with op.batch_alter_table("caregiver_weekly_window", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_caregiver_weekly_window_caregiver_id"), ["caregiver_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("caregiver_weekly_window", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_caregiver_weekly_window_caregiver_id"))

    op.drop_table("caregiver_weekly_window")
    op.drop_table("caregiver_service")
    with op.batch_alter_table("caregiver_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_caregiver_decision_caregiver_id"))

    op.drop_table("caregiver_decision")
    with op.batch_alter_table("caregiver_blocked_period", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_caregiver_blocked_period_caregiver_id"))

    op.drop_table("caregiver_blocked_period")
    with op.batch_alter_table("pet", schema=None) as batch_op:
        batch_op.drop_index("ix_pet_owner_active")

    op.drop_table("pet")
    with op.batch_alter_table("one_time_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_one_time_token_user_id"))

    op.drop_table("one_time_token")
    with op.batch_alter_table("caregiver_profile", schema=None) as batch_op:
        batch_op.drop_index("ix_caregiver_profile_status")

    op.drop_table("caregiver_profile")
    op.drop_table("webhook_event")
    op.drop_table("user_account")
