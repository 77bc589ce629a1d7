"""Taking an occurrence's payment: the series' job and the confirmation's webhook share it."""

from __future__ import annotations

from datetime import datetime

from tailtribe.domain.model.bookings import Booking
from tailtribe.domain.ports.payments import PaymentGateway
from tailtribe.domain.services.terms import idempotency_key


async def take_occurrence_payment(gateway: PaymentGateway, booking: Booking, now: datetime) -> None:
    """Capture an occurrence's held amount (the job's, or a confirmation's webhook)."""
    intent = booking.payment.intent_id
    if intent is None or not booking.payment.is_authorized:
        return
    captured = await gateway.capture(intent, idempotency_key(booking, "capture"))
    booking.capture_occurrence(now)
    booking.record_capture(now, captured.charge_id, captured.fee_cents)
