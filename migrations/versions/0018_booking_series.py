"""Weekly series of bookings: the series, and each occurrence's link to it
and the time by which it must be paid.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

SERIES_STATUSES = "'requested', 'accepted', 'declined', 'expired', 'cancelled'"
SETUP_STATUSES = "'pending', 'succeeded', 'failed'"


def _check(sql: str, name: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(sql, name=op.f(f"ck_booking_series_{name}"))


def upgrade() -> None:
    op.create_table(
        "booking_series",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("owner_id", GUID(length=16), nullable=False),
        sa.Column("caregiver_id", GUID(length=16), nullable=False),
        sa.Column("service", sa.String(length=20), nullable=False),
        sa.Column("pet_ids", JsonB, nullable=False),
        sa.Column("weekdays", sa.String(length=13), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("first_start", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.String(length=255), nullable=True),
        sa.Column("setup_intent_id", sa.String(length=255), nullable=True),
        sa.Column("setup_client_secret", sa.String(length=255), nullable=True),
        sa.Column("setup_status", sa.String(length=20), nullable=False),
        sa.Column("payment_method_id", sa.String(length=255), nullable=True),
        sa.Column("decided_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("conversation_id", GUID(length=16), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        _check("length(weekdays) BETWEEN 1 AND 13", "weekdays"),
        _check("start_minute >= 0 AND start_minute < 1440", "start_minute"),
        _check("duration_minutes > 0", "duration"),
        _check('("count" IS NULL) <> ("until" IS NULL)', "count_or_until"),
        _check('"count" IS NULL OR "count" >= 1', "count"),
        _check('"until" IS NULL OR "until" >= first_date', "until"),
        _check(f"status IN ({SERIES_STATUSES})", "status"),
        _check(f"setup_status IN ({SETUP_STATUSES})", "setup_status"),
        sa.ForeignKeyConstraint(
            ["caregiver_id"],
            ["caregiver_profile.id"],
            name=op.f("fk_booking_series_caregiver_id_caregiver_profile"),
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_booking_series_conversation_id_conversation"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"], name=op.f("fk_booking_series_owner_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_series")),
    )
    op.create_index("ix_booking_series_owner_created", "booking_series", ["owner_id", "created_at"])
    op.create_index(
        "ix_booking_series_caregiver_created", "booking_series", ["caregiver_id", "created_at"]
    )
    op.create_index("ix_booking_series_status_created", "booking_series", ["status", "created_at"])
    # Unique where set: both databases let any number of rows leave it NULL.
    op.create_index(
        "ix_booking_series_setup_intent", "booking_series", ["setup_intent_id"], unique=True
    )

    op.add_column("booking", sa.Column("pay_by", DateTimeUTC(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        # An inline REFERENCES: SQLite adds the column in place. A batch copy
        # of the booking table would drop the old one, and with foreign keys
        # on, that deletes its pets' rows (ON DELETE CASCADE).
        op.add_column(
            "booking",
            sa.Column(
                "series_id",
                GUID(length=16),
                sa.ForeignKey(
                    "booking_series.id", name=op.f("fk_booking_series_id_booking_series")
                ),
                nullable=True,
            ),
            inline_references=True,
        )
    else:
        op.add_column("booking", sa.Column("series_id", GUID(length=16), nullable=True))
        op.create_foreign_key(
            op.f("fk_booking_series_id_booking_series"),
            "booking",
            "booking_series",
            ["series_id"],
            ["id"],
        )
    op.create_index("ix_booking_of_series", "booking", ["series_id", "start_at"])


def downgrade() -> None:
    op.drop_index("ix_booking_of_series", table_name="booking")
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # SQLite cannot drop a column that references another table: the
        # table is copied, and the old copy dropped. With foreign keys on,
        # that drop deletes the rows pointing at bookings (or is refused), so
        # they are kept aside meanwhile and put back. (The names interpolated
        # below are the schema's own table names.)
        referring = (
            bind.exec_driver_sql(
                "SELECT DISTINCT m.name FROM sqlite_master m, pragma_foreign_key_list(m.name) f "
                "WHERE m.type = 'table' AND f.\"table\" = 'booking' AND m.name <> 'booking'"
            )
            .scalars()
            .all()
        )
        for name in referring:
            op.execute(f'CREATE TEMP TABLE "kept_{name}" AS SELECT * FROM "{name}"')  # noqa: S608
            op.execute(f'DELETE FROM "{name}"')  # noqa: S608
        with op.batch_alter_table("booking", recreate="always") as batch:
            batch.drop_column("series_id")
            batch.drop_column("pay_by")
        for name in referring:
            op.execute(f'INSERT INTO "{name}" SELECT * FROM "kept_{name}"')  # noqa: S608
            op.execute(f'DROP TABLE "kept_{name}"')
    else:
        op.drop_constraint(
            op.f("fk_booking_series_id_booking_series"), "booking", type_="foreignkey"
        )
        op.drop_column("booking", "series_id")
        op.drop_column("booking", "pay_by")
    op.drop_table("booking_series")  # its indexes go with it
