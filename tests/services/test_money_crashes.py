"""Money calls whose answer is lost: Stripe moved the money, our commit never came.

In each case the next run, a webhook or a retry must finish the step, and no
money may move twice.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from tailtribe.adapters.security.second_factor import tax_details_box
from tailtribe.adapters.stripe.events import StripeEventDecoder, stripe_event
from tailtribe.domain.errors import PaymentProviderError
from tailtribe.domain.model.booking_dispute import DisputeOutcome
from tailtribe.domain.model.booking_payment import PaymentStatus
from tailtribe.domain.model.booking_payout import PayoutStatus
from tailtribe.domain.model.bookings import Booking, BookingStatus
from tailtribe.domain.model.cancellation import CancellationPolicy
from tailtribe.domain.model.caregivers import Caregiver, ProfileDetails
from tailtribe.domain.model.ledger import problems
from tailtribe.domain.model.money import CommissionRate
from tailtribe.domain.model.users import Role
from tailtribe.domain.ports.payments import Capture
from tailtribe.domain.services.bookings.lifecycle import BookingLifecycle
from tailtribe.domain.services.payments.apply_payment_events import ReceivePaymentEvent
from tailtribe.domain.services.payments.disputes import ManageDisputes
from tailtribe.domain.services.payments.ledger import Reconcile
from tailtribe.domain.services.payments.payouts import PayOutDue
from tailtribe.domain.services.terms import Actor, MarketplaceTerms
from tests.domain.test_booking_state_machine import june_booking
from tests.services.conftest import World

TERMS = MarketplaceTerms(CommissionRate.parse("20"), timedelta(hours=48))
ADMIN = uuid4()


class Flaky:
    """The simulated gateway; `lose[verb]` calls move the money and then fail
    (the answer is lost), `refuse[verb]` calls fail before moving anything."""

    def __init__(self, world: World) -> None:
        self.inner = world.gateway
        self.lose: dict[str, int] = {}
        self.refuse: dict[str, int] = {}
        self.transfers = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def _fail_before(self, verb: str) -> None:
        if self.refuse.get(verb, 0) > 0:
            self.refuse[verb] -= 1
            raise PaymentProviderError(f"Stripe refused to {verb}")

    def _fail_after(self, verb: str) -> None:
        if self.lose.get(verb, 0) > 0:
            self.lose[verb] -= 1
            raise PaymentProviderError(f"Stripe could not be reached to {verb}")

    async def transfer(self, *args: object) -> str:
        self._fail_before("transfer")
        made: str = await self.inner.transfer(*args)  # type: ignore[arg-type]
        self.transfers += 1
        self._fail_after("transfer")
        return made

    async def refund(self, *args: object) -> str:
        self._fail_before("refund")
        made: str = await self.inner.refund(*args)  # type: ignore[arg-type]
        self._fail_after("refund")
        return made

    async def capture(self, *args: object) -> Capture:
        self._fail_before("capture")
        made: Capture = await self.inner.capture(*args)  # type: ignore[arg-type]
        self._fail_after("capture")
        return made


async def stored(world: World, booking: Booking) -> Booking:
    async with world.uow as uow:
        found = await uow.bookings.get(booking.id)
        assert found is not None
        return found


async def ledger_agrees(world: World, booking: Booking) -> None:
    async with world.uow as uow:
        entries = await uow.ledger.for_booking(booking.id)
    assert problems(entries, (await stored(world, booking)).expected_ledger()) == []


async def authorized(world: World, policy: CancellationPolicy) -> Booking:
    """A boarding of 100.00, its card held, stored with its caregiver."""
    booking = june_booking(policy=policy)
    intent = await world.gateway.create_payment_intent(booking.id, 10_000, f"{booking.id}")
    booking.attach_payment(intent.id, intent.client_secret)
    booking.authorize(booking.created_at, 10_000)
    caregiver = Caregiver(
        id=booking.caregiver_id,
        user_id=uuid4(),
        profile=ProfileDetails(display_name="Lotte"),
        stripe_account_id="acct_1",
    )
    async with world.uow as uow:
        await uow.caregivers.add(caregiver)
        await uow.bookings.add(booking)
        await world.outbox.publish(uow, [booking])
        await uow.commit()
    world.clock.advance(booking.created_at + timedelta(minutes=10) - world.clock.now())
    return booking


async def completed_and_captured(world: World) -> Booking:
    """A flexible walk accepted, done and captured: its payout comes due
    48 hours after its end."""
    booking = await authorized(world, CancellationPolicy.FLEXIBLE)
    async with world.uow as uow:
        b = await uow.bookings.get(booking.id)
        assert b is not None
        b.accept(world.clock.now())
        b.complete(b.end)
        await uow.bookings.save(b)
        await world.outbox.publish(uow, [b])
        await uow.commit()
    await world.gateway.capture(booking.payment.intent_id or "", "capture")
    return booking


async def test_a_lost_capture_is_finished_by_stripes_event(world: World) -> None:
    booking = await authorized(world, CancellationPolicy.FLEXIBLE)
    # The caregiver accepts; Stripe captures; the process dies before the commit.
    await world.gateway.capture(booking.payment.intent_id or "", f"booking:{booking.id}:capture")
    assert (await stored(world, booking)).status is BookingStatus.REQUESTED
    handle = ReceivePaymentEvent(
        world.uow, world.gateway, world.outbox, world.clock, StripeEventDecoder()
    )
    event = stripe_event(
        f"evt_{uuid4().hex}",
        "payment_intent.succeeded",
        world.clock.now(),
        {"id": booking.payment.intent_id, "amount_received": 10_000, "latest_charge": "ch_1"},
    )
    assert await handle(event)
    after = await stored(world, booking)
    assert (after.status, after.payment.status) == (BookingStatus.ACCEPTED, PaymentStatus.CAPTURED)
    assert after.payment.charge_id == "ch_1"
    await ledger_agrees(world, booking)


async def test_a_cancellation_retried_after_a_lost_refund_refunds_once(world: World) -> None:
    booking = await authorized(world, CancellationPolicy.FLEXIBLE)
    gateway = Flaky(world)
    owner = Actor(booking.owner_id, frozenset({Role.OWNER}))
    lifecycle = BookingLifecycle(world.uow, gateway, TERMS, world.outbox, world.clock)  # type: ignore[arg-type]
    async with world.uow as uow:
        stored_booking = await uow.bookings.get(booking.id)
        assert stored_booking is not None
        stored_booking.accept(world.clock.now())
        await uow.bookings.save(stored_booking)
        await world.outbox.publish(uow, [stored_booking])
        await uow.commit()
    await world.gateway.capture(booking.payment.intent_id or "", "capture")
    # Half an hour before the start: the flexible policy gives half back.
    world.clock.advance(booking.start - timedelta(minutes=30) - world.clock.now())
    gateway.lose["refund"] = 1
    try:
        await lifecycle.cancel(owner, booking.id, "plans changed")
        raise AssertionError("the lost answer should have failed the cancellation")
    except PaymentProviderError:
        pass
    # Stripe tells of the refund it made; then the owner tries again.
    handle = ReceivePaymentEvent(
        world.uow,
        gateway,  # type: ignore[arg-type]
        world.outbox,
        world.clock,
        StripeEventDecoder(),
    )
    charge = {"id": "ch_1", "payment_intent": booking.payment.intent_id, "amount_refunded": 5_000}
    assert await handle(
        stripe_event(f"evt_{uuid4().hex}", "charge.refunded", world.clock.now(), charge)
    )
    cancelled, refund = await lifecycle.cancel(owner, booking.id, "plans changed")
    assert refund == 0  # the half was given back already
    assert (cancelled.status, cancelled.payment.refunded_cents) == (BookingStatus.CANCELLED, 5_000)
    record = await world.gateway.record(booking.payment.intent_id or "", booking.id)
    assert record.refunded_cents == 5_000
    await ledger_agrees(world, booking)


async def test_a_payout_held_after_a_lost_transfer_is_not_paid_again(world: World) -> None:
    gateway = Flaky(world)
    booking = await held_after_a_lost_transfer(world, gateway)
    payouts = PayOutDue(world.uow, gateway, world.outbox, world.clock, tax_details_box("test-key"))  # type: ignore[arg-type]
    # An admin releases it: the transfer Stripe made is found and recorded.
    disputes = ManageDisputes(world.uow, gateway, world.outbox, world.clock, world.audit)  # type: ignore[arg-type]
    await disputes.resolve(ADMIN, booking.id, DisputeOutcome.RELEASE, None)
    assert await payouts() == 1
    paid = await stored(world, booking)
    assert (paid.payout.status, paid.payout.paid_out_cents) == (PayoutStatus.PAID, 8_000)
    assert gateway.transfers == 1
    await ledger_agrees(world, booking)


async def test_an_admin_refund_after_a_lost_refund_never_books_what_stripe_did_not_move(
    world: World,
) -> None:
    """The owner's cancellation refunded half at Stripe and lost the answer;
    an admin then refunds everything the booking still shows. Stripe refuses
    the reused key (other amount): nothing is booked that did not move."""
    booking = await authorized(world, CancellationPolicy.FLEXIBLE)
    gateway = Flaky(world)
    owner = Actor(booking.owner_id, frozenset({Role.OWNER}))
    lifecycle = BookingLifecycle(world.uow, gateway, TERMS, world.outbox, world.clock)  # type: ignore[arg-type]
    disputes = ManageDisputes(world.uow, gateway, world.outbox, world.clock, world.audit)  # type: ignore[arg-type]
    async with world.uow as uow:
        stored_booking = await uow.bookings.get(booking.id)
        assert stored_booking is not None
        stored_booking.accept(world.clock.now())
        await uow.bookings.save(stored_booking)
        await world.outbox.publish(uow, [stored_booking])
        await uow.commit()
    await world.gateway.capture(booking.payment.intent_id or "", f"booking:{booking.id}:capture")
    world.clock.advance(booking.start - timedelta(minutes=30) - world.clock.now())
    gateway.lose["refund"] = 1
    with pytest.raises(PaymentProviderError):
        await lifecycle.cancel(owner, booking.id, "plans changed")

    with pytest.raises(PaymentProviderError):
        await disputes.refund(ADMIN, booking.id, 10_000, "goodwill")

    record = await world.gateway.record(booking.payment.intent_id or "", booking.id)
    assert (record.refunded_cents, (await stored(world, booking)).payment.refunded_cents) == (
        5_000,
        0,
    )
    # Stripe's event books the half; the rest can then be refunded.
    handle = ReceivePaymentEvent(
        world.uow,
        gateway,  # type: ignore[arg-type]
        world.outbox,
        world.clock,
        StripeEventDecoder(),
    )
    charge = {"id": "ch_1", "payment_intent": booking.payment.intent_id, "amount_refunded": 5_000}
    assert await handle(
        stripe_event(f"evt_{uuid4().hex}", "charge.refunded", world.clock.now(), charge)
    )
    await disputes.refund(ADMIN, booking.id, 5_000, "goodwill")
    record = await world.gateway.record(booking.payment.intent_id or "", booking.id)
    refunded = (await stored(world, booking)).payment.refunded_cents
    assert (record.refunded_cents, refunded) == (10_000, 10_000)
    await ledger_agrees(world, booking)


async def test_an_admin_refund_while_a_payout_answer_is_lost_reverses_the_transfer(
    world: World,
) -> None:
    """The payout's transfer went through at Stripe and its answer was lost;
    before the retry, an admin refunds half. The refund finds the transfer,
    records the payout and reverses the caregiver's share of it."""
    booking = await completed_and_captured(world)
    gateway = Flaky(world)
    payouts = PayOutDue(world.uow, gateway, world.outbox, world.clock, tax_details_box("test-key"))  # type: ignore[arg-type]
    gateway.lose["transfer"] = 1
    world.clock.advance(booking.end + timedelta(hours=48) - world.clock.now())
    assert await payouts() == 0 and gateway.transfers == 1

    disputes = ManageDisputes(world.uow, gateway, world.outbox, world.clock, world.audit)  # type: ignore[arg-type]
    await disputes.refund(ADMIN, booking.id, 5_000, "goodwill")
    world.clock.advance(timedelta(days=1))
    await payouts()

    after = await stored(world, booking)
    # Paid 80.00, half of it reversed with the refund.
    assert (after.payout.status, after.payout.reversed_cents) == (PayoutStatus.REVERSED, 4_000)
    assert after.payout.transfer_id is not None
    assert gateway.transfers == 1
    assert await Reconcile(world.uow, world.gateway)(None) == (1, [])
    await ledger_agrees(world, booking)


