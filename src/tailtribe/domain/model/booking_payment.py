"""The owner's payment for a booking: its Stripe references and the money it moved.

It changes when the payment rules or the provider's references change; the
booking decides when a payment step may happen, this part what it does.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class PaymentStatus(enum.StrEnum):
    """pending: not paid yet; authorized: the card's amount is held;
    captured: charged (a card as the caregiver accepts, Bancontact at once);
    refunded or partially_refunded after a cancellation or a dispute; failed:
    the payment was declined (the owner may try again while the request is
    open); canceled: the hold was released."""

    PENDING = "pending"
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"
    FAILED = "failed"
    CANCELED = "canceled"


class PaymentMethod(enum.StrEnum):
    """How the owner paid: a card is held, then captured on acceptance;
    Bancontact cannot hold, so its payment is taken at once."""

    CARD = "card"
    BANCONTACT = "bancontact"


CAPTURED_STATES = frozenset(
    {PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}
)

# A hold on the card not yet taken or given up: cancelling the booking cancels it.
_UNSETTLED = frozenset({PaymentStatus.PENDING, PaymentStatus.AUTHORIZED, PaymentStatus.FAILED})


@dataclass
class BookingPayment:
    status: PaymentStatus = PaymentStatus.PENDING
    intent_id: str | None = None
    client_secret: str | None = None
    captured_cents: int = 0
    refunded_cents: int = 0
    charge_id: str | None = None
    stripe_fee_cents: int = 0
    method: PaymentMethod | None = None  # None until the provider says

    @property
    def is_authorized(self) -> bool:
        return self.status is PaymentStatus.AUTHORIZED

    @property
    def remaining_cents(self) -> int:
        """What is captured and not refunded yet."""
        return self.captured_cents - self.refunded_cents

    def can_attach(self, intent_id: str) -> bool:
        return self.intent_id in (None, intent_id)

    def attach(self, intent_id: str, client_secret: str) -> None:
        self.intent_id = intent_id
        self.client_secret = client_secret

    def may_authorize(self) -> bool:
        return self.status in (PaymentStatus.PENDING, PaymentStatus.FAILED)

    def release_hold(self) -> bool:
        """Give up a hold not captured; True when an authorized amount was held."""
        held = self.is_authorized
        if self.status in _UNSETTLED:
            self.status = PaymentStatus.CANCELED
        return held

    def capture(self, amount_cents: int) -> None:
        self.status = PaymentStatus.CAPTURED
        self.captured_cents = amount_cents

    def note_capture(self, charge_id: str | None, fee_cents: int | None) -> int:
        """Keep the charge and, once, Stripe's fee; returns the fee newly known (else 0)."""
        if charge_id is not None:
            self.charge_id = charge_id
        if fee_cents and not self.stripe_fee_cents:
            self.stripe_fee_cents = fee_cents
            return fee_cents
        return 0

    def add_refund(self, amount_cents: int) -> None:
        self.refunded_cents += amount_cents
        self.status = (
            PaymentStatus.REFUNDED
            if self.refunded_cents == self.captured_cents
            else PaymentStatus.PARTIALLY_REFUNDED
        )
