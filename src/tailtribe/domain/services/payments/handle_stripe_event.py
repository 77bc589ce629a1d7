"""Stripe webhooks: stored once by id, applied exactly once in effect, in any order."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tailtribe.domain.model.aggregate import Aggregate
from tailtribe.domain.model.bookings import Booking, BookingStatus, PaymentStatus
from tailtribe.domain.ports import Clock, UnitOfWork
from tailtribe.domain.services.outbox import Outbox


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    """A verified webhook event: its id, type, creation time and data object."""

    id: str
    type: str
    created: datetime
    data: Mapping[str, Any]
    raw: str


logger = logging.getLogger(__name__)
Handler = Callable[[UnitOfWork, ProviderEvent], Awaitable[Sequence[Aggregate]]]


async def account_updated(uow: UnitOfWork, event: ProviderEvent) -> Sequence[Aggregate]:
    """Connect onboarding finished (or lost its capability): set payouts_enabled."""
    caregiver = await uow.caregivers.get_by_stripe_account(str(event.data.get("id", "")))
    if caregiver is None:
        return []
    if caregiver.update_payouts(bool(event.data.get("payouts_enabled")), as_of=event.created):
        await uow.caregivers.save(caregiver)
    return [caregiver]


async def _requested_booking(uow: UnitOfWork, event: ProviderEvent) -> Booking | None:
    booking = await uow.bookings.get_by_payment_intent(str(event.data.get("id", "")))
    if booking is None or booking.status is not BookingStatus.REQUESTED:
        return None  # unknown, or over: a late event changes nothing
    return booking


async def payment_authorized(uow: UnitOfWork, event: ProviderEvent) -> Sequence[Aggregate]:
    """The owner confirmed the card: the hold is in place, the caregiver may accept."""
    booking = await _requested_booking(uow, event)
    if booking is None or booking.payment_status not in (
        PaymentStatus.PENDING,
        PaymentStatus.FAILED,
    ):
        return []
    if event.created >= booking.payment_deadline:
        return []  # too late: the request expires and the hold is released
    amount = event.data.get("amount_capturable")
    if amount != booking.price.total_cents:
        # Not what was asked for: stored for the record, never believed.
        logger.warning("authorization of %s for booking %s ignored", amount, booking.id)
        return []
    booking.authorize(event.created, booking.price.total_cents)
    await uow.bookings.save(booking)
    return [booking]


async def payment_failed(uow: UnitOfWork, event: ProviderEvent) -> Sequence[Aggregate]:
    """The card was refused: the owner is told and may try again within the window."""
    booking = await _requested_booking(uow, event)
    if booking is None or booking.payment_status is not PaymentStatus.PENDING:
        return []
    booking.fail_payment(event.created)
    await uow.bookings.save(booking)
    return [booking]


HANDLERS: dict[str, Handler] = {
    "account.updated": account_updated,
    "payment_intent.amount_capturable_updated": payment_authorized,
    "payment_intent.payment_failed": payment_failed,
}


class HandleStripeEvent:
    """Store the event, then apply it in the same transaction.

    - a delivery of an id already stored changes nothing;
    - an older `account.updated` than the last applied one is ignored;
    - types without a handler are stored and acknowledged.
    """

    def __init__(self, uow: UnitOfWork, outbox: Outbox, clock: Clock) -> None:
        self._uow, self._outbox, self._clock = uow, outbox, clock

    async def __call__(self, event: ProviderEvent) -> bool:
        """Returns False for a repeated delivery."""
        now = self._clock.now()
        async with self._uow as uow:
            if not await uow.webhook_events.add_if_new(event.id, event.type, event.raw, now):
                return False
            handler = HANDLERS.get(event.type)
            if handler is not None:
                await self._outbox.publish(uow, await handler(uow, event))
            await uow.webhook_events.mark_processed(event.id, now)
            await uow.commit()
        return True
