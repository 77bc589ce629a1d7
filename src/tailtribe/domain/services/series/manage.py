"""What the parties do with a weekly series: look, accept, decline, cancel.

The caregiver answers the series as a whole. After acceptance each
occurrence lives its own life (start, complete, payout, its cancellation
policy); the owner cancels one through the booking, or every occurrence from
a date through the series. Money moves at Stripe before the commit with keys
derived from each occurrence, so a retried cancellation completes the step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from tailtribe.domain.errors import Conflict, Forbidden, InvalidTransition, NotFound
from tailtribe.domain.model.booking_payment import CAPTURED_STATES
from tailtribe.domain.model.bookings import Booking, BookingStatus
from tailtribe.domain.model.cancellation import Canceller
from tailtribe.domain.model.series import BookingSeries, SeriesStatus
from tailtribe.domain.model.time import local_date
from tailtribe.domain.model.users import clean_text
from tailtribe.domain.ports.payments import PaymentGateway
from tailtribe.domain.ports.storage import Page, UnitOfWork
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.bookings.lifecycle import release_hold
from tailtribe.domain.services.outbox import Outbox
from tailtribe.domain.services.payments.refunds import Before, send_refund
from tailtribe.domain.services.terms import Actor, MarketplaceTerms, caregiver_id_of


@dataclass(frozen=True, slots=True)
class SeriesView:
    """A series and its occurrences, by start."""

    series: BookingSeries
    occurrences: tuple[Booking, ...]

    @property
    def planned(self) -> tuple[Booking, ...]:
        """The occurrences still to come or under way."""
        live = (BookingStatus.REQUESTED, BookingStatus.ACCEPTED, BookingStatus.IN_PROGRESS)
        return tuple(b for b in self.occurrences if b.status in live)


@dataclass(frozen=True, slots=True)
class SeriesAccess:
    series: BookingSeries
    as_owner: bool
    as_caregiver: bool
    as_admin: bool

    @property
    def canceller(self) -> Canceller:
        if self.as_owner:
            return Canceller.OWNER
        return Canceller.CAREGIVER if self.as_caregiver else Canceller.ADMIN


async def series_access(uow: UnitOfWork, actor: Actor, series_id: UUID) -> SeriesAccess:
    """The (locked) series if the actor is a party or an admin; NotFound for anyone else."""
    series = await uow.series.get(series_id)
    if series is not None:
        as_owner = series.owner_id == actor.user_id
        as_caregiver = series.caregiver_id == await caregiver_id_of(uow, actor)
        if as_owner or as_caregiver or actor.is_admin:
            return SeriesAccess(series, as_owner, as_caregiver, actor.is_admin)
    raise NotFound("no such series")


@dataclass(frozen=True, slots=True)
class Cancelled:
    view: SeriesView
    cancelled: int
    refund_cents: int


class ManageSeries:
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

    async def get(self, actor: Actor, series_id: UUID) -> SeriesView:
        async with self._uow as uow:
            series = (await series_access(uow, actor, series_id)).series
            return SeriesView(series, tuple(await uow.bookings.of_series(series.id, lock=False)))

    async def list_series(
        self, actor: Actor, as_caregiver: bool, limit: int, offset: int
    ) -> Page[SeriesView]:
        """The actor's series as owner, or as caregiver; newest first."""
        async with self._uow as uow:
            if as_caregiver:
                caregiver_id = await caregiver_id_of(uow, actor)
                if caregiver_id is None:
                    return Page([], 0)
                page = await uow.series.list_for(
                    owner_id=None, caregiver_id=caregiver_id, limit=limit, offset=offset
                )
            else:
                page = await uow.series.list_for(
                    owner_id=actor.user_id, caregiver_id=None, limit=limit, offset=offset
                )
            views = [
                SeriesView(s, tuple(await uow.bookings.of_series(s.id, lock=False)))
                for s in page.items
            ]
            return Page(views, page.total)

    async def _as_caregiver(self, uow: UnitOfWork, actor: Actor, series_id: UUID) -> SeriesAccess:
        found = await series_access(uow, actor, series_id)
        if not found.as_caregiver:
            raise Forbidden("only the series' caregiver can do this")
        return found

    async def _finish(
        self, uow: UnitOfWork, series: BookingSeries, occurrences: list[Booking]
    ) -> SeriesView:
        await uow.series.save(series)
        for booking in occurrences:
            await uow.bookings.save(booking)
        await self._outbox.publish(uow, [series, *occurrences])
        await uow.commit()
        return SeriesView(series, tuple(occurrences))

    async def accept(self, actor: Actor, series_id: UUID) -> SeriesView:
        """Every occurrence still requested is accepted; each is paid off-session
        48 hours before its start (the scheduled job), nothing is held now."""
        async with self._uow as uow:
            series = (await self._as_caregiver(uow, actor, series_id)).series
            occurrences = list(await uow.bookings.of_series(series.id))
            asked = [b for b in occurrences if b.status is BookingStatus.REQUESTED]
            if not asked and series.status is SeriesStatus.REQUESTED:
                raise Conflict("every occurrence of the series was cancelled")
            now = self._clock.now()
            series.accept(now, len(asked))
            for booking in asked:
                booking.accept_occurrence(now, now)
            return await self._finish(uow, series, occurrences)

    async def decline(self, actor: Actor, series_id: UUID) -> SeriesView:
        async with self._uow as uow:
            series = (await self._as_caregiver(uow, actor, series_id)).series
            occurrences = list(await uow.bookings.of_series(series.id))
            now = self._clock.now()
            series.decline(now)
            for booking in occurrences:
                if booking.status is BookingStatus.REQUESTED:
                    booking.end_with_series(now, "decline")
            return await self._finish(uow, series, occurrences)

    async def cancel(
        self, actor: Actor, series_id: UUID, from_date: date | None, reason: str | None
    ) -> Cancelled:
        """Cancel every occurrence from `from_date` (Brussels; default: all
        not started). Each follows its own cancellation policy, as if
        cancelled alone, in a transaction of its own: a provider failing
        half-way leaves those before it cancelled (and refunded), and a retry
        cancels the rest. One email tells the other party.

        Before the caregiver answered, the owner withdraws the request, and
        the caregiver's cancellation is a decline."""
        text = None if reason is None else clean_text(reason, "reason", max_length=2000) or None
        async with self._uow as uow:
            found = await series_access(uow, actor, series_id)
            series = found.series
            now = self._clock.now()
            if series.status is SeriesStatus.REQUESTED:
                if found.as_caregiver and not found.as_owner:
                    occurrences = list(await uow.bookings.of_series(series.id))
                    asked = [b for b in occurrences if b.status is BookingStatus.REQUESTED]
                    series.decline(now)
                    for booking in asked:
                        booking.end_with_series(now, "decline")
                    return Cancelled(await self._finish(uow, series, occurrences), len(asked), 0)
                return await self._withdraw(uow, found, now, text)
            if series.status is not SeriesStatus.ACCEPTED:
                raise InvalidTransition("series", series.status, "cancel")
            first = from_date or local_date(now)
            chosen = [
                b.id
                for b in await uow.bookings.of_series(series.id, lock=False)
                if _cancellable(b, first, now)
            ]
            if not chosen:
                raise Conflict("no occurrence of the series is left to cancel from that date")
        canceller = found.canceller
        refund_total = done = 0
        for booking_id in chosen:
            refund = await self._cancel_one(booking_id, canceller, first, now, text)
            if refund is not None:
                refund_total += refund
                done += 1
        async with self._uow as uow:
            summary = await uow.series.get(series_id)
            if summary is None:
                raise NotFound("no such series")
            summary.record_cancellation(now, canceller.value, first, done, refund_total)
            after = tuple(await uow.bookings.of_series(summary.id, lock=False))
            await self._finish(uow, summary, [])
        return Cancelled(SeriesView(summary, after), done, refund_total)

    async def _withdraw(
        self, uow: UnitOfWork, found: SeriesAccess, now: datetime, text: str | None
    ) -> Cancelled:
        """The owner withdraws a request: nothing was charged, nothing is refunded."""
        series = found.series
        occurrences = list(await uow.bookings.of_series(series.id))
        asked = [b for b in occurrences if b.status is BookingStatus.REQUESTED]
        series.withdraw(now)
        for booking in asked:
            booking.cancel(found.canceller, now, text, self._terms.dispute_window, quiet=True)
        series.record_cancellation(
            now, found.canceller.value, local_date(now), len(asked), 0, asked=series.card_saved
        )
        return Cancelled(await self._finish(uow, series, occurrences), len(asked), 0)

    async def _cancel_one(
        self,
        booking_id: UUID,
        canceller: Canceller,
        first: date,
        now: datetime,
        text: str | None,
    ) -> int | None:
        """One occurrence, re-read and re-checked under its lock; its refund,
        or None when it is no longer there to cancel."""
        async with self._uow as uow:
            booking = await uow.bookings.get(booking_id)
            if booking is None or not _cancellable(booking, first, now):
                return None
            was = booking.payment.status
            before = Before.of(booking)
            refund = booking.cancel(canceller, now, text, self._terms.dispute_window, quiet=True)
            await release_hold(self._gateway, booking, was)
            if was in CAPTURED_STATES:
                await send_refund(self._gateway, booking, refund, before)
            await uow.bookings.save(booking)
            await self._outbox.publish(uow, [booking])
            await uow.commit()
            return refund


def _cancellable(booking: Booking, first: date, now: datetime) -> bool:
    """An accepted occurrence on or after `first` that has not started."""
    return (
        booking.status is BookingStatus.ACCEPTED
        and local_date(booking.start) >= first
        and booking.start > now
    )
