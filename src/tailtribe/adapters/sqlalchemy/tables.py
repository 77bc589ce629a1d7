"""Database rows. They stay in this adapter: repositories map them to domain objects."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from advanced_alchemy.base import DefaultBase, UUIDv7Base
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
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
        # The metrics' payment events in a date range.
        Index("ix_outbox_message_topic_created", "topic", "created_at"),
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
    __table_args__ = (Index("ix_user_account_created", "created_at"),)  # metrics

    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    locale: Mapped[str] = mapped_column(String(2))
    roles: Mapped[str] = mapped_column(String(50))  # comma-separated, sorted
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    token_version: Mapped[int] = mapped_column(Integer, default=0)
    # The optional emails (EmailSettings), on unless turned off.
    email_booking_reminders: Mapped[bool] = mapped_column(Boolean, default=True)
    email_unread_messages: Mapped[bool] = mapped_column(Boolean, default=True)
    erased_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    # Optimistic locking: a write based on a stale read fails instead of
    # silently undoing another (say, a password reset's token version).
    row_version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012


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
    __table_args__ = (
        Index("ix_caregiver_profile_status", "status"),
        # The search's bounding-box prefilter.
        Index("ix_caregiver_profile_location", "latitude", "longitude"),
    )

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
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class BookingRow(UUIDv7Base):
    __tablename__ = "booking"
    __table_args__ = (
        Index("ix_booking_caregiver_period", "caregiver_id", "start_at", "end_at"),
        Index("ix_booking_owner_created", "owner_id", "created_at"),
        Index("ix_booking_status_start", "status", "start_at"),
        Index("ix_booking_created", "created_at"),  # metrics: bookings created in a range
        Index("ix_booking_status_end", "status", "end_at"),
        Index("ix_booking_payment_intent", "payment_intent_id", unique=True),
        Index("ix_booking_payout_due", "payout_status", "dispute_deadline"),
        Index("ix_booking_of_series", "series_id", "start_at"),  # a series' occurrences
    )

    owner_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id"))
    caregiver_id: Mapped[UUID] = mapped_column(ForeignKey("caregiver_profile.id"))
    service: Mapped[str] = mapped_column(String(20))
    start_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    end_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    pets: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    payment_status: Mapped[str] = mapped_column(String(20))
    payout_status: Mapped[str] = mapped_column(String(20))
    units: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    commission_cents: Mapped[int] = mapped_column(BigInteger)
    caregiver_payout_cents: Mapped[int] = mapped_column(BigInteger)
    commission_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    cancellation_policy: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    # Stored so the expiry job finds due requests with an index, not arithmetic.
    payment_deadline: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    response_deadline: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    client_secret: Mapped[str | None] = mapped_column(String(255), nullable=True)
    captured_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_out_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    reversed_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    completed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    dispute_deadline: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), nullable=True
    )
    cancelled_by: Mapped[str | None] = mapped_column(String(10), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), nullable=True
    )
    conversation_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("conversation.id"), nullable=True
    )
    charge_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    transfer_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    stripe_fee_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    payout_attempts: Mapped[int] = mapped_column(Integer, default=0)
    payout_retry_at: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), nullable=True
    )
    payment_method: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # An occurrence of a weekly series, and when it must be paid once accepted.
    series_id: Mapped[UUID | None] = mapped_column(ForeignKey("booking_series.id"), nullable=True)
    pay_by: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)


class LedgerEntryRow(UUIDv7Base):
    """One movement of a booking's money, from one account to another."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        Index("ix_ledger_entry_booking", "booking_id", "occurred_at"),
        Index("ix_ledger_entry_occurred", "occurred_at"),
        CheckConstraint("amount_cents > 0", name="ck_ledger_entry_positive"),
    )

    booking_id: Mapped[UUID] = mapped_column(ForeignKey("booking.id"))
    movement: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(20))
    destination: Mapped[str] = mapped_column(String(20))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str | None] = mapped_column(String(255), nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class BookingPetRow(Base):
    __tablename__ = "booking_pet"

    booking_id: Mapped[UUID] = mapped_column(
        ForeignKey("booking.id", ondelete="CASCADE"), primary_key=True
    )
    pet_id: Mapped[UUID] = mapped_column(ForeignKey("pet.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class ReviewRow(UUIDv7Base):
    __tablename__ = "review"
    __table_args__ = (Index("ix_review_caregiver_created", "caregiver_id", "created_at"),)

    booking_id: Mapped[UUID] = mapped_column(ForeignKey("booking.id"), unique=True)
    caregiver_id: Mapped[UUID] = mapped_column(ForeignKey("caregiver_profile.id"))
    owner_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id"))
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    reply: Mapped[str | None] = mapped_column(Text, nullable=True)
    replied_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)


class PhotoRow(UUIDv7Base):
    __tablename__ = "photo"
    __table_args__ = (
        Index("ix_photo_subject", "subject", "subject_id", "created_at"),
        Index("ix_photo_status_created", "status", "created_at"),
    )

    owner_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[UUID] = mapped_column()  # a pet or a caregiver profile
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class ConversationRow(UUIDv7Base):
    __tablename__ = "conversation"
    __table_args__ = (
        UniqueConstraint("owner_id", "caregiver_id", name="uq_conversation_pair"),
        # A user's conversations, latest activity first, as either party.
        Index("ix_conversation_owner_activity", "owner_id", "last_message_at"),
        Index("ix_conversation_caregiver_activity", "caregiver_user_id", "last_message_at"),
    )

    owner_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id"))
    caregiver_id: Mapped[UUID] = mapped_column(ForeignKey("caregiver_profile.id"))
    caregiver_user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_message_at: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), nullable=True
    )
    contacts_shared_at: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), nullable=True
    )
    owner_read_seq: Mapped[int] = mapped_column(Integer, default=0)
    owner_notified_seq: Mapped[int] = mapped_column(Integer, default=0)
    owner_notified_at: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), nullable=True
    )
    caregiver_read_seq: Mapped[int] = mapped_column(Integer, default=0)
    caregiver_notified_seq: Mapped[int] = mapped_column(Integer, default=0)
    caregiver_notified_at: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), nullable=True
    )


