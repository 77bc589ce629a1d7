"""What the parties do with a booking: look, accept, decline, cancel, complete."""

from __future__ import annotations

from uuid import UUID

from tailtribe.domain.errors import Conflict, Forbidden, NotFound
from tailtribe.domain.model.booking_payment import CAPTURED_STATES, PaymentStatus
from tailtribe.domain.model.bookings import Booking, BookingStatus
from tailtribe.domain.model.users import clean_text
from tailtribe.domain.ports.payments import PaymentGateway
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.outbox import Outbox
from tailtribe.domain.services.payments.refunds import Before, send_refund
from tailtribe.domain.services.terms import (
    Access,
    Actor,
    MarketplaceTerms,
    access,
    idempotency_key,
)

_HOLDS = (PaymentStatus.PENDING, PaymentStatus.AUTHORIZED, PaymentStatus.FAILED)


async def release_hold(gateway: PaymentGateway, booking: Booking, was: PaymentStatus) -> None:
    """Cancel the PaymentIntent of a booking that ends before capture."""
    if booking.payment.intent_id is not None and was in _HOLDS:
        await gateway.cancel(booking.payment.intent_id, idempotency_key(booking, "cancel-intent"))


async def refund_unaccepted(
    gateway: PaymentGateway, booking: Booking, was: PaymentStatus, before: Before
) -> None:
    """Give back a payment taken ahead (Bancontact) of a request that ended unaccepted."""
    if was in CAPTURED_STATES:
        refund = booking.payment.refunded_cents - before.refunded_cents
        await send_refund(gateway, booking, refund, before)


class BookingLifecycle:
    """The parties' commands. Money moves at Stripe before the commit, each
    call with a key derived from the booking and the step, so a retry after a
    crash completes the step instead of repeating it.

    - only the booking's caregiver accepts, declines and completes;
    - owner, caregiver or an admin may cancel; the owner gets the policy's
      share back after capture, everyone else's cancellation refunds all;
    - anyone else gets 404.

    Accepting shares the pair's contacts in the same transaction: the
    conversations feature reacts to `BookingAccepted` (see `reactions.py`).
    """

    def __init__(
        self,
        uow: UnitOfWork,
        gateway: PaymentGateway,
        terms: MarketplaceTerms,
        outbox: Outbox,
        clock: Clock,
    ) -> None:
        self._uow, self._gateway, self._terms = uow, gateway, terms
        self._outbox, self._clock = outbox, clock

    async def get(self, actor: Actor, booking_id: UUID) -> Booking:
        async with self._uow as uow:
            return (await access(uow, actor, booking_id)).booking

    async def _as_caregiver(self, uow: UnitOfWork, actor: Actor, booking_id: UUID) -> Access:
        found = await access(uow, actor, booking_id)
        if not found.as_caregiver:
            # The owner (or an admin) sees it but may not act as its caregiver.
            raise Forbidden("only the booking's caregiver can do this")
        return found

    async def _finish(self, uow: UnitOfWork, booking: Booking) -> Booking:
        await uow.bookings.save(booking)
        await self._outbox.publish(uow, [booking])
        await uow.commit()
        return booking

    async def accept(self, actor: Actor, booking_id: UUID) -> Booking:
        async with self._uow as uow:
            booking = (await self._as_caregiver(uow, actor, booking_id)).booking
            paid_ahead = booking.paid_ahead
            booking.accept(self._clock.now())
            if paid_ahead:  # Bancontact: taken at once, nothing to capture
                return await self._finish(uow, booking)
            if booking.payment.intent_id is None:
                raise NotFound("the booking has no payment")
            captured = await self._gateway.capture(
                booking.payment.intent_id, idempotency_key(booking, "capture")
            )
            booking.record_capture(self._clock.now(), captured.charge_id, captured.fee_cents)
            return await self._finish(uow, booking)

    async def decline(self, actor: Actor, booking_id: UUID) -> Booking:
        async with self._uow as uow:
            booking = (await self._as_caregiver(uow, actor, booking_id)).booking
            was = booking.payment.status
            before = Before.of(booking)
            booking.decline(self._clock.now())
            await release_hold(self._gateway, booking, was)
            await refund_unaccepted(self._gateway, booking, was, before)
            return await self._finish(uow, booking)

    async def complete(self, actor: Actor, booking_id: UUID) -> Booking:
        async with self._uow as uow:
            booking = (await self._as_caregiver(uow, actor, booking_id)).booking
            booking.complete(self._clock.now(), self._terms.dispute_window)
            await uow.bookings.save(booking)
            return await self._finish(uow, booking)

    async def cancel(
        self, actor: Actor, booking_id: UUID, reason: str | None
    ) -> tuple[Booking, int]:
        """Returns the booking and the refund in cents (zero before capture)."""
        async with self._uow as uow:
            found = await access(uow, actor, booking_id)
            booking = found.booking
            if booking.series_id is not None and booking.status is BookingStatus.REQUESTED:
                # A series is asked and answered as a whole (docs/series.md).
                raise Conflict("the series is not answered yet: cancel or decline the series")
            was = booking.payment.status
            before = Before.of(booking)
            text = None if reason is None else clean_text(reason, "reason", max_length=2000) or None
            refund = booking.cancel(
                found.canceller, self._clock.now(), text, self._terms.dispute_window
            )
            await uow.bookings.save(booking)
            await release_hold(self._gateway, booking, was)
            if was in CAPTURED_STATES:
                await send_refund(self._gateway, booking, refund, before)
            return await self._finish(uow, booking), refund
