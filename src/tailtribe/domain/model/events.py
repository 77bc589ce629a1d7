"""Domain events: what happened, recorded by aggregates, written by the unit of work."""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainEvent:
    occurred_at: datetime

    @property
    def name(self) -> str:
        return type(self).__name__

    def payload(self) -> dict[str, Any]:
        """A JSON-ready copy of the event's fields."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


# Caregiver approval
@dataclass(frozen=True, slots=True, kw_only=True)
class CaregiverEvent(DomainEvent):
    caregiver_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class CaregiverSubmitted(CaregiverEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class CaregiverDecision(CaregiverEvent):
    admin_id: UUID
    reason: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CaregiverApproved(CaregiverDecision):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class CaregiverRejected(CaregiverDecision):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class CaregiverSuspended(CaregiverDecision):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class CaregiverReinstated(CaregiverDecision):
    pass


# DAC7 due-diligence data (domain/model/tax_requests.py)
@dataclass(frozen=True, slots=True, kw_only=True)
class TaxDetailsRequested(CaregiverEvent):
    """The first request for the caregiver's tax details."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TaxDetailsReminded(CaregiverEvent):
    """A reminder (1 or 2); the second names the instant payouts will be withheld from."""

    reminder: int
    withhold_from: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PayoutsWithheld(CaregiverEvent):
    """Withholding started: the caregiver's payouts wait for their tax details."""


# Bookings
@dataclass(frozen=True, slots=True, kw_only=True)
class BookingEvent(DomainEvent):
    booking_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class BookingRequested(BookingEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentAuthorized(BookingEvent):
    amount_cents: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentFailed(BookingEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class BookingAccepted(BookingEvent):
    captured_cents: int


@dataclass(frozen=True, slots=True, kw_only=True)
class BookingDeclined(BookingEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class BookingExpired(BookingEvent):
    authorized: bool  # the card was held: the caregiver had been asked


@dataclass(frozen=True, slots=True, kw_only=True)
class BookingCancelled(BookingEvent):
    by: str
    refund_cents: int
    reversal_cents: int


@dataclass(frozen=True, slots=True, kw_only=True)
class BookingReminder(BookingEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class BookingStarted(BookingEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class BookingCompleted(BookingEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class DisputeOpened(BookingEvent):
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DisputeResolved(BookingEvent):
    outcome: str
    refund_cents: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RefundIssued(BookingEvent):
    amount_cents: int
    reversal_cents: int
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PayoutHeld(BookingEvent):
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PayoutSent(BookingEvent):
    amount_cents: int


@dataclass(frozen=True, slots=True, kw_only=True)
class MoneyMoved(BookingEvent):
    """One ledger entry; written to the ledger, never sent anywhere."""

    movement: str
    amount_cents: int
    reference: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargebackOpened(BookingEvent):
    """The owner's bank disputes the charge: admins must answer it at Stripe."""

    dispute_id: str
    amount_cents: int
    payout_held: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class PayoutFailed(BookingEvent):
    """A transfer failed for the last time: the payout is held for an admin."""

    attempts: int
    error: str


# Meet-and-greets
# Weekly series: the series speaks for its occurrences at request, acceptance
# and the end of the request; an occurrence's own events are silent there.
@dataclass(frozen=True, slots=True, kw_only=True)
class SeriesEvent(DomainEvent):
    series_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class SeriesRequested(SeriesEvent):
    occurrences: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SeriesPaymentMethodSaved(SeriesEvent):
    """The owner saved a card for the series: the caregiver is asked now."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SeriesSetupFailed(SeriesEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class SeriesAccepted(SeriesEvent):
    owner_id: UUID
    caregiver_id: UUID
    occurrences: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SeriesDeclined(SeriesEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class SeriesExpired(SeriesEvent):
    asked: bool  # the card was saved: the caregiver had been asked


@dataclass(frozen=True, slots=True, kw_only=True)
class SeriesCancelled(SeriesEvent):
    """The owner (or caregiver) cancelled the occurrences from `from_date` on."""

    by: str
    from_date: str  # ISO date, Brussels
    cancelled: int
    refund_cents: int
    asked: bool = True  # False: withdrawn before the caregiver was asked


@dataclass(frozen=True, slots=True, kw_only=True)
class OccurrenceAccepted(BookingEvent):
    series_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class OccurrenceEnded(BookingEvent):
    """An occurrence declined, expired or cancelled with its series."""

    series_id: UUID
    status: str
    refund_cents: int = 0
    reversal_cents: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class OccurrencePaymentAuthorized(BookingEvent):
    series_id: UUID
    amount_cents: int


@dataclass(frozen=True, slots=True, kw_only=True)
class OccurrencePaymentNeeded(BookingEvent):
    """The off-session payment failed: the owner confirms it (authentication
    required) or pays with another card (declined) before `pay_by`."""

    series_id: UUID
    reason: str
    pay_by: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class OccurrenceLapsed(BookingEvent):
    """Still unpaid at its deadline: cancelled without charge, both are told."""

    series_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetAndGreetEvent(DomainEvent):
    meet_and_greet_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetAndGreetRequested(MeetAndGreetEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetAndGreetAccepted(MeetAndGreetEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetAndGreetDeclined(MeetAndGreetEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetAndGreetExpired(MeetAndGreetEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetAndGreetCancelled(MeetAndGreetEvent):
    by: str  # the party who cancelled: the email goes to the other


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetAndGreetReminder(MeetAndGreetEvent):
    pass
