"""Owners' disputes, admins' resolutions and admins' refunds."""

from __future__ import annotations

from uuid import UUID

from tailtribe.domain.errors import Forbidden, NotFound
from tailtribe.domain.model.booking_dispute import DisputeOutcome
from tailtribe.domain.model.bookings import Booking
from tailtribe.domain.model.users import clean_text
from tailtribe.domain.ports.payments import PaymentGateway
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.outbox import Outbox
from tailtribe.domain.services.payments.refunds import Before, record_lost_payout, send_refund
from tailtribe.domain.services.terms import Actor, access


class ManageDisputes:
    """- only the booking's owner opens a dispute, within the window after
      completion and before the payout; it holds the payout and tells admins;
    - an admin resolves it (or a payout held for a chargeback or failed
      transfers): `release` schedules the payout, `refund` gives back all that
      remains or `amount_cents`, reversing a transfer already made in proportion;
    - an admin refunds any part of what remains captured, at any time after
      the capture;
    - refunds move at Stripe before the commit, keyed by the booking's state.
    """

    def __init__(
        self, uow: UnitOfWork, gateway: PaymentGateway, outbox: Outbox, clock: Clock
    ) -> None:
        self._uow, self._gateway, self._outbox, self._clock = uow, gateway, outbox, clock

    async def open(self, actor: Actor, booking_id: UUID, reason: str) -> Booking:
        async with self._uow as uow:
            found = await access(uow, actor, booking_id)
            if not found.as_owner:
                raise Forbidden("only the booking's owner can open a dispute")
            booking = found.booking
            booking.open_dispute(self._clock.now(), clean_text(reason, "reason", max_length=2000))
            return await self._finish(uow, booking)

    async def resolve(
        self, booking_id: UUID, outcome: DisputeOutcome, amount_cents: int | None
    ) -> tuple[Booking, int]:
        """Returns the booking and the refund in cents."""
        async with self._uow as uow:
            booking = await self._get(uow, booking_id)
            before = Before.of(booking)
            refund = booking.resolve_dispute(self._clock.now(), outcome, amount_cents)
            await send_refund(self._gateway, booking, refund, before)
            return await self._finish(uow, booking), refund

    async def refund(self, booking_id: UUID, amount_cents: int, reason: str) -> Booking:
        async with self._uow as uow:
            booking = await self._get(uow, booking_id)
            text = clean_text(reason, "reason", max_length=2000)
            await record_lost_payout(self._gateway, booking, self._clock.now())
            before = Before.of(booking)
            booking.refund(self._clock.now(), amount_cents, text)
            await send_refund(self._gateway, booking, amount_cents, before)
            return await self._finish(uow, booking)

    @staticmethod
    async def _get(uow: UnitOfWork, booking_id: UUID) -> Booking:
        booking = await uow.bookings.get(booking_id)
        if booking is None:
            raise NotFound("no such booking")
        return booking

    async def _finish(self, uow: UnitOfWork, booking: Booking) -> Booking:
        await uow.bookings.save(booking)
        await self._outbox.publish(uow, [booking])
        await uow.commit()
        return booking
