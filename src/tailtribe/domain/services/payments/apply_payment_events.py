"""Payment provider events: stored once by id, applied exactly once in effect, in any order.

Each event is a hint: the handler re-reads the booking under its row lock
and changes it only when the event says something the booking does not know
yet, so a duplicate, a late or a reordered delivery changes nothing.

What is stored is the provider's body exactly as received (the
webhook_event row); the provider's adapter decodes it into a core message
(`domain.model.payment_events`) through the PaymentEventDecoder port each
time it is applied. So the stored rows need no migration when the core's
messages change, and a retry reads the same bytes the first attempt did.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tailtribe.domain.errors import DomainError, PaymentProviderError, ProviderUnavailable
from tailtribe.domain.model.aggregate import Aggregate
from tailtribe.domain.model.booking_payment import CAPTURED_STATES, PaymentMethod, PaymentStatus
from tailtribe.domain.model.bookings import Booking, BookingStatus
from tailtribe.domain.model.payment_events import (
    AccountUpdated,
    DisputeOpened,
    PaymentAuthorized,
    PaymentCanceled,
    PaymentCaptured,
    PaymentEvent,
    PaymentFailed,
    PaymentRefunded,
    ReceivedEvent,
    SetupFailed,
    SetupSucceeded,
    TransferMade,
    TransferReversed,
)
from tailtribe.domain.ports.payments import PaymentEventDecoder, PaymentGateway
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.outbox import Outbox
from tailtribe.domain.services.payments.occurrences import take_occurrence_payment
from tailtribe.domain.services.payments.refunds import Before, record_lost_payout, send_refund

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Context:
    uow: UnitOfWork
    gateway: PaymentGateway
    now: datetime


async def account_updated(ctx: Context, event: AccountUpdated) -> Sequence[Aggregate]:
    """Connect onboarding finished (or lost its capability): set payouts_enabled."""
    uow = ctx.uow
    caregiver = await uow.caregivers.get_by_stripe_account(event.account_id)
    if caregiver is None:
        return []
    if caregiver.update_payouts(event.payouts_enabled, as_of=event.occurred_at):
        await uow.caregivers.save(caregiver)
    return [caregiver]


async def _requested_booking(ctx: Context, payment_intent_id: str) -> Booking | None:
    booking = await ctx.uow.bookings.get_by_payment_intent(payment_intent_id)
    if booking is None or booking.status is not BookingStatus.REQUESTED:
        return None  # unknown, or over: a late event changes nothing
    return booking


async def setup_succeeded(ctx: Context, event: SetupSucceeded) -> Sequence[Aggregate]:
    """The owner saved a card for a series: the caregiver is asked now."""
    series = await ctx.uow.series.get_by_setup_intent(event.setup_intent_id)
    if series is None or event.payment_method_id is None:
        return []
    if not series.save_card(event.occurred_at, event.payment_method_id):
        return []
    await ctx.uow.series.save(series)
    return [series]


async def setup_failed(ctx: Context, event: SetupFailed) -> Sequence[Aggregate]:
    series = await ctx.uow.series.get_by_setup_intent(event.setup_intent_id)
    if series is None or not series.fail_setup(event.occurred_at):
        return []
    await ctx.uow.series.save(series)
    return [series]


async def _occurrence_confirmed(
    ctx: Context, booking: Booking, event: PaymentAuthorized
) -> Sequence[Aggregate]:
    """The owner confirmed an occurrence's payment after the off-session one
    failed (or its answer was lost): held now, and taken at once, as the
    caregiver accepted long ago."""
    if booking.payment.status is not PaymentStatus.FAILED or event.amount_cents != (
        booking.price.total_cents
    ):
        return []
    booking.authorize_occurrence(event.occurred_at, booking.price.total_cents)
    try:
        await take_occurrence_payment(ctx.gateway, booking, ctx.now)
    except PaymentProviderError:
        # Held, and booked as held: it no longer lapses, and the charge job
        # takes it on its next run (it takes held occurrences too).
        logger.warning("capture of occurrence %s left to the charge job", booking.id)
    await ctx.uow.bookings.save(booking)
    return [booking]


async def payment_authorized(ctx: Context, event: PaymentAuthorized) -> Sequence[Aggregate]:
    """The owner confirmed the card: the hold is in place, the caregiver may accept."""
    occurrence = await ctx.uow.bookings.get_by_payment_intent(event.payment_intent_id)
    if (
        occurrence is not None
        and occurrence.series_id is not None
        and occurrence.status is BookingStatus.ACCEPTED
    ):
        return await _occurrence_confirmed(ctx, occurrence, event)
    booking = await _requested_booking(ctx, event.payment_intent_id)
    if booking is None or booking.payment.status not in (
        PaymentStatus.PENDING,
        PaymentStatus.FAILED,
    ):
        return []
    if event.occurred_at >= booking.payment_deadline:
        return []  # too late: the request expires and the hold is released
    amount = event.amount_cents
    if amount != booking.price.total_cents:
        # Not what was asked for: stored for the record, never believed.
        logger.warning("authorization of %s for booking %s ignored", amount, booking.id)
        return []
    booking.authorize(event.occurred_at, booking.price.total_cents)
    # Only a card can be held (Bancontact is captured at once).
    booking.payment.method = event.method or PaymentMethod.CARD
    await ctx.uow.bookings.save(booking)
    return [booking]


async def payment_failed(ctx: Context, event: PaymentFailed) -> Sequence[Aggregate]:
    """The card was refused: the owner is told and may try again within the window."""
    booking = await _requested_booking(ctx, event.payment_intent_id)
    if booking is None or booking.payment.status is not PaymentStatus.PENDING:
        return []
    booking.fail_payment(event.occurred_at)
    await ctx.uow.bookings.save(booking)
    return [booking]


async def payment_canceled(ctx: Context, event: PaymentCanceled) -> Sequence[Aggregate]:
    """The provider canceled the payment (the authorization lapsed, or someone
    canceled it there): a request can no longer be accepted."""
    booking = await _requested_booking(ctx, event.payment_intent_id)
    if booking is None or booking.payment.status is PaymentStatus.CANCELED:
        return []
    booking.cancel_payment(ctx.now)
    await ctx.uow.bookings.save(booking)
    return [booking]


async def _booking_of(ctx: Context, payment_intent_id: str | None) -> Booking | None:
    if payment_intent_id is None:
        return None
    return await ctx.uow.bookings.get_by_payment_intent(payment_intent_id)


async def payment_captured(ctx: Context, event: PaymentCaptured) -> Sequence[Aggregate]:
    """The capture went through. If the acceptance that asked for it was lost
    (a crash before its commit), the booking is accepted now: the owner has
    paid. Either way the booking learns its charge."""
    booking = await _booking_of(ctx, event.payment_intent_id)
    if booking is None or booking.payment.charge_id:
        return []
    captured = event.amount_cents
    if (
        booking.status is BookingStatus.REQUESTED
        and booking.payment.may_authorize()
        and captured == booking.price.total_cents
    ):
        return await _paid_at_once(ctx, booking, event)
    if booking.status is BookingStatus.REQUESTED and captured == booking.price.total_cents:
        booking.recover_capture(ctx.now)  # its BookingAccepted shares the contacts
    if booking.payment.captured_cents == 0:
        return []
    booking.record_capture(ctx.now, event.charge_id, None)
    await ctx.uow.bookings.save(booking)
    return [booking]


async def _paid_at_once(
    ctx: Context, booking: Booking, event: PaymentCaptured
) -> Sequence[Aggregate]:
    """Captured without a hold before it (Bancontact): the request is paid and
    waits for the caregiver. Believed even after the payment window: the money
    was taken, and a request that then ends refunds it. The provider's record
    gives the fee (and the method, when the event did not say)."""
    record = None
    if booking.payment.intent_id is not None:
        record = await ctx.gateway.record(booking.payment.intent_id, booking.id)
    method = event.method or (record.method if record else None) or PaymentMethod.BANCONTACT
    booking.pay(event.occurred_at, booking.price.total_cents, method)
    booking.record_capture(ctx.now, event.charge_id, record.fee_cents if record else None)
    await ctx.uow.bookings.save(booking)
    return [booking]


async def _recover_lost_capture(ctx: Context, booking: Booking) -> None:
    """Before booking what happened to a charge (a refund, a chargeback): a
    capture whose commit was lost has its event still on the way, and may come
    after this one. Read from the provider and recorded first, so that what
    this event says is booked on it; ignored, nothing would ever book it."""
    if (
        booking.status is not BookingStatus.REQUESTED
        or booking.payment.status is not PaymentStatus.AUTHORIZED
        or booking.payment.intent_id is None
    ):
        return
    record = await ctx.gateway.record(booking.payment.intent_id, booking.id)
    if record.captured_cents != booking.price.total_cents:
        return  # not captured (or not as asked): left to the capture's own event
    booking.recover_capture(ctx.now)  # its BookingAccepted shares the contacts
    booking.record_capture(ctx.now, None, record.fee_cents)


async def payment_refunded(ctx: Context, event: PaymentRefunded) -> Sequence[Aggregate]:
    """A refund made at the provider itself (its dashboard): booked like an
    admin's, reversing the caregiver's share of a transfer already made."""
    booking = await _booking_of(ctx, event.payment_intent_id)
    refunded = event.refunded_cents
    if booking is None or refunded is None or refunded <= booking.payment.refunded_cents:
        return []  # ours, already booked, or an older view of the charge
    await _recover_lost_capture(ctx, booking)
    if booking.payment.status not in CAPTURED_STATES:
        return []
    await record_lost_payout(ctx.gateway, booking, ctx.now)
    before = Before.of(booking)
    booking.refund(ctx.now, min(refunded, booking.payment.captured_cents) - before.refunded_cents)
    # The owner has the money back already: only the reversal is left to do.
    await send_refund(ctx.gateway, booking, 0, before)
    await ctx.uow.bookings.save(booking)
    return [booking]


async def dispute_opened(ctx: Context, event: DisputeOpened) -> Sequence[Aggregate]:
    """A chargeback: hold the payout if it has not gone, and tell admins."""
    booking = await _booking_of(ctx, event.payment_intent_id)
    if booking is None:
        return []
    await _recover_lost_capture(ctx, booking)
    if booking.payment.captured_cents == 0:
        return []
    # A payout whose commit or answer was lost has gone all the same: held, it
    # could never be recorded (neither the retry nor a transfer event takes a
    # held payout) and the ledger would disagree with Stripe for good.
    await record_lost_payout(ctx.gateway, booking, ctx.now)
    booking.open_chargeback(ctx.now, event.dispute_id, event.amount_cents or 0)
    await ctx.uow.bookings.save(booking)
    return [booking]


async def transfer_made(ctx: Context, event: TransferMade) -> Sequence[Aggregate]:
    """A transfer whose commit was lost (a crash after the provider made it): record it now,
    also when the payout was held since (its later attempts failed): it was sent all the same."""
    booking_id = event.booking_id
    booking = None if booking_id is None else await ctx.uow.bookings.get(booking_id)
    if (
        booking is None
        or not booking.payout.is_unsent
        or booking.payout.attempts == 0
        or event.amount_cents != booking.settlement.payout_cents
    ):
        return []
    try:
        booking.record_lost_payout(ctx.now, event.transfer_id)
    except DomainError:
        return []
    await ctx.uow.bookings.save(booking)
    return [booking]


async def transfer_reversed(ctx: Context, event: TransferReversed) -> Sequence[Aggregate]:
    """Reversals are ours; one made at the provider itself is left to reconciliation."""
    booking_id = event.booking_id
    booking = None if booking_id is None else await ctx.uow.bookings.get(booking_id)
    reversed_ = event.reversed_cents
    if booking is not None and reversed_ is not None and reversed_ > booking.payout.reversed_cents:
        logger.warning("transfer of booking %s reversed outside the platform", booking.id)
    return []


async def apply(ctx: Context, event: PaymentEvent) -> Sequence[Aggregate]:
    """The handler of each message; a message without one changes nothing."""
    match event:
        case AccountUpdated():
            return await account_updated(ctx, event)
        case SetupSucceeded():
            return await setup_succeeded(ctx, event)
        case SetupFailed():
            return await setup_failed(ctx, event)
        case PaymentAuthorized():
            return await payment_authorized(ctx, event)
        case PaymentFailed():
            return await payment_failed(ctx, event)
        case PaymentCanceled():
            return await payment_canceled(ctx, event)
        case PaymentCaptured():
            return await payment_captured(ctx, event)
        case PaymentRefunded():
            return await payment_refunded(ctx, event)
        case DisputeOpened():
            return await dispute_opened(ctx, event)
        case TransferMade():
            return await transfer_made(ctx, event)
        case TransferReversed():
            return await transfer_reversed(ctx, event)
    return []


# An event that failed to process is tried again by the scheduled job after
# this, up to MAX_ATTEMPTS times; then it waits for an admin (the metric
# tailtribe_webhooks_unprocessed and its alert say so), not holding up newer ones.
RETRY_AFTER = timedelta(minutes=1)
MAX_ATTEMPTS = 10


class ReceivePaymentEvent:
    """Store the event, then apply it.

    - storing commits first: the answer to the provider is 200 once the event is
      kept, even if applying it fails; the scheduled job applies it later;
    - applying runs under the event's row lock and marks it processed in the
      same transaction as its effects, so it happens once in effect;
    - a delivery of an id already processed changes nothing;
    - an older AccountUpdated than the last applied one is ignored;
    - kinds the decoder has no message for are stored and acknowledged.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        gateway: PaymentGateway,
        outbox: Outbox,
        clock: Clock,
        decoder: PaymentEventDecoder,
    ) -> None:
        self._uow, self._gateway, self._outbox, self._clock = uow, gateway, outbox, clock
        self._decoder = decoder

    async def __call__(self, event: ReceivedEvent) -> bool:
        """Returns False for a repeated delivery."""
        async with self._uow as uow:
            new = await uow.webhook_events.add_if_new(
                event.id, event.kind, event.raw, self._clock.now()
            )
            await uow.commit()
        try:
            await self.process(event.id)
        except Exception:  # kept: the scheduled job tries again
            logger.exception("processing payment event %s failed", event.id)
        return new

    async def process(self, event_id: str) -> bool:
        """Apply a stored event unless it was applied already; True if this did."""
        try:
            async with self._uow as uow:
                raw = await uow.webhook_events.unprocessed(event_id)
                if raw is None:
                    return False
                event = self._decoder.decode(raw)
                if event is not None:
                    context = Context(uow, self._gateway, self._clock.now())
                    try:
                        changed = await apply(context, event)
                    except ProviderUnavailable:
                        raise  # the provider did not answer: try again later
                    except DomainError as exc:
                        # The booking refuses what the event says (a refusal
                        # changes nothing): kept for the record, not retried.
                        logger.warning("payment event %s not applied: %s", event_id, exc.detail)
                        changed = []
                    await self._outbox.publish(uow, changed)
                await uow.webhook_events.mark_processed(event_id, self._clock.now())
                await uow.commit()
                return True
        except Exception as exc:  # nothing of it was committed
            await self._failed(event_id, exc)
            raise

    async def _failed(self, event_id: str, exc: Exception) -> None:
        async with self._uow as uow:
            await uow.webhook_events.mark_failed(event_id, f"{type(exc).__name__}: {exc}")
            await uow.commit()


class RetryPaymentEvents:
    """The scheduled job: apply the stored events whose processing failed."""

    def __init__(self, uow: UnitOfWork, handle: ReceivePaymentEvent, clock: Clock) -> None:
        self._uow, self._handle, self._clock = uow, handle, clock

    async def __call__(self) -> int:
        async with self._uow as uow:
            pending = await uow.webhook_events.pending(
                self._clock.now() - RETRY_AFTER, MAX_ATTEMPTS, 100
            )
        done = 0
        for event_id in pending:
            try:
                done += await self._handle.process(event_id)
            except Exception:
                logger.exception("processing payment event %s failed again", event_id)
        return done
