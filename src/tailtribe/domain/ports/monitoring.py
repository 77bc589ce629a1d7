"""Monitoring: business metrics, operational counts, health checks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from tailtribe.domain.model.events import (
    OccurrencePaymentAuthorized,
    OccurrencePaymentNeeded,
    PaymentAuthorized,
    PaymentFailed,
)
from tailtribe.domain.model.notifications import EVENT_TOPIC_PREFIX

# The outbox events the payment failure rate counts: a payment held or refused,
# a booking's (the owner pays on the page) or a series occurrence's (charged
# off-session; "needed" is its refusal).
PAYMENT_AUTHORIZED_TOPICS = tuple(
    EVENT_TOPIC_PREFIX + e.__name__ for e in (PaymentAuthorized, OccurrencePaymentAuthorized)
)
PAYMENT_FAILED_TOPICS = tuple(
    EVENT_TOPIC_PREFIX + e.__name__ for e in (PaymentFailed, OccurrencePaymentNeeded)
)


@dataclass(frozen=True, slots=True)
class Totals:
    owners: int
    caregivers: int
    approvals: int
    rejections: int
    bookings_created: int
    bookings_accepted: int
    bookings_completed: int
    bookings_cancelled: int
    gross_booking_value_cents: int
    commission_earned_cents: int
    payouts_sent_cents: int
    refunds_cents: int
    median_seconds_to_first_booking: float | None
    average_rating: float | None
    reviews: int
    payments_authorized: int
    payments_failed: int
    meet_and_greets: int = 0  # requested in the range
    meet_and_greets_booked: int = 0  # of those, followed by the pair's booking in 30 days


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    registrations: int = 0
    bookings_created: int = 0
    gross_booking_value_cents: int = 0
    # What became of that day's bookings, as the totals count them.
    bookings_accepted: int = 0
    bookings_completed: int = 0
    bookings_cancelled: int = 0
    commission_earned_cents: int = 0


class MetricsStore(Protocol):
    async def totals(self, start: datetime, end: datetime) -> Totals:
        """Every figure's aggregate over [start, end)."""
        ...

    async def daily(
        self, start: datetime, end: datetime, offsets: Sequence[tuple[datetime, int]]
    ) -> list[Day]:
        """Registrations, bookings created, what became of them, their value
        and commission per Brussels day (days with none may be left out).
        `offsets`: see `utc_offsets`."""
        ...


@dataclass(frozen=True, slots=True)
class OperationsSnapshot:
    users: int = 0
    bookings_by_status: dict[str, int] = field(default_factory=dict)
    payments_authorized: int = 0  # payment events: the failure rate's denominator
    payments_failed: int = 0
    payouts_paid: int = 0
    payouts_paid_cents: int = 0
    payouts_held: int = 0  # waiting for an admin: a dispute, a chargeback, failed transfers
    payouts_withheld: int = 0  # waiting for the caregiver's DAC7 tax details
    webhooks_unprocessed: int = 0  # Stripe events stored over 5 minutes ago, not applied
    emails_sent: int = 0
    emails_failed: int = 0
    outbox_backlog: int = 0  # pending rows whose time has come
    outbox_oldest_due_seconds: float = 0.0
    db_connections: int | None = None  # PostgreSQL only
    db_max_connections: int | None = None


class OperationsStore(Protocol):
    async def snapshot(self, now: datetime) -> OperationsSnapshot: ...


class HealthCheck(Protocol):
    name: str

    async def check(self) -> None:
        """Raises when the dependency is unusable."""
        ...
