"""Stripe webhooks: stored once by id, applied exactly once in effect, in any order.

Each event is a hint: the handler re-reads the booking under its row lock
and changes it only when the event says something the booking does not know
yet, so a duplicate, a late or a reordered delivery changes nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from tailtribe.domain.errors import DomainError, ProviderUnavailable
from tailtribe.domain.model.aggregate import Aggregate
from tailtribe.domain.model.bookings import (
    CAPTURED_STATES,
    Booking,
    BookingStatus,
    PaymentStatus,
    PayoutStatus,
)
from tailtribe.domain.ports import Clock, PaymentGateway, UnitOfWork
from tailtribe.domain.services.bookings.lifecycle import share_contacts
from tailtribe.domain.services.outbox import Outbox
from tailtribe.domain.services.payments.refunds import Before, record_lost_payout, send_refund


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    """A verified webhook event: its id, type, creation time and data object."""

    id: str
    type: str
    created: datetime
    data: Mapping[str, Any]
    raw: str

    @classmethod
    def build(cls, id: str, type: str, created: datetime, data: Mapping[str, Any]) -> ProviderEvent:
        """An event as Stripe would send it (the demo data, tests)."""
        body = {
            "id": id,
            "object": "event",
            "type": type,
            "created": int(created.timestamp()),
            "data": {"object": dict(data)},
        }
        return cls(id, type, created, data, json.dumps(body))

    @classmethod
    def from_json(cls, raw: str) -> ProviderEvent:
        """Raises ValueError, KeyError or TypeError for what is not an event."""
        try:
            body = json.loads(raw)
        except RecursionError as exc:
            raise ValueError("the event is nested too deeply") from exc
        data = body["data"]["object"]
        try:
            # Overflow (and OSError on some platforms) past what a datetime holds.
            created = datetime.fromtimestamp(int(body["created"]), UTC)
        except (OverflowError, OSError) as exc:
            raise ValueError("the event's creation time is not a date") from exc
        return cls(
            id=str(body["id"]),
            type=str(body["type"]),
            created=created,
            data=data if isinstance(data, dict) else {},
            raw=raw,
        )


logger = logging.getLogger(__name__)
Handler = Callable[["Context", ProviderEvent], Awaitable[Sequence[Aggregate]]]


@dataclass(frozen=True, slots=True)
class Context:
    uow: UnitOfWork
    gateway: PaymentGateway
    now: datetime


async def account_updated(ctx: Context, event: ProviderEvent) -> Sequence[Aggregate]:
    """Connect onboarding finished (or lost its capability): set payouts_enabled."""
    uow = ctx.uow
    caregiver = await uow.caregivers.get_by_stripe_account(str(event.data.get("id", "")))
    if caregiver is None:
        return []
    if caregiver.update_payouts(bool(event.data.get("payouts_enabled")), as_of=event.created):
        await uow.caregivers.save(caregiver)
    return [caregiver]


async def _requested_booking(ctx: Context, event: ProviderEvent) -> Booking | None:
    booking = await ctx.uow.bookings.get_by_payment_intent(str(event.data.get("id", "")))
    if booking is None or booking.status is not BookingStatus.REQUESTED:
        return None  # unknown, or over: a late event changes nothing
    return booking


async def payment_authorized(ctx: Context, event: ProviderEvent) -> Sequence[Aggregate]:
    """The owner confirmed the card: the hold is in place, the caregiver may accept."""
    booking = await _requested_booking(ctx, event)
    if booking is None or booking.payment.status not in (
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
    await ctx.uow.bookings.save(booking)
    return [booking]


async def payment_failed(ctx: Context, event: ProviderEvent) -> Sequence[Aggregate]:
    """The card was refused: the owner is told and may try again within the window."""
    booking = await _requested_booking(ctx, event)
    if booking is None or booking.payment.status is not PaymentStatus.PENDING:
        return []
    booking.fail_payment(event.created)
    await ctx.uow.bookings.save(booking)
    return [booking]


async def payment_canceled(ctx: Context, event: ProviderEvent) -> Sequence[Aggregate]:
    """Stripe canceled the PaymentIntent (the authorization lapsed, or someone
    canceled it at Stripe): a request can no longer be accepted."""
    booking = await _requested_booking(ctx, event)
    if booking is None or booking.payment.status is PaymentStatus.CANCELED:
        return []
    booking.cancel_payment(ctx.now)
    await ctx.uow.bookings.save(booking)
    return [booking]


async def _booking_of(ctx: Context, payment_intent: object) -> Booking | None:
    if isinstance(payment_intent, dict):  # expanded
        payment_intent = payment_intent.get("id")
    if not isinstance(payment_intent, str):
        return None
    return await ctx.uow.bookings.get_by_payment_intent(payment_intent)


async def payment_succeeded(ctx: Context, event: ProviderEvent) -> Sequence[Aggregate]:
    """The capture went through. If the acceptance that asked for it was lost
    (a crash before its commit), the booking is accepted now: the owner has
    paid. Either way the booking learns its charge."""
    booking = await _booking_of(ctx, event.data.get("id"))
    if booking is None or booking.payment.charge_id:
        return []
    captured = event.data.get("amount_received")
    if booking.status is BookingStatus.REQUESTED and captured == booking.price.total_cents:
        booking.recover_capture(ctx.now)
        await share_contacts(ctx.uow, booking, ctx.now)
    if booking.payment.captured_cents == 0:
        return []
    charge = event.data.get("latest_charge")
    if isinstance(charge, dict):
        charge = charge.get("id")
    booking.record_capture(ctx.now, charge if isinstance(charge, str) else None, None)
    await ctx.uow.bookings.save(booking)
    return [booking]


async def charge_refunded(ctx: Context, event: ProviderEvent) -> Sequence[Aggregate]:
    """A refund made at Stripe itself (the dashboard): booked like an admin's,
    reversing the caregiver's share of a transfer already made."""
    booking = await _booking_of(ctx, event.data.get("payment_intent"))
    refunded = event.data.get("amount_refunded")
    if (
        booking is None
        or not isinstance(refunded, int)
        or refunded <= booking.payment.refunded_cents
    ):
        return []  # ours, already booked, or an older view of the charge
    if booking.payment.status not in CAPTURED_STATES:
        return []
    await record_lost_payout(ctx.gateway, booking, ctx.now)
    before = Before.of(booking)
    booking.refund(ctx.now, min(refunded, booking.payment.captured_cents) - before.refunded_cents)
    # The owner has the money back already: only the reversal is left to do.
    await send_refund(ctx.gateway, booking, 0, before)
    await ctx.uow.bookings.save(booking)
    return [booking]


