"""The series' scheduled work, each step idempotent and one item per transaction.

- expire: a request unanswered in 24 hours (or by its first occurrence), or
  without a saved card after 30 minutes, ends with its occurrences;
- charge: 48 hours before an accepted occurrence starts, its amount is held
  on the saved card off-session and taken at once (the caregiver accepted
  long ago). When the bank wants the owner (authentication) or refuses, the
  owner is emailed to confirm; the webhook of that confirmation takes it;
- lapse: an occurrence still unpaid at its `pay_by` is cancelled without
  charge and both parties are told.

A crash between the provider's call and the commit leaves the occurrence due;
the next run calls again with the same key and gets the same PaymentIntent.
"""

from __future__ import annotations

import logging
from uuid import UUID

from tailtribe.domain.errors import DomainError, ProviderUnavailable
from tailtribe.domain.model.bookings import Booking, BookingStatus
from tailtribe.domain.model.series import BookingSeries
from tailtribe.domain.ports.payments import OffSessionOutcome, PaymentGateway
from tailtribe.domain.ports.storage import DueWork, UnitOfWork
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.bookings.lifecycle import release_hold
from tailtribe.domain.services.outbox import Outbox
from tailtribe.domain.services.payments.occurrences import take_occurrence_payment
from tailtribe.domain.services.terms import idempotency_key

BATCH = 200
# In this order: a request that lapses frees its time first; an occurrence is
# charged before its unpaid deadline is looked at.
SERIES_WORK = (DueWork.EXPIRE, DueWork.CHARGE, DueWork.LAPSE)
logger = logging.getLogger(__name__)


class RunDueSeriesJobs:
    def __init__(
        self, uow: UnitOfWork, gateway: PaymentGateway, outbox: Outbox, clock: Clock
    ) -> None:
        self._uow, self._gateway, self._outbox, self._clock = uow, gateway, outbox, clock

    async def __call__(self, work: DueWork) -> int:
        """Expire series requests (DueWork.EXPIRE), charge (CHARGE) or lapse
        (LAPSE) occurrences: whatever is due now; returns how many changed."""
        if work is DueWork.EXPIRE:
            return await self._expire()
        if work in (DueWork.CHARGE, DueWork.LAPSE):
            return await self._occurrences(work)
        return 0

    async def _expire(self) -> int:
        done = 0
        while True:
            async with self._uow as uow:
                due = list(await uow.series.due_to_expire(self._clock.now(), BATCH))
            changed = 0
            for series_id in due:
                changed += await self._expire_one(series_id)
            done += changed
            if len(due) < BATCH or changed == 0:
                return done

    async def _expire_one(self, series_id: UUID) -> int:
        async with self._uow as uow:
            series = await uow.series.get(series_id)
            now = self._clock.now()
            if series is None or not series.is_due_to_expire(now):
                return 0  # answered, or another run got there first
            occurrences = list(await uow.bookings.of_series(series.id))
            series.expire(now)
            for booking in occurrences:
                if booking.status is BookingStatus.REQUESTED:
                    booking.end_with_series(now, "expire")
                    await uow.bookings.save(booking)
            await uow.series.save(series)
            await self._outbox.publish(uow, [series, *occurrences])
            await uow.commit()
        return 1

    async def _occurrences(self, work: DueWork) -> int:
        done = 0
        while True:
            async with self._uow as uow:
                due = [
                    (b.id, b.series_id)
                    for b in await uow.bookings.due(work, self._clock.now(), BATCH)
                ]
            changed = 0
            for booking_id, series_id in due:
                changed += await self._one(work, booking_id, series_id)
            done += changed
            if len(due) < BATCH or changed == 0:
                return done

    async def _one(self, work: DueWork, booking_id: UUID, series_id: UUID | None) -> int:
        async with self._uow as uow:
            # The series' row before the occurrence's, the order every other
            # series step takes them in (no deadlock with a cancellation).
            series = None if series_id is None else await uow.series.get(series_id)
            booking = await uow.bookings.get(booking_id)
            if booking is None:
                return 0
            try:
                if work is DueWork.CHARGE:
                    changed = await self._charge(booking, series)
                else:
                    changed = await self._lapse(booking)
            except ProviderUnavailable:
                logger.exception(
                    "series.%s: Stripe failed for %s; retried next run", work, booking_id
                )
                return 0
            except DomainError:
                return 0  # no longer due: another run got there first
            if not changed:
                return 0
            await uow.bookings.save(booking)
            await self._outbox.publish(uow, [booking])
            await uow.commit()
        return 1

    async def _charge(self, booking: Booking, series: BookingSeries | None) -> bool:
        now = self._clock.now()
        if not booking.is_due_for_charge(now) or booking.series_id is None:
            return False
        if booking.payment.is_authorized:  # held by an earlier run; take it
            await take_occurrence_payment(self._gateway, booking, now)
            return True
        if series is None or series.customer_id is None or series.payment_method_id is None:
            logger.error("occurrence %s of a series without a saved card", booking.id)
            return False
        charge = await self._gateway.charge_off_session(
            booking.id,
            booking.price.total_cents,
            series.customer_id,
            series.payment_method_id,
            idempotency_key(booking, "off-session"),
        )
        booking.attach_payment(charge.payment_intent_id, charge.client_secret)
        if charge.outcome is OffSessionOutcome.AUTHORIZED:
            booking.authorize_occurrence(now, charge.amount_cents)
            await take_occurrence_payment(self._gateway, booking, now)
        else:
            booking.need_payment(now, charge.outcome.value)
        return True

    async def _lapse(self, booking: Booking) -> bool:
        now = self._clock.now()
        if not booking.is_due_to_lapse(now):
            return False
        was = booking.payment.status
        booking.lapse(now)
        # A confirmation still possible at the provider is called off.
        await release_hold(self._gateway, booking, was)
        return True
