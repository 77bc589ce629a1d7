"""Weekly series: the quote and the request (docs/series.md).

A series is checked as its occurrences would be one by one (the caregiver,
the pets, each occurrence's availability and price), then, under the
caregiver's calendar lock, capacity for every occurrence in one
transaction: any clash refuses the whole series, naming the dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from tailtribe.domain.errors import FieldError, InvalidInput, NotFound, SeriesClash
from tailtribe.domain.model.availability import Occupancy, fits
from tailtribe.domain.model.bookings import Booking
from tailtribe.domain.model.caregivers import Caregiver
from tailtribe.domain.model.notifications import Party
from tailtribe.domain.model.pricing import Quote, Service, quote
from tailtribe.domain.model.series import BookingSeries, WeeklyPattern
from tailtribe.domain.model.time import local_date
from tailtribe.domain.ports.payments import PaymentGateway
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock, IdGenerator
from tailtribe.domain.services.bookings.request import BookingRequest, checked_quote, message_text
from tailtribe.domain.services.conversations.manage_conversations import (
    Posted,
    pair_conversation,
    post_message,
)
from tailtribe.domain.services.outbox import Outbox
from tailtribe.domain.services.terms import MarketplaceTerms

# The dates a refusal names at most (a 26-week series may clash every week).
NAMED_DATES = 10


@dataclass(frozen=True, slots=True)
class SeriesRequest:
    caregiver_id: UUID
    service: Service
    pet_ids: tuple[UUID, ...]
    pattern: WeeklyPattern
    message: str | None = None


@dataclass(frozen=True, slots=True)
class Occurrence:
    start: datetime
    end: datetime
    price: Quote


@dataclass(frozen=True, slots=True)
class SeriesQuote:
    occurrences: tuple[Occurrence, ...]

    @property
    def total(self) -> Quote:
        """The occurrences' prices added up (each is charged on its own)."""
        prices = [o.price for o in self.occurrences]
        return Quote(
            units=sum(p.units for p in prices),
            total_cents=sum(p.total_cents for p in prices),
            commission_cents=sum(p.commission_cents for p in prices),
            caregiver_payout_cents=sum(p.caregiver_payout_cents for p in prices),
        )


def _dates(periods: list[tuple[datetime, datetime]]) -> list[str]:
    return [local_date(start).isoformat() for start, _ in periods]


def _named(dates: list[str]) -> str:
    shown = ", ".join(dates[:NAMED_DATES])
    more = len(dates) - NAMED_DATES
    return shown + (f" and {more} more" if more > 0 else "")


async def checked_series(
    uow: UnitOfWork,
    terms: MarketplaceTerms,
    owner_id: UUID,
    request: SeriesRequest,
    now: datetime,
    *,
    lock: bool,
) -> tuple[Caregiver, SeriesQuote]:
    """Every check a request of each occurrence gets, but capacity; the
    first occurrence goes through a booking's own checks (caregiver, pets,
    service), the others through the ones that depend on their period."""
    periods = request.pattern.periods(request.service)
    first_start, first_end = periods[0]
    try:
        caregiver, first_price = await checked_quote(
            uow,
            terms,
            owner_id,
            BookingRequest(
                request.caregiver_id, request.service, request.pet_ids, first_start, first_end
            ),
            now,
            lock=lock,
        )
    except InvalidInput as exc:
        # A refusal of the first occurrence's period is the pattern's.
        if not any(e.field in ("start", "end") for e in exc.errors):
            raise
        message = f"on {local_date(first_start).isoformat()}: {exc.detail}"
        raise InvalidInput(message, [FieldError("repeat", message)]) from exc
    price = caregiver.price_for(request.service)
    if price is None:  # checked above; keeps the type checker sure
        raise NotFound("no such service")
    outside = [
        local_date(start).isoformat()
        for start, end in periods
        if not caregiver.availability.allows(request.service, start, end)
    ]
    if outside:
        message = f"outside the caregiver's availability on {_named(outside)}"
        raise InvalidInput(message, [FieldError("repeat", message)])
    occurrences = tuple(
        Occurrence(
            start,
            end,
            first_price
            if i == 0
            else quote(price, len(request.pet_ids), start, end, terms.commission),
        )
        for i, (start, end) in enumerate(periods)
    )
    return caregiver, SeriesQuote(occurrences)


