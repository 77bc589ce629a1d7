"""Paying caregivers once the dispute window has passed."""

from __future__ import annotations

import logging
from uuid import UUID

from tailtribe.domain.errors import DomainError, PaymentProviderError
from tailtribe.domain.model.booking_payout import PayoutStatus
from tailtribe.domain.model.bookings import Booking
from tailtribe.domain.model.tax_details import unsealed
from tailtribe.domain.ports.payments import PaymentGateway
from tailtribe.domain.ports.storage import DueWork, UnitOfWork
from tailtribe.domain.ports.tax_ids import TaxDetailsBox
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.outbox import Outbox
from tailtribe.domain.services.terms import idempotency_key

BATCH = 100
logger = logging.getLogger(__name__)


def claim_tag(booking: Booking) -> str:
    retry_at = booking.payout.retry_at
    return "" if retry_at is None else str(int(retry_at.timestamp()))


class PayOutDue:
    """Transfer the caregiver's share of every settled booking whose window has passed.

    Never twice, whatever runs at once or crashes:
    1. an attempt is claimed and committed first (counted, with its backoff),
       so another worker does not pick the booking up meanwhile;
    2. the transfer is made under the booking's row lock with a key derived
       from the booking and the amount, and recorded in the same transaction.
    Every attempt first asks Stripe for the booking's transfer (keys can be
    pruned after a day, and an attempt's answer can be lost): a crash between
    the transfer and its commit, or a lost answer, is recorded, not repeated.
    A failed transfer is retried with backoff; after the last attempt the
    payout is held and admins are told.

    A caregiver whose DAC7 details are still missing after the reminders
    (domain/model/tax_requests.py) is not paid: the due payout becomes
    withheld, with no attempt counted, until they give them.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        gateway: PaymentGateway,
        outbox: Outbox,
        clock: Clock,
        tax_box: TaxDetailsBox,
    ) -> None:
        self._uow, self._gateway, self._outbox, self._clock = uow, gateway, outbox, clock
        self._tax_box = tax_box

    async def __call__(self) -> int:
        """Returns how many payouts this run made (or found made)."""
        async with self._uow as uow:
            due = [
                (b.id, b.caregiver_id)
                for b in await uow.bookings.due(DueWork.PAYOUT, self._clock.now(), BATCH)
            ]
        paid = 0
        for booking_id, caregiver_id in due:
            try:
                paid += await self.one(booking_id, caregiver_id)
            except Exception:  # one booking must not hold up the others
                logger.exception("payout of booking %s failed; retried later", booking_id)
        return paid

    async def one(self, booking_id: UUID, caregiver_id: UUID) -> bool:
        attempt = await self._claim(booking_id, caregiver_id)
        if attempt is None:
            return False
        return await self._transfer(booking_id, attempt)

    async def _claim(self, booking_id: UUID, caregiver_id: UUID) -> int | None:
        async with self._uow as uow:
            # The request's row first, as saving tax details locks it before
            # the withheld bookings: the two take turns and never deadlock.
            request = await uow.tax_requests.get(caregiver_id, lock=True)
            booking = await uow.bookings.get(booking_id)
            if booking is None:
                return None
            now = self._clock.now()
            # Details that no longer open (a rotated secret key) are missing. One
            # row read and one AES-GCM open, only for a caregiver once asked.
            complete = request is None or (
                unsealed(self._tax_box.open, await uow.tax_details.get(caregiver_id)) is not None
            )
            if (
                request is not None
                and booking.is_payout_due(now)
                and request.withholds(now, complete=complete)
            ):
                booking.withhold_payout(now)
                await uow.bookings.save(booking)
                await uow.commit()
                return None
            try:
                attempt = booking.claim_payout(self._clock.now())
            except DomainError:
                return None  # paid, held or claimed by another run meanwhile
            await uow.bookings.save(booking)
            await uow.commit()
            return attempt

    async def _transfer(self, booking_id: UUID, attempt: int) -> bool:
        now = self._clock.now()
        async with self._uow as uow:
            booking = await uow.bookings.get(booking_id)
            if (
                booking is None
                or booking.payout.status is not PayoutStatus.SCHEDULED
                or booking.payout.attempts != attempt
            ):
                return False  # another run took over after this one's backoff
            amount = booking.settlement.payout_cents
            try:
                transfer_id = await self._send(uow, booking, amount, attempt)
            except PaymentProviderError as exc:
                if booking.fail_payout(now, str(exc)):
                    logger.error("payout of booking %s held after %d attempts", booking.id, attempt)
                await self._finish(uow, booking)
                return False
            booking.pay_out(now, transfer_id)
            await self._finish(uow, booking)
            return True

    async def _send(self, uow: UnitOfWork, booking: Booking, amount: int, attempt: int) -> str:
        # Always asked first: an attempt whose answer was lost (counted as failed,
        # then held and released by an admin) may have made the transfer.
        made = await self._gateway.find_transfer(booking.id)
        if made is not None:
            if made.amount_cents != amount:
                raise PaymentProviderError(
                    f"a transfer of {made.amount_cents} cents exists, {amount} are owed"
                )
            return made.id
        caregiver = await uow.caregivers.get(booking.caregiver_id)
        if caregiver is None or caregiver.stripe_account_id is None:
            raise PaymentProviderError("the caregiver has no payout account")
        return await self._gateway.transfer(
            caregiver.stripe_account_id,
            amount,
            booking.id,
            booking.payment.charge_id,
            # Stripe answers a key it saw with its first answer, refusals too:
            # each claim has its own (the attempt count restarts when an admin
            # releases a held payout; the claim's retry time never repeats), and
            # attempts after the first look for a transfer first.
            idempotency_key(booking, f"payout:{amount}:{attempt}:{claim_tag(booking)}"),
        )

    async def _finish(self, uow: UnitOfWork, booking: Booking) -> None:
        await uow.bookings.save(booking)
        await self._outbox.publish(uow, [booking])
        await uow.commit()
