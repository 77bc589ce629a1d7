"""Owners' disputes, admins' resolutions and admins' refunds."""

from __future__ import annotations

from uuid import UUID

from tailtribe.domain.errors import Forbidden, NotFound
from tailtribe.domain.model.audit import AuditAction, AuditObject
from tailtribe.domain.model.booking_dispute import DisputeOutcome
from tailtribe.domain.model.bookings import Booking
from tailtribe.domain.model.users import clean_text
from tailtribe.domain.ports.payments import PaymentGateway
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.audit import AdminAct, AuditTrail
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
    - refunds move at Stripe before the commit, keyed by the booking's state;
    - an admin's refund needs a reason, a resolution may give one; both go to
      the audit trail with the change, or as refused after its rollback.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        gateway: PaymentGateway,
        outbox: Outbox,
        clock: Clock,
        audit: AuditTrail,
    ) -> None:
        self._uow, self._gateway, self._outbox, self._clock = uow, gateway, outbox, clock
        self._audit = audit

    async def open(self, actor: Actor, booking_id: UUID, reason: str) -> Booking:
        async with self._uow as uow:
            found = await access(uow, actor, booking_id)
            if not found.as_owner:
                raise Forbidden("only the booking's owner can open a dispute")
            booking = found.booking
            booking.open_dispute(self._clock.now(), clean_text(reason, "reason", max_length=2000))
            return await self._finish(uow, booking)

    async def resolve(
        self,
        admin_id: UUID,
        booking_id: UUID,
        outcome: DisputeOutcome,
        amount_cents: int | None,
        reason: str | None = None,
    ) -> tuple[Booking, int]:
        """Returns the booking and the refund in cents."""
        act = AdminAct(
            admin_id, AuditAction.RESOLVE_DISPUTE, AuditObject.BOOKING, booking_id, reason
        )
        async with self._audit.refusals(act), self._uow as uow:
            booking = await self._get(uow, booking_id)
            if reason is not None:
                clean_text(reason, "reason", max_length=2000)
            before = Before.of(booking)
            refund = booking.resolve_dispute(self._clock.now(), outcome, amount_cents)
            await send_refund(self._gateway, booking, refund, before)
            done = f"{outcome.value}: refunded {refund} cents"
            await self._audit.record(uow, act, done)
            return await self._finish(uow, booking), refund

    async def refund(
        self, admin_id: UUID, booking_id: UUID, amount_cents: int, reason: str
    ) -> Booking:
        act = AdminAct(
            admin_id, AuditAction.REFUND_BOOKING, AuditObject.BOOKING, booking_id, reason
        )
        async with self._audit.refusals(act), self._uow as uow:
            booking = await self._get(uow, booking_id)
            text = clean_text(reason, "reason", max_length=2000, min_length=1)
            await record_lost_payout(self._gateway, booking, self._clock.now())
            before = Before.of(booking)
            booking.refund(self._clock.now(), amount_cents, text)
            await send_refund(self._gateway, booking, amount_cents, before)
            await self._audit.record(uow, act, f"refunded {amount_cents} cents")
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