async def test_a_chargeback_after_a_lost_transfer_records_the_payout_it_cannot_hold(
    world: World,
) -> None:
    """The payout's transfer went through at Stripe and its answer was lost;
    before the retry, the bank opens a chargeback. The money has gone: the
    chargeback records the payout rather than holding it, and Stripe's
    transfer.created and Reconcile then agree with the ledger."""
    booking = await completed_and_captured(world)
    gateway = Flaky(world)
    payouts = PayOutDue(world.uow, gateway, world.outbox, world.clock, tax_details_box("test-key"))  # type: ignore[arg-type]
    gateway.lose["transfer"] = 1
    world.clock.advance(booking.end + timedelta(hours=48) - world.clock.now())
    assert await payouts() == 0 and gateway.transfers == 1

    handle = ReceivePaymentEvent(
        world.uow,
        gateway,  # type: ignore[arg-type]
        world.outbox,
        world.clock,
        StripeEventDecoder(),
    )
    dispute = {
        "id": "dp_1",
        "payment_intent": booking.payment.intent_id,
        "amount": 10_000,
        "reason": "fraudulent",
    }
    assert await handle(
        stripe_event(f"evt_{uuid4().hex}", "charge.dispute.created", world.clock.now(), dispute)
    )
    world.clock.advance(timedelta(days=1))
    await payouts()
    made = await world.gateway.find_transfer(booking.id)
    assert made is not None
    transfer = {"id": made.id, "amount": 8_000, "metadata": {"booking_id": str(booking.id)}}
    await handle(
        stripe_event(f"evt_{uuid4().hex}", "transfer.created", world.clock.now(), transfer)
    )

    after = await stored(world, booking)
    assert (after.payout.status, after.payout.paid_out_cents) == (PayoutStatus.PAID, 8_000)
    assert after.payout.transfer_id == made.id
    assert gateway.transfers == 1
    assert await Reconcile(world.uow, world.gateway)(None) == (1, [])
    await ledger_agrees(world, booking)


