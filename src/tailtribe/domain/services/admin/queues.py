"""What waits for an admin: disputes, held (and withheld) payouts, chargebacks, failed emails
and provider events that failed to apply. Reads only; each queue's action is
the use case the API's admin endpoint calls."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tailtribe.domain.model.booking_payout import PayoutStatus
from tailtribe.domain.model.bookings import Booking, BookingStatus
from tailtribe.domain.model.outbox import OutboxMessage, OutboxStatus
from tailtribe.domain.model.payment_events import DisputeOpened
from tailtribe.domain.ports.payments import PaymentEventDecoder
from tailtribe.domain.ports.storage import FailedPaymentEvent, Page, UnitOfWork

# Each queue shows its oldest (chargebacks: newest) this many rows, with the total.
QUEUE_ROWS = 50
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Chargeback:
    booking: Booking
    dispute_id: str
    amount_cents: int | None
    opened_at: datetime


@dataclass(frozen=True, slots=True)
class Queues:
    disputes: Page[Booking]
    held_payouts: Page[Booking]
    # Due payouts waiting for the caregiver's DAC7 details: no admin action,
    # they are scheduled again when the caregiver gives them.
    withheld_payouts: Page[Booking]
    chargebacks: Sequence[Chargeback]
    failed_outbox: Page[OutboxMessage]
    failed_events: Page[FailedPaymentEvent]


class ReadQueues:
    """Chargebacks are not a booking state (the booking only holds its
    payout): they are read from the stored provider events that opened them,
    decoded as the webhook decodes them, newest first. The provider's closing
    of one is not recorded, so a chargeback stays listed."""

    def __init__(self, uow: UnitOfWork, decoder: PaymentEventDecoder) -> None:
        self._uow, self._decoder = uow, decoder

    async def __call__(self) -> Queues:
        async with self._uow as uow:
            disputes = await uow.bookings.list_for(
                owner_id=None,
                caregiver_id=None,
                status=BookingStatus.DISPUTED,
                limit=QUEUE_ROWS,
                offset=0,
            )
            held = await uow.bookings.with_payout(PayoutStatus.HELD, QUEUE_ROWS, 0)
            withheld = await uow.bookings.with_payout(PayoutStatus.WITHHELD, QUEUE_ROWS, 0)
            outbox = await uow.outbox.list(OutboxStatus.FAILED, QUEUE_ROWS, 0)
            events = await uow.webhook_events.failed(QUEUE_ROWS, 0)
            chargebacks = await self._chargebacks(uow)
        return Queues(disputes, held, withheld, chargebacks, outbox, events)

    async def _chargebacks(self, uow: UnitOfWork) -> list[Chargeback]:
        found: list[Chargeback] = []
        seen: set[str] = set()
        for raw in await uow.webhook_events.of_kind(self._decoder.kind_of(DisputeOpened), 500):
            try:
                event = self._decoder.decode(raw)
            except (ValueError, KeyError, TypeError):
                logger.warning("a stored chargeback event cannot be decoded")
                continue
            if not isinstance(event, DisputeOpened) or event.payment_intent_id is None:
                continue
            if event.dispute_id in seen:
                continue
            seen.add(event.dispute_id)
            booking = await uow.bookings.get_by_payment_intent(event.payment_intent_id, lock=False)
            if booking is None or booking.payment.captured_cents == 0:
                continue  # not applied to a booking (dispute_opened ignores these too)
            found.append(
                Chargeback(booking, event.dispute_id, event.amount_cents, event.occurred_at)
            )
            if len(found) == QUEUE_ROWS:
                break
        return found
