"""Stripe events that cannot be applied at once: kept, and applied later exactly once."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

from tailtribe.adapters.stripe.events import StripeEventDecoder, stripe_event
from tailtribe.domain.errors import PaymentProviderError
from tailtribe.domain.model.booking_payout import PayoutStatus
from tailtribe.domain.model.bookings import Booking
from tailtribe.domain.model.ledger import problems
from tailtribe.domain.model.payment_events import ReceivedEvent
from tailtribe.domain.services.payments.apply_payment_events import (
    ReceivePaymentEvent,
    RetryPaymentEvents,
)
from tests.domain.test_booking_state_machine import june_booking
from tests.services.conftest import World


class ReversalsDown:
    """The simulated gateway, with transfer reversals failing while `down`."""

    def __init__(self, world: World) -> None:
        self.inner, self.down = world.gateway, True

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    async def reverse_transfer(self, transfer_id: str, amount_cents: int, key: str) -> str:
        if self.down:
            raise PaymentProviderError("Stripe could not be reached to reverse the transfer")
        return await self.inner.reverse_transfer(transfer_id, amount_cents, key)


async def paid_out_booking(world: World) -> Booking:
    """A booking of 100.00 paid out (80.00 transferred), at Stripe and in the store."""
    g = world.gateway
    booking = june_booking()
    intent = await g.create_payment_intent(booking.id, 10_000, "intent")
    booking.attach_payment(intent.id, intent.client_secret)
    booking.authorize(booking.created_at, 10_000)
    booking.accept(booking.created_at + timedelta(minutes=5))
    capture = await g.capture(intent.id, "capture")
    booking.record_capture(booking.created_at, capture.charge_id, None)
    booking.complete(booking.end)
    assert booking.dispute.deadline is not None
    transfer = await g.transfer("acct_1", 8_000, booking.id, capture.charge_id, "payout")
    booking.pay_out(booking.dispute.deadline, transfer)
    async with world.uow as uow:
        await uow.bookings.add(booking)
        await world.outbox.publish(uow, [booking])
        await uow.commit()
        entries = list(await uow.ledger.for_booking(booking.id))
    assert problems(entries, booking.expected_ledger()) == []
    world.clock.advance(booking.dispute.deadline + timedelta(days=1) - world.clock.now())
    return booking


def refunded_at_stripe(booking: Booking, amount: int) -> ReceivedEvent:
    charge = {"id": booking.payment.charge_id, "payment_intent": booking.payment.intent_id}
    assert booking.dispute.deadline is not None
    return stripe_event(
        f"evt_{uuid4().hex}",
        "charge.refunded",
        booking.dispute.deadline,
        {**charge, "amount_refunded": amount},
    )


async def stored(world: World, booking_id: UUID) -> Booking:
    async with world.uow as uow:
        found = await uow.bookings.get(booking_id)
        assert found is not None
        return found


async def test_an_event_that_fails_to_apply_is_kept_and_applied_by_the_job(world: World) -> None:
    booking = await paid_out_booking(world)
    gateway = ReversalsDown(world)
    await world.gateway.refund(booking.payment.intent_id or "", 5_000, "dashboard")
    handle = ReceivePaymentEvent(
        world.uow,
        gateway,  # type: ignore[arg-type]
        world.outbox,
        world.clock,
        StripeEventDecoder(),
    )
    event = refunded_at_stripe(booking, 5_000)

    assert await handle(event) is True  # stored: Stripe is answered 200
    assert (await stored(world, booking.id)).payment.refunded_cents == 0  # not applied
    row = world.uow.store.webhook_events[event.id]
    assert row.processed_at is None and row.attempts == 1 and "reverse" in (row.last_error or "")

    retry = RetryPaymentEvents(world.uow, handle, world.clock)
    assert await retry() == 0  # too fresh: the job waits a minute
    world.clock.advance(timedelta(minutes=2))
    assert await retry() == 0  # Stripe still down
    assert world.uow.store.webhook_events[event.id].attempts == 2

    gateway.down = False
    world.clock.advance(timedelta(minutes=2))
    assert await retry() == 1
    assert await retry() == 0  # once
    assert await handle(event) is False  # a redelivery changes nothing
    after = await stored(world, booking.id)
    # Kept 50.00: the caregiver's share is 40.00, so 40.00 of the 80.00 came back.
    assert (after.payment.refunded_cents, after.payout.paid_out_cents) == (5_000, 4_000)
    assert after.payout.status is PayoutStatus.REVERSED
    record = await world.gateway.record(booking.payment.intent_id or "", booking.id)
    assert (record.refunded_cents, record.reversed_cents) == (5_000, 4_000)
    async with world.uow as uow:
        entries = await uow.ledger.for_booking(booking.id)
    assert problems(entries, after.expected_ledger()) == []


async def test_an_event_that_does_not_fit_the_booking_is_kept_and_not_retried(
    world: World,
) -> None:
    booking = await paid_out_booking(world)
    handle = ReceivePaymentEvent(
        world.uow, world.gateway, world.outbox, world.clock, StripeEventDecoder()
    )
    # A capture's news for a booking that never captured: nothing to apply, nothing to retry.
    never_captured = june_booking()
    never_captured.attach_payment("pi_never", "pi_never_secret")
    async with world.uow as uow:
        await uow.bookings.add(never_captured)
        await uow.commit()
    event = stripe_event(
        f"evt_{uuid4().hex}",
        "payment_intent.succeeded",
        world.clock.now(),
        {"id": "pi_never", "latest_charge": "ch_1"},
    )
    assert await handle(event) is True
    assert world.uow.store.webhook_events[event.id].processed_at is not None
    assert (await stored(world, never_captured.id)).payment.charge_id is None
    assert (await stored(world, booking.id)).payout.paid_out_cents == 8_000