async def test_a_dashboard_refund_told_before_a_lost_capture_is_booked(world: World) -> None:
    """The capture went through at Stripe and its commit was lost; the whole
    payment is then refunded at Stripe's dashboard, and charge.refunded comes
    before payment_intent.succeeded. The refund finds the capture at Stripe,
    records it and books itself on it: neither event is left unbooked."""
    booking = await authorized(world, CancellationPolicy.FLEXIBLE)
    intent = booking.payment.intent_id or ""
    await world.gateway.capture(intent, f"booking:{booking.id}:capture")
    await world.gateway.refund(intent, 10_000, "dashboard")
    handle = ReceivePaymentEvent(
        world.uow, world.gateway, world.outbox, world.clock, StripeEventDecoder()
    )
    charge = {"id": "ch_1", "payment_intent": intent, "amount_refunded": 10_000}
    assert await handle(
        stripe_event(f"evt_{uuid4().hex}", "charge.refunded", world.clock.now(), charge)
    )
    succeeded = {"id": intent, "amount_received": 10_000, "latest_charge": "ch_1"}
    assert await handle(
        stripe_event(f"evt_{uuid4().hex}", "payment_intent.succeeded", world.clock.now(), succeeded)
    )

    after = await stored(world, booking)
    assert (after.status, after.payment.status) == (BookingStatus.ACCEPTED, PaymentStatus.REFUNDED)
    assert (after.payment.captured_cents, after.payment.refunded_cents) == (10_000, 10_000)
    assert after.payment.charge_id == "ch_1"
    assert await Reconcile(world.uow, world.gateway)(None) == (1, [])
    await ledger_agrees(world, booking)