async def dispute_created(ctx: Context, event: ProviderEvent) -> Sequence[Aggregate]:
    """A chargeback: hold the payout if it has not gone, and tell admins."""
    booking = await _booking_of(ctx, event.data.get("payment_intent"))
    if booking is None or booking.payment.captured_cents == 0:
        return []
    amount = event.data.get("amount")
    booking.open_chargeback(
        ctx.now, str(event.data.get("id", "")), amount if isinstance(amount, int) else 0
    )
    await ctx.uow.bookings.save(booking)
    return [booking]


def _booking_id(transfer: Mapping[str, Any]) -> UUID | None:
    metadata = transfer.get("metadata")
    text = metadata.get("booking_id") if isinstance(metadata, dict) else None
    try:
        return UUID(str(text or transfer.get("transfer_group") or ""))
    except ValueError:
        return None


async def transfer_created(ctx: Context, event: ProviderEvent) -> Sequence[Aggregate]:
    """A transfer whose commit was lost (a crash after Stripe made it): record it now."""
    booking_id = _booking_id(event.data)
    booking = None if booking_id is None else await ctx.uow.bookings.get(booking_id)
    if (
        booking is None
        or booking.payout.status is not PayoutStatus.SCHEDULED
        or booking.payout.attempts == 0
        or event.data.get("amount") != booking.settlement.payout_cents
    ):
        return []
    try:
        booking.pay_out(ctx.now, str(event.data.get("id")))
    except DomainError:
        return []
    await ctx.uow.bookings.save(booking)
    return [booking]


