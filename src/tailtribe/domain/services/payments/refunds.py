"""Refunds at Stripe, and the share of a past transfer they take back.

Both calls happen before the commit, under the booking's row lock, each with
a key derived from the booking's state before the step: a retry after a
crash sends the same keys and moves nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tailtribe.domain.errors import DomainError
from tailtribe.domain.model.bookings import Booking
from tailtribe.domain.ports.payments import PaymentGateway
from tailtribe.domain.services.terms import idempotency_key


@dataclass(frozen=True, slots=True)
class Before:
    """What a booking had refunded and reversed before a refund was booked."""

    refunded_cents: int
    reversed_cents: int

    @classmethod
    def of(cls, booking: Booking) -> Before:
        return cls(booking.payment.refunded_cents, booking.payout.reversed_cents)


async def record_lost_payout(gateway: PaymentGateway, booking: Booking, now: datetime) -> None:
    """Before a refund is booked: a payout attempt whose answer was lost (or
    whose worker died) may have made the transfer at Stripe. Recorded first,
    the refund then reverses the caregiver's share of it; left unrecorded, the
    refund would shrink what is owed, and the payout's retry could never
    match the transfer Stripe holds."""
    if (
        booking.payout.attempts == 0
        or booking.payout.transfer_id is not None
        or not booking.payout.is_unsent
    ):
        return
    made = await gateway.find_transfer(booking.id)
    if made is None or made.amount_cents != booking.settlement.payout_cents:
        return  # none made; or not this payout's, left to the payout's checks
    try:
        booking.record_lost_payout(now, made.id)
    except DomainError:
        return  # disputed meanwhile: the resolution deals with it


async def send_refund(
    gateway: PaymentGateway, booking: Booking, refund_cents: int, before: Before
) -> None:
    """Refund the owner `refund_cents` and reverse the caregiver's share, as
    the booking decided when the refund was booked on it."""
    if booking.payment.intent_id is None:
        return
    # Keyed by what was refunded (reversed) before, not by the amount: a retry
    # from the same state is Stripe's replay, or its refusal if the amount
    # differs; never a second refund. A later refund starts from another state.
    # The owner's refund goes first: if the reversal then fails, the refund's
    # PaymentRefunded event books it and makes the reversal.
    if refund_cents:
        step = f"refund:{before.refunded_cents}"
        await gateway.refund(
            booking.payment.intent_id, refund_cents, idempotency_key(booking, step)
        )
    reversal = booking.payout.reversed_cents - before.reversed_cents
    if reversal and booking.payout.transfer_id is not None:
        step = f"reversal:{before.reversed_cents}"
        await gateway.reverse_transfer(
            booking.payout.transfer_id, reversal, idempotency_key(booking, step)
        )