async def test_a_chargeback_told_before_a_lost_capture_is_booked(world: World) -> None:
    """As above with a bank's chargeback: it is opened on the capture found at
    Stripe rather than dropped because the booking had not recorded one."""
    booking = await authorized(world, CancellationPolicy.FLEXIBLE)
    intent = booking.payment.intent_id or ""
    await world.gateway.capture(intent, f"booking:{booking.id}:capture")
    handle = ReceivePaymentEvent(
        world.uow, world.gateway, world.outbox, world.clock, StripeEventDecoder()
    )
    dispute = {"id": "dp_1", "payment_intent": intent, "amount": 10_000, "reason": "fraudulent"}
    assert await handle(
        stripe_event(f"evt_{uuid4().hex}", "charge.dispute.created", world.clock.now(), dispute)
    )
    succeeded = {"id": intent, "amount_received": 10_000, "latest_charge": "ch_1"}
    assert await handle(
        stripe_event(f"evt_{uuid4().hex}", "payment_intent.succeeded", world.clock.now(), succeeded)
    )

    after = await stored(world, booking)
    assert (after.status, after.payment.status) == (BookingStatus.ACCEPTED, PaymentStatus.CAPTURED)
    assert after.payout.status is PayoutStatus.HELD
    assert after.payment.charge_id == "ch_1"
    await ledger_agrees(world, booking)