class MessageRow(UUIDv7Base):
    __tablename__ = "message"
    __table_args__ = (
        # Numbered in order within a conversation; pages walk this index.
        UniqueConstraint("conversation_id", "seq", name="uq_message_seq"),
    )

    conversation_id: Mapped[UUID] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    sender_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    photo_ids: Mapped[list[str]] = mapped_column(JsonB, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    removed: Mapped[bool] = mapped_column(Boolean, default=False)


class SecurityEventRow(UUIDv7Base):
    """A sign-in or password change, shown to its user; kept a year."""

    __tablename__ = "security_event"
    __table_args__ = (
        # The user's list, newest first, and the new-client check.
        Index("ix_security_event_user_at", "user_id", "at"),
        Index("ix_security_event_at", "at"),  # retention: everyone's old events
    )

    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    method: Mapped[str | None] = mapped_column(String(20), nullable=True)
    client: Mapped[str] = mapped_column(String(60))
    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class DataExportRow(UUIDv7Base):
    """A personal data export; its ZIP lives in the object store under a key
    derived from the id."""

    __tablename__ = "data_export"
    __table_args__ = (
        Index("ix_data_export_user", "user_id", "requested_at"),
        # The build and expiry jobs' queries.
        Index("ix_data_export_status", "status", "requested_at"),
    )

    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    requested_by: Mapped[UUID | None] = mapped_column(nullable=True)  # an admin; null: the user
    status: Mapped[str] = mapped_column(String(20))
    requested_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    ready_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    object_key: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class AdminAuditRow(UUIDv7Base):
    """One admin action. The app's database role may only insert and read
    these rows (see the 0009 migration and docs/audit.md)."""

    __tablename__ = "admin_audit"
    __table_args__ = (
        # The trail newest first, and each filter within it.
        Index("ix_admin_audit_at", "at", "id"),
        Index("ix_admin_audit_actor", "actor_id", "at"),
        Index("ix_admin_audit_object", "object_type", "object_id", "at"),
        Index("ix_admin_audit_action", "action", "at"),
    )

    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    # No foreign key: the id outlives an erased admin's account.
    actor_id: Mapped[UUID | None] = mapped_column(nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    outcome: Mapped[str] = mapped_column(Text)


class FavoriteRow(Base):
    """A caregiver a user saved; kept while the caregiver is suspended."""

    __tablename__ = "favorite"
    # The user's list, newest first.
    __table_args__ = (Index("ix_favorite_user_created", "user_id", "created_at"),)

    user_id: Mapped[UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    caregiver_id: Mapped[UUID] = mapped_column(
        ForeignKey("caregiver_profile.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class CalendarFeedRow(Base):
    """A user's private calendar feed: the SHA-256 of its secret, never the secret."""

    __tablename__ = "calendar_feed"

    user_id: Mapped[UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class MeetAndGreetRow(UUIDv7Base):
    """A free meeting before a pair's first booking; holds the caregiver's time like a walk."""

    __tablename__ = "meet_and_greet"
    __table_args__ = (
        # Occupancy under the calendar lock and in search: the caregiver's open ones by time.
        Index("ix_meet_and_greet_caregiver_period", "caregiver_id", "start_at", "end_at"),
        Index("ix_meet_and_greet_owner_created", "owner_id", "created_at"),
        Index("ix_meet_and_greet_status_start", "status", "start_at"),  # the jobs
        Index("ix_meet_and_greet_created", "created_at"),  # metrics
    )

    owner_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id"))
    caregiver_id: Mapped[UUID] = mapped_column(ForeignKey("caregiver_profile.id"))
    start_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    end_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    # Stored so the expiry job finds due requests with an index, not arithmetic.
    response_deadline: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    conversation_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("conversation.id"), nullable=True
    )
    decided_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    cancelled_by: Mapped[str | None] = mapped_column(String(10), nullable=True)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), nullable=True
    )


SERIES_STATUSES = ("requested", "accepted", "declined", "expired", "cancelled")
SETUP_STATUSES = ("pending", "succeeded", "failed")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class BookingSeriesRow(UUIDv7Base):
    """A weekly series of bookings, asked and answered as a whole; each
    occurrence is a booking row pointing here (series_id)."""

    __tablename__ = "booking_series"
    __table_args__ = (
        Index("ix_booking_series_owner_created", "owner_id", "created_at"),
        Index("ix_booking_series_caregiver_created", "caregiver_id", "created_at"),
        Index("ix_booking_series_status_created", "status", "created_at"),  # the expiry job
        Index("ix_booking_series_setup_intent", "setup_intent_id", unique=True),
        CheckConstraint("length(weekdays) BETWEEN 1 AND 13", name="weekdays"),
        CheckConstraint("start_minute >= 0 AND start_minute < 1440", name="start_minute"),
        CheckConstraint("duration_minutes > 0", name="duration"),
        CheckConstraint('("count" IS NULL) <> ("until" IS NULL)', name="count_or_until"),
        CheckConstraint('"count" IS NULL OR "count" >= 1', name="count"),
        CheckConstraint('"until" IS NULL OR "until" >= first_date', name="until"),
        CheckConstraint(_one_of("status", SERIES_STATUSES), name="status"),
        CheckConstraint(_one_of("setup_status", SETUP_STATUSES), name="setup_status"),
    )

    owner_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id"))
    caregiver_id: Mapped[UUID] = mapped_column(ForeignKey("caregiver_profile.id"))
    service: Mapped[str] = mapped_column(String(20))
    pet_ids: Mapped[list[str]] = mapped_column(JsonB)  # the pets' ids, in order
    # The weekly pattern: weekdays 0 (Monday) to 6 as "0,2,4", in the order
    # asked; the Brussels wall-clock start in minutes after midnight.
    weekdays: Mapped[str] = mapped_column(String(13))
    start_minute: Mapped[int] = mapped_column(Integer)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    first_date: Mapped[date] = mapped_column(Date)
    count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    until: Mapped[date | None] = mapped_column(Date, nullable=True)
    first_start: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    setup_intent_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    setup_client_secret: Mapped[str | None] = mapped_column(String(255), nullable=True)
    setup_status: Mapped[str] = mapped_column(String(20))
    payment_method_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    conversation_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("conversation.id"), nullable=True
    )


class SecondFactorRow(Base):
    """An admin's TOTP factor: the secret sealed (encrypted), recovery codes as HMAC digests."""

    __tablename__ = "admin_second_factor"

    user_id: Mapped[UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    sealed_secret: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    enrolled_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    last_step: Mapped[int | None] = mapped_column(BigInteger)
    # Comma-joined hex digests of the unused recovery codes.
    recovery_digests: Mapped[str] = mapped_column(Text, default="")


class TaxDetailsRow(Base):
    """A caregiver's DAC7 due-diligence data, sealed (AES-GCM): never in clear here."""

    __tablename__ = "caregiver_tax_details"

    caregiver_id: Mapped[UUID] = mapped_column(
        ForeignKey("caregiver_profile.id", ondelete="CASCADE"), primary_key=True
    )
    sealed: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class TaxRequestRow(Base):
    """When a caregiver was first asked for their DAC7 details, and reminded."""

    __tablename__ = "caregiver_tax_request"

    caregiver_id: Mapped[UUID] = mapped_column(
        ForeignKey("caregiver_profile.id", ondelete="CASCADE"), primary_key=True
    )
    requested_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)
    first_reminder_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    second_reminder_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    withheld_notice_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class Dac7CopyRow(Base):
    """A seller was sent their copy of a year's DAC7 figures (queued with its email)."""

    __tablename__ = "dac7_copy"

    caregiver_id: Mapped[UUID] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


DOCUMENT_KINDS = ("receipt", "refund_note", "commission_invoice", "credit_note", "statement")


class DocumentRow(UUIDv7Base):
    """An issued money document: its whole content as issued (never changed),
    and where its file is. The recipient is no foreign key: documents are kept
    for the accounts, whatever becomes of the account."""

    __tablename__ = "document"
    __table_args__ = (
        UniqueConstraint("kind", "year", "sequence", name="uq_document_kind_year_sequence"),
        # One statement per caregiver and month; other kinds have no period
        # (NULLs are distinct), so this binds statements only.
        UniqueConstraint(
            "kind", "recipient_id", "period", name="uq_document_kind_recipient_period"
        ),
        Index("ix_document_recipient_issued", "recipient_id", "issued_at"),
        Index("ix_document_issued", "issued_at"),
        Index("ix_document_booking", "booking_id"),
        Index("ix_document_notified", "notified_at"),
        CheckConstraint(_one_of("kind", DOCUMENT_KINDS), name="kind"),
        CheckConstraint("sequence >= 1", name="sequence"),
    )

    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(40), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    recipient_id: Mapped[UUID] = mapped_column()
    booking_id: Mapped[UUID | None] = mapped_column(ForeignKey("booking.id"), nullable=True)
    ledger_entry_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("ledger_entry.id"), nullable=True, unique=True
    )
    period: Mapped[date | None] = mapped_column(Date, nullable=True)
    content: Mapped[dict[str, Any]] = mapped_column(JsonB)
    file_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    stored_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)
    notified_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), nullable=True)


class DocumentSequenceRow(Base):
    """The last number taken in each document series (kind and year): the
    row is updated in the transaction that adds the document."""

    __tablename__ = "document_sequence"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_sequence: Mapped[int] = mapped_column(Integer)
