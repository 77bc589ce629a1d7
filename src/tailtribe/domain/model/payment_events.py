"""What the payment provider tells the platform, in the core's own words.

The provider's adapter turns its webhooks into these messages; the core never
reads the provider's wire format. Amounts are integer cents; an amount or id
the provider sent in a shape the adapter could not read is None, and the
handlers treat it as not matching the booking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from tailtribe.domain.model.booking_payment import PaymentMethod


@dataclass(frozen=True, slots=True)
class ReceivedEvent:
    """A verified delivery, as it is stored: the provider's event id, its
    kind in the provider's own words (kept for the record, never read by the
    core) and the body exactly as received, decoded again when applied."""

    id: str
    kind: str
    raw: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentEvent:
    event_id: str
    occurred_at: datetime  # when the provider says it happened, timezone-aware


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountUpdated(PaymentEvent):
    """A caregiver's connected account: onboarding finished or a capability lost."""

    account_id: str
    payouts_enabled: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentAuthorized(PaymentEvent):
    """The owner confirmed the card: this much is held, capturable."""

    payment_intent_id: str
    amount_cents: int | None
    method: PaymentMethod | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentFailed(PaymentEvent):
    payment_intent_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentCanceled(PaymentEvent):
    """The provider canceled the payment (the hold lapsed, or canceled there)."""

    payment_intent_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentCaptured(PaymentEvent):
    """Captured: on acceptance (a card), or at once without a hold (Bancontact)."""

    payment_intent_id: str | None
    amount_cents: int | None
    charge_id: str | None
    method: PaymentMethod | None = None  # None when the event does not say


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentRefunded(PaymentEvent):
    """The charge's refunds so far: `refunded_cents` is the running total."""

    payment_intent_id: str | None
    refunded_cents: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DisputeOpened(PaymentEvent):
    payment_intent_id: str | None
    dispute_id: str
    amount_cents: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferMade(PaymentEvent):
    booking_id: UUID | None
    transfer_id: str
    amount_cents: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferReversed(PaymentEvent):
    """`reversed_cents` is the transfer's reversals so far, a running total."""

    booking_id: UUID | None
    reversed_cents: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SetupSucceeded(PaymentEvent):
    """The owner saved a card for off-session payments (a SetupIntent)."""

    setup_intent_id: str
    payment_method_id: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SetupFailed(PaymentEvent):
    setup_intent_id: str
