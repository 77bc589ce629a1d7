"""The scheduled jobs: expire, start, complete and remind, each idempotent.

Each booking is handled in a transaction of its own, re-read and re-checked
there: running a job twice, or two workers at once, changes nothing more.
"""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import UUID

from tailtribe.domain.errors import DomainError, ProviderUnavailable
from tailtribe.domain.model.bookings import Booking
from tailtribe.domain.ports.payments import PaymentGateway
from tailtribe.domain.ports.storage import DueWork, UnitOfWork
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.bookings.lifecycle import refund_unaccepted, release_hold
from tailtribe.domain.services.outbox import Outbox
from tailtribe.domain.services.payments.refunds import Before
from tailtribe.domain.services.terms import MarketplaceTerms

BATCH = 200
logger = logging.getLogger(__name__)


class RunDueBookingJobs:
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

    async def __call__(self, work: DueWork) -> int:
        """Handle every booking due for `work` now; returns how many changed."""
        now = self._clock.now()
        done = 0
        while True:
            async with self._uow as uow:
                due = [b.id for b in await uow.bookings.due(work, now, BATCH)]
            changed = 0
            for booking_id in due:
                changed += await self._one(work, booking_id)
            done += changed
            if len(due) < BATCH or changed == 0:
                return done

    async def _one(self, work: DueWork, booking_id: UUID) -> int:
        async with self._uow as uow:
            booking = await uow.bookings.get(booking_id)
            if booking is None:
                return 0
            try:
                await self._apply(work, booking)
            except ProviderUnavailable:
                # Stripe refused (a hold it no longer has) or did not answer: this
                # booking needs a look if it keeps happening.
                logger.exception(
                    "bookings.%s: Stripe refused for %s; retried next run", work.value, booking_id
                )
                return 0
            except DomainError:
                return 0  # no longer due: another run got there first
            except Exception:
                # One booking the gateway refuses must not hold up all the others.
                logger.exception(
                    "bookings.%s failed for %s; retried next run", work.value, booking_id
                )
                return 0
            await uow.bookings.save(booking)
            await self._outbox.publish(uow, [booking])
            await uow.commit()
        return 1

    async def _apply(self, work: DueWork, booking: Booking) -> None:
        now = self._clock.now()
        if work is DueWork.EXPIRE:
            was = booking.payment.status
            before = Before.of(booking)
            booking.expire(now)
            await release_hold(self._gateway, booking, was)
            await refund_unaccepted(self._gateway, booking, was, before)
        elif work is DueWork.START:
            booking.start_service(now)
        elif work is DueWork.COMPLETE:
            booking.complete(now, self._terms.dispute_window)
        else:
            booking.remind(now)


MEET_WORK = (DueWork.EXPIRE, DueWork.REMIND)


class RunDueMeetAndGreetJobs:
    """Expire meet-and-greet requests unanswered for 24 hours (or at their
    start) and remind both parties of accepted ones; each in a transaction of
    its own, re-read and re-checked there, like the bookings' jobs."""

    def __init__(self, uow: UnitOfWork, outbox: Outbox, clock: Clock) -> None:
        self._uow, self._outbox, self._clock = uow, outbox, clock

    async def __call__(self, work: DueWork) -> int:
        if work not in MEET_WORK:
            return 0
        now = self._clock.now()
        done = 0
        while True:
            async with self._uow as uow:
                due = [m.id for m in await uow.meet_and_greets.due(work, now, BATCH)]
            changed = 0
            for meet_id in due:
                changed += await self._one(work, meet_id, now)
            done += changed
            if len(due) < BATCH or changed == 0:
                return done

    async def _one(self, work: DueWork, meet_id: UUID, now: datetime) -> int:
        async with self._uow as uow:
            meeting = await uow.meet_and_greets.get(meet_id)
            if meeting is None:
                return 0
            try:
                if work is DueWork.EXPIRE:
                    meeting.expire(now)
                else:
                    meeting.remind(now)
            except DomainError:
                return 0  # no longer due: answered, or another run got there first
            await uow.meet_and_greets.save(meeting)
            await self._outbox.publish(uow, [meeting])
            await uow.commit()
        return 1