async def transfer_reversed(ctx: Context, event: ProviderEvent) -> Sequence[Aggregate]:
    """Reversals are ours; one made at Stripe itself is left to reconciliation."""
    booking_id = _booking_id(event.data)
    booking = None if booking_id is None else await ctx.uow.bookings.get(booking_id)
    reversed_ = event.data.get("amount_reversed")
    if (
        booking is not None
        and isinstance(reversed_, int)
        and reversed_ > booking.payout.reversed_cents
    ):
        logger.warning("transfer of booking %s reversed outside the platform", booking.id)
    return []


HANDLERS: dict[str, Handler] = {
    "account.updated": account_updated,
    "payment_intent.amount_capturable_updated": payment_authorized,
    "payment_intent.payment_failed": payment_failed,
    "payment_intent.canceled": payment_canceled,
    "payment_intent.succeeded": payment_succeeded,
    "charge.refunded": charge_refunded,
    "charge.dispute.created": dispute_created,
    "transfer.created": transfer_created,
    "transfer.reversed": transfer_reversed,
}

# An event that failed to process is tried again by the scheduled job after
# this, up to MAX_ATTEMPTS times; then it waits for an admin (the metric
# tailtribe_webhooks_unprocessed and its alert say so), not holding up newer ones.
RETRY_AFTER = timedelta(minutes=1)
MAX_ATTEMPTS = 10


class HandleStripeEvent:
    """Store the event, then apply it.

    - storing commits first: the answer to Stripe is 200 once the event is
      kept, even if applying it fails; the scheduled job applies it later;
    - applying runs under the event's row lock and marks it processed in the
      same transaction as its effects, so it happens once in effect;
    - a delivery of an id already processed changes nothing;
    - an older `account.updated` than the last applied one is ignored;
    - types without a handler are stored and acknowledged.
    """

    def __init__(
        self, uow: UnitOfWork, gateway: PaymentGateway, outbox: Outbox, clock: Clock
    ) -> None:
        self._uow, self._gateway, self._outbox, self._clock = uow, gateway, outbox, clock

    async def __call__(self, event: ProviderEvent) -> bool:
        """Returns False for a repeated delivery."""
        async with self._uow as uow:
            new = await uow.webhook_events.add_if_new(
                event.id, event.type, event.raw, self._clock.now()
            )
            await uow.commit()
        try:
            await self.process(event.id)
        except Exception:  # kept: the scheduled job tries again
            logger.exception("processing Stripe event %s failed", event.id)
        return new

    async def process(self, event_id: str) -> bool:
        """Apply a stored event unless it was applied already; True if this did."""
        try:
            async with self._uow as uow:
                raw = await uow.webhook_events.unprocessed(event_id)
                if raw is None:
                    return False
                event = ProviderEvent.from_json(raw)
                handler = HANDLERS.get(event.type)
                if handler is not None:
                    context = Context(uow, self._gateway, self._clock.now())
                    try:
                        changed = await handler(context, event)
                    except ProviderUnavailable:
                        raise  # Stripe did not answer: try again later
                    except DomainError as exc:
                        # The booking refuses what the event says (a refusal
                        # changes nothing): kept for the record, not retried.
                        logger.warning("Stripe event %s not applied: %s", event_id, exc.detail)
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


class RetryStripeEvents:
    """The scheduled job: apply the stored events whose processing failed."""

    def __init__(self, uow: UnitOfWork, handle: HandleStripeEvent, clock: Clock) -> None:
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
                logger.exception("processing Stripe event %s failed again", event_id)
        return done