class QuoteSeries:
    """What each occurrence would cost, with every check a request gets but capacity."""

    def __init__(self, uow: UnitOfWork, terms: MarketplaceTerms, clock: Clock) -> None:
        self._uow, self._terms, self._clock = uow, terms, clock

    async def __call__(self, owner_id: UUID, request: SeriesRequest) -> SeriesQuote:
        async with self._uow as uow:
            _, found = await checked_series(
                uow, self._terms, owner_id, request, self._clock.now(), lock=False
            )
        return found


@dataclass(frozen=True, slots=True)
class SeriesRequested:
    series: BookingSeries
    occurrences: tuple[Booking, ...]
    message: Posted | None


def series_key(series: BookingSeries, step: str) -> str:
    """One key per series and provider step: a retried request creates nothing twice."""
    return f"series:{series.id}:{step}"


class RequestSeries:
    """Ask a caregiver for a weekly series.

    - every occurrence is checked and priced, then capacity for all of them
      under the caregiver's calendar lock: any clash is a 409 naming the dates;
    - each occurrence is a booking (requested, unpaid) of the series;
    - the owner saves a card: a SetupIntent on the owner's Customer (one per
      owner, created with the first series). The caregiver is asked once
      Stripe says the card is saved; unsaved after 30 minutes, the request lapses.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        gateway: PaymentGateway,
        terms: MarketplaceTerms,
        outbox: Outbox,
        ids: IdGenerator,
        clock: Clock,
    ) -> None:
        self._uow, self._gateway, self._terms = uow, gateway, terms
        self._outbox, self._ids, self._clock = outbox, ids, clock

    async def __call__(self, owner_id: UUID, request: SeriesRequest) -> SeriesRequested:
        now = self._clock.now()
        posted = None
        async with self._uow as uow:
            caregiver, priced = await checked_series(
                uow, self._terms, owner_id, request, now, lock=True
            )
            await uow.bookings.lock_calendar(caregiver.id)
            # After the caregiver's row, as a booking request and an erasure take them.
            if not await uow.privacy.hold_account(owner_id):
                raise NotFound("no such account")
            occurrences = priced.occurrences
            pets = len(request.pet_ids)
            taken = list(
                await uow.bookings.active_overlapping(
                    caregiver.id, occurrences[0].start, occurrences[-1].end
                )
            )
            clashes: list[str] = []
            for occurrence in occurrences:
                claim = Occupancy(request.service, occurrence.start, occurrence.end, pets)
                if not fits(claim, taken, caregiver.profile.max_pets):
                    clashes.append(local_date(occurrence.start).isoformat())
                taken.append(claim)  # a long day care may meet the next one
            if clashes:
                raise SeriesClash(
                    f"the caregiver is not free on {_named(clashes)}", clashes[:NAMED_DATES]
                )
            message = message_text(request.message)
            series = BookingSeries.request(
                id=self._ids.new_id(),
                owner_id=owner_id,
                caregiver_id=caregiver.id,
                service=request.service,
                pet_ids=request.pet_ids,
                pattern=request.pattern,
                first_start=occurrences[0].start,
                occurrences=len(occurrences),
                now=now,
                message=message,
            )
            bookings = tuple(
                Booking.request(
                    id=self._ids.new_id(),
                    owner_id=owner_id,
                    caregiver_id=caregiver.id,
                    service=request.service,
                    pet_ids=request.pet_ids,
                    start=o.start,
                    end=o.end,
                    price=o.price,
                    rate=self._terms.commission,
                    policy=caregiver.profile.cancellation_policy,
                    now=now,
                    series_id=series.id,
                )
                for o in occurrences
            )
            conversation = await pair_conversation(
                uow, self._ids, self._clock, owner_id, caregiver.id, caregiver.user_id
            )
            series.conversation_id = conversation.id
            for booking in bookings:
                booking.conversation_id = conversation.id
            if message:
                posted = await post_message(
                    uow, self._ids, self._clock, conversation, owner_id, message
                )
                conversation.announced_elsewhere(Party.CAREGIVER)  # the series' email tells
                await uow.conversations.save(conversation)
            # The provider's objects before the rows, with keys derived from the
            # series: a retry finds them instead of making new ones.
            customer = await uow.series.customer_of(owner_id)
            if customer is None:
                customer = await self._gateway.create_customer(
                    owner_id, series_key(series, "customer")
                )
            setup = await self._gateway.create_setup_intent(
                customer, series.id, series_key(series, "setup-intent")
            )
            series.attach_setup(customer, setup.id, setup.client_secret)
            await uow.series.add(series)
            for booking in bookings:
                await uow.bookings.add(booking)
            await self._outbox.publish(uow, [series, *bookings])
            await uow.commit()
        return SeriesRequested(series, bookings, posted)
