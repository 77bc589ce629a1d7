"""Database rows. They stay in this adapter: repositories map them to domain objects."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from advanced_alchemy.base import DefaultBase, UUIDv7Base
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

metadata = UUIDv7Base.metadata
Base = DefaultBase


class OutboxRow(UUIDv7Base):
    __tablename__ = "outbox_message"
    __table_args__ = (
        # The relay's query: pending rows whose time has come, oldest first.
        Index("ix_outbox_message_due", "status", "available_at"),
    )

    topic: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonB)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    available_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)


class UserRow(UUIDv7Base):
    __tablename__ = "user_account"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    locale: Mapped[str] = mapped_column(String(2))
    roles: Mapped[str] = mapped_column(String(50))  # comma-separated, sorted
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    token_version: Mapped[int] = mapped_column(Integer, default=0)


class TokenRow(UUIDv7Base):
    __tablename__ = "one_time_token"

    user_id: Mapped[UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(20))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)


class PetRow(UUIDv7Base):
    __tablename__ = "pet"
    __table_args__ = (Index("ix_pet_owner_active", "owner_id", "deleted_at"),)

    owner_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))
    species: Mapped[str] = mapped_column(String(10))
    breed: Mapped[str | None] = mapped_column(String(80), nullable=True)
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    weight_kg: Mapped[float | None] = mapped_column(Float, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)


class CaregiverRow(UUIDv7Base):
    __tablename__ = "caregiver_profile"
    __table_args__ = (Index("ix_caregiver_profile_status", "status"),)

    user_id: Mapped[UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    display_name: Mapped[str] = mapped_column(String(80))
    bio: Mapped[str] = mapped_column(Text, default="")
    postcode: Mapped[str | None] = mapped_column(String(4), nullable=True)
    city: Mapped[str | None] = mapped_column(String(100), nullable=True)
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    service_radius_km: Mapped[int] = mapped_column(Integer)
    accepted_species: Mapped[str] = mapped_column(String(60))  # comma-separated, sorted
    max_pets: Mapped[int] = mapped_column(Integer)
    cancellation_policy: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    stripe_account_id: Mapped[str | None] = mapped_column(String(255), nullable=True, unique=True)
    payouts_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    payouts_updated_at: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class CaregiverServiceRow(UUIDv7Base):
    __tablename__ = "caregiver_service"
    __table_args__ = (UniqueConstraint("caregiver_id", "service"),)

    caregiver_id: Mapped[UUID] = mapped_column(
        ForeignKey("caregiver_profile.id", ondelete="CASCADE")
    )
    service: Mapped[str] = mapped_column(String(20))
    price_cents: Mapped[int] = mapped_column(Integer)
    extra_pet_price_cents: Mapped[int] = mapped_column(Integer)


class WeeklyWindowRow(UUIDv7Base):
    __tablename__ = "caregiver_weekly_window"

    caregiver_id: Mapped[UUID] = mapped_column(
        ForeignKey("caregiver_profile.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)


class BlockedPeriodRow(UUIDv7Base):
    __tablename__ = "caregiver_blocked_period"

    caregiver_id: Mapped[UUID] = mapped_column(
        ForeignKey("caregiver_profile.id", ondelete="CASCADE"), index=True
    )
    start_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    end_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class CaregiverDecisionRow(UUIDv7Base):
    __tablename__ = "caregiver_decision"

    caregiver_id: Mapped[UUID] = mapped_column(
        ForeignKey("caregiver_profile.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    admin_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class WebhookEventRow(Base):
    """Provider events by their own id (evt_...): stored once, processed once."""

    __tablename__ = "webhook_event"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    processed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
