"""Conversations between owners and caregivers, their messages, and each
booking's conversation (existing bookings get their pair's).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


# A pair with one of these bookings has had a booking accepted.
ACCEPTED_ONCE = ("accepted", "in_progress", "completed", "disputed")


def upgrade() -> None:
    op.create_table(
        "conversation",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("owner_id", GUID(length=16), nullable=False),
        sa.Column("caregiver_id", GUID(length=16), nullable=False),
        sa.Column("caregiver_user_id", GUID(length=16), nullable=False),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("last_message_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("contacts_shared_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("owner_read_seq", sa.Integer(), nullable=False),
        sa.Column("owner_notified_seq", sa.Integer(), nullable=False),
        sa.Column("owner_notified_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("caregiver_read_seq", sa.Integer(), nullable=False),
        sa.Column("caregiver_notified_seq", sa.Integer(), nullable=False),
        sa.Column("caregiver_notified_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"], name=op.f("fk_conversation_owner_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["caregiver_id"],
            ["caregiver_profile.id"],
            name=op.f("fk_conversation_caregiver_id_caregiver_profile"),
        ),
        sa.ForeignKeyConstraint(
            ["caregiver_user_id"],
            ["user_account.id"],
            name=op.f("fk_conversation_caregiver_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation")),
        sa.UniqueConstraint("owner_id", "caregiver_id", name="uq_conversation_pair"),
    )
    op.create_index(
        "ix_conversation_owner_activity", "conversation", ["owner_id", "last_message_at"]
    )
    op.create_index(
        "ix_conversation_caregiver_activity",
        "conversation",
        ["caregiver_user_id", "last_message_at"],
    )
    op.create_table(
        "message",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("conversation_id", GUID(length=16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("sender_id", GUID(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("photo_ids", JsonB, nullable=False),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_message_conversation_id_conversation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["user_account.id"], name=op.f("fk_message_sender_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message")),
        sa.UniqueConstraint("conversation_id", "seq", name="uq_message_seq"),
    )
    with op.batch_alter_table("booking") as batch:
        batch.add_column(sa.Column("conversation_id", GUID(length=16), nullable=True))
        batch.create_foreign_key(
            op.f("fk_booking_conversation_id_conversation"),
            "conversation",
            ["conversation_id"],
            ["id"],
        )
    _give_existing_bookings_their_conversation()


def _give_existing_bookings_their_conversation() -> None:
    bind = op.get_bind()
    booking = sa.table(
        "booking",
        sa.column("id", GUID(length=16)),
        sa.column("owner_id", GUID(length=16)),
        sa.column("caregiver_id", GUID(length=16)),
        sa.column("created_at", DateTimeUTC(timezone=True)),
        sa.column("conversation_id", GUID(length=16)),
        sa.column("status", sa.String(20)),
        sa.column("captured_cents", sa.BigInteger()),
    )
    profile = sa.table(
        "caregiver_profile", sa.column("id", GUID(length=16)), sa.column("user_id", GUID(length=16))
    )
    conversation = sa.table(
        "conversation",
        *(sa.column(n, GUID(length=16)) for n in ("id", "owner_id", "caregiver_id")),
        sa.column("caregiver_user_id", GUID(length=16)),
        sa.column("created_at", DateTimeUTC(timezone=True)),
        sa.column("contacts_shared_at", DateTimeUTC(timezone=True)),
        *(
            sa.column(n, sa.Integer())
            for n in (
                "last_seq",
                "owner_read_seq",
                "owner_notified_seq",
                "caregiver_read_seq",
                "caregiver_notified_seq",
            )
        ),
    )
    pairs = bind.execute(
        sa.select(
            booking.c.owner_id,
            booking.c.caregiver_id,
            profile.c.user_id,
            sa.func.min(booking.c.created_at),
            sa.func.max(
                sa.case(
                    # accepted at some point: its status says so, or its capture
                    # does (accepted, then cancelled)
                    (booking.c.status.in_(ACCEPTED_ONCE) | (booking.c.captured_cents > 0), 1),
                    else_=0,
                )
            ),
        )
        .join(profile, profile.c.id == booking.c.caregiver_id)
        .group_by(booking.c.owner_id, booking.c.caregiver_id, profile.c.user_id)
    ).all()
    for owner_id, caregiver_id, caregiver_user_id, first_at, accepted in pairs:
        conversation_id = uuid.uuid4()
        bind.execute(
            conversation.insert().values(
                id=conversation_id,
                owner_id=owner_id,
                caregiver_id=caregiver_id,
                caregiver_user_id=caregiver_user_id,
                created_at=first_at,
                contacts_shared_at=first_at if accepted else None,
                last_seq=0,
                owner_read_seq=0,
                owner_notified_seq=0,
                caregiver_read_seq=0,
                caregiver_notified_seq=0,
            )
        )
        bind.execute(
            booking.update()
            .where(booking.c.owner_id == owner_id, booking.c.caregiver_id == caregiver_id)
            .values(conversation_id=conversation_id)
        )


def downgrade() -> None:
    with op.batch_alter_table("booking") as batch:
        batch.drop_constraint(op.f("fk_booking_conversation_id_conversation"), type_="foreignkey")
        batch.drop_column("conversation_id")
    op.drop_table("message")
    op.drop_index("ix_conversation_caregiver_activity", table_name="conversation")
    op.drop_index("ix_conversation_owner_activity", table_name="conversation")
    op.drop_table("conversation")