async def held_after_a_lost_transfer(world: World, gateway: Flaky) -> Booking:
    """Four refused attempts, then a transfer made at Stripe whose answer is
    lost: the fifth failure holds the payout, though its money has gone."""
    booking = await completed_and_captured(world)
    payouts = PayOutDue(world.uow, gateway, world.outbox, world.clock, tax_details_box("test-key"))  # type: ignore[arg-type]
    gateway.refuse["transfer"], gateway.lose["transfer"] = 4, 1
    world.clock.advance(booking.end + timedelta(hours=48) - world.clock.now())
    for _ in range(5):
        assert await payouts() == 0
        world.clock.advance(timedelta(hours=6))
    held = await stored(world, booking)
    assert held.payout.status is PayoutStatus.HELD and gateway.transfers == 1
    return booking


async def test_a_transfer_event_records_a_payout_held_after_its_lost_transfer(
    world: World,
) -> None:
    """Stripe's transfer.created for the lost attempt records the payout:
    held, it would wait for an admin while the ledger disagreed with Stripe."""
    gateway = Flaky(world)
    booking = await held_after_a_lost_transfer(world, gateway)
    handle = ReceivePaymentEvent(
        world.uow,
        gateway,  # type: ignore[arg-type]
        world.outbox,
        world.clock,
        StripeEventDecoder(),
    )
    made = await world.gateway.find_transfer(booking.id)
    assert made is not None
    transfer = {"id": made.id, "amount": 8_000, "metadata": {"booking_id": str(booking.id)}}
    assert await handle(
        stripe_event(f"evt_{uuid4().hex}", "transfer.created", world.clock.now(), transfer)
    )

    after = await stored(world, booking)
    assert (after.payout.status, after.payout.paid_out_cents) == (PayoutStatus.PAID, 8_000)
    assert after.payout.transfer_id == made.id
    assert await Reconcile(world.uow, world.gateway)(None) == (1, [])
    await ledger_agrees(world, booking)


async def test_a_chargeback_on_a_payout_held_after_its_lost_transfer_records_it(
    world: World,
) -> None:
    """A chargeback comes for a booking whose payout was held after its lost
    transfer: the transfer Stripe holds is recorded first, as for a payout
    still scheduled."""
    gateway = Flaky(world)
    booking = await held_after_a_lost_transfer(world, gateway)
    handle = ReceivePaymentEvent(
        world.uow,
        gateway,  # type: ignore[arg-type]
        world.outbox,
        world.clock,
        StripeEventDecoder(),
    )
    dispute = {
        "id": "dp_1",
        "payment_intent": booking.payment.intent_id,
        "amount": 10_000,
        "reason": "fraudulent",
    }
    assert await handle(
        stripe_event(f"evt_{uuid4().hex}", "charge.dispute.created", world.clock.now(), dispute)
    )

    after = await stored(world, booking)
    assert (after.payout.status, after.payout.paid_out_cents) == (PayoutStatus.PAID, 8_000)
    assert await Reconcile(world.uow, world.gateway)(None) == (1, [])
    await ledger_agrees(world, booking)
