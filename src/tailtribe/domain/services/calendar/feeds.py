"""Private calendar feeds: the user turns theirs on, off or regenerates it, and
calendar apps read it at its secret address (docs/calendar.md).

The feed's events come from sources: each is one function of the user and
the instant, so another kind of appointment joins the feed by adding its
source to `CalendarSources` (ioc/calendar.py) and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from tailtribe.domain.errors import NotFound
from tailtribe.domain.model.bookings import shown_text
from tailtribe.domain.model.calendar import (
    CalendarEvent,
    CalendarFeed,
    is_token_shaped,
    new_feed_token,
    token_hash,
    window_start,
)
from tailtribe.domain.model.pricing import Service
from tailtribe.domain.model.users import Locale
from tailtribe.domain.ports.calendar import (
    CalendarBooking,
    CalendarMeeting,
    CalendarQueries,
    CalendarWriter,
)
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock

# The feed's address, under the web app's (like the unsubscribe link).
FEED_PATH = "/api/v1/calendar/{token}.ics"
FEED_NAME = "TailTribe"


@dataclass(frozen=True, slots=True)
class FeedTexts:
    """The words of a feed's events, in its user's language (the one of
    their emails): calendar apps show them as written."""

    services: Mapping[Service, str]
    meeting: str
    caregiver: str
    owner: str
    for_pets: str  # "{service} for {pets}"
    messages: str
    booking: str
    colon: str = ": "  # after a label; French puts a no-break space before it


# The service names are those of the emails and documents, capitalised.
TEXTS = {
    Locale.EN: FeedTexts(
        services={
            Service.DOG_WALKING: "Dog walk",
            Service.DROP_IN: "Drop-in visit",
            Service.DAY_CARE: "Day care",
            Service.HOUSE_SITTING: "House sitting",
            Service.BOARDING: "Boarding",
        },
        meeting="Meet-and-greet",
        caregiver="Caregiver",
        owner="Pet owner",
        for_pets="{service} for {pets}",
        messages="Messages",
        booking="Booking",
    ),
    Locale.NL: FeedTexts(
        services={
            Service.DOG_WALKING: "Hondenuitlaatbeurt",
            Service.DROP_IN: "Huisbezoek",
            Service.DAY_CARE: "Dagopvang",
            Service.HOUSE_SITTING: "Huisoppas",
            Service.BOARDING: "Logeeropvang",
        },
        meeting="Kennismaking",
        caregiver="Oppas",
        owner="Baasje",
        for_pets="{service} voor {pets}",
        messages="Berichten",
        booking="Boeking",
    ),
    Locale.FR: FeedTexts(
        services={
            Service.DOG_WALKING: "Promenade de chien",
            Service.DROP_IN: "Visite à domicile",
            Service.DAY_CARE: "Garde de jour",
            Service.HOUSE_SITTING: "Garde à domicile",
            Service.BOARDING: "Pension",
        },
        meeting="Rencontre",
        caregiver="Gardien",
        owner="Propriétaire",
        for_pets="{service} pour {pets}",
        messages="Messages",
        booking="Réservation",
        colon="\u00a0: ",
    ),
}
ENGLISH = TEXTS[Locale.EN]
# Care at the caregiver's: their city (public on their profile) is where it
# happens. Elsewhere it is the owner's home, whose address is not stored.
AT_CAREGIVERS = frozenset({Service.DAY_CARE, Service.BOARDING})


@dataclass(frozen=True, slots=True)
class FeedLinks:
    app_url: str  # the web app's origin, no trailing slash

    def feed(self, token: str) -> str:
        return self.app_url + FEED_PATH.format(token=token)


class EventSource(Protocol):
    async def __call__(
        self, user_id: UUID, now: datetime, texts: FeedTexts
    ) -> Sequence[CalendarEvent]:
        """The user's events for the feed read at `now`, worded with `texts`."""
        ...


@dataclass(frozen=True, slots=True)
class CalendarSources:
    sources: tuple[EventSource, ...]


@dataclass(frozen=True, slots=True)
class FeedStatus:
    enabled: bool
    created_at: datetime | None


class ManageCalendarFeed:
    """The signed-in user's feed. Only the secret's hash is stored, so the
    address is shown once, when made; to see it again the user makes a new
    one, which voids the old."""

    def __init__(self, uow: UnitOfWork, clock: Clock, links: FeedLinks) -> None:
        self._uow, self._clock, self._links = uow, clock, links

    async def status(self, user_id: UUID) -> FeedStatus:
        async with self._uow as uow:
            feed = await uow.calendar_feeds.get(user_id)
        return FeedStatus(feed is not None, None if feed is None else feed.created_at)

    async def regenerate(self, user_id: UUID) -> str:
        """Turns the feed on with a new address; the previous one stops working."""
        token = new_feed_token()
        async with self._uow as uow:
            # The user's row, locked: two regenerations take turns, and an
            # erasure (which deletes the feed) comes wholly before or after.
            user = await uow.users.get(user_id) if await uow.privacy.lock_account(user_id) else None
            if user is None or user.erased:
                raise NotFound("no such account")
            await uow.calendar_feeds.put(
                CalendarFeed(user_id, token_hash(token), self._clock.now())
            )
            await uow.commit()
        return self._links.feed(token)

    async def disable(self, user_id: UUID) -> None:
        """Idempotent: a feed that is off stays off."""
        async with self._uow as uow:
            if await uow.calendar_feeds.remove(user_id):
                await uow.commit()


class ReadCalendarFeed:
    """The public read by a calendar app: the secret is the only proof."""

    def __init__(
        self,
        queries: CalendarQueries,
        sources: CalendarSources,
        writer: CalendarWriter,
        clock: Clock,
    ) -> None:
        self._queries, self._sources, self._writer, self._clock = queries, sources, writer, clock

    async def __call__(self, token: str) -> bytes:
        user = await self._queries.feed_user(token_hash(token)) if is_token_shaped(token) else None
        if user is None:
            raise NotFound("no such calendar feed")
        now, texts = self._clock.now(), TEXTS[user.locale]
        events = [e for source in self._sources.sources for e in await source(user.id, now, texts)]
        events.sort(key=lambda e: (e.start, e.key))
        return self._writer.write(FEED_NAME, events, now)


def booking_event(
    booking: CalendarBooking, links: FeedLinks, texts: FeedTexts = ENGLISH
) -> CalendarEvent:
    """Only accepted bookings reach a feed, but names still go through the
    booking's masking rule: the feed shows nothing the booking page would not.
    No email address or phone number: the platform hands out neither; the
    parties exchange them in their conversation, linked here."""
    service = texts.services[booking.service]
    # Captured is accepted for a card; a Bancontact payment is captured
    # before acceptance, but a feed only holds bookings in accepted states.
    accepted = booking.captured_cents > 0
    other = shown_text(booking.other_name, accepted)
    pets = ", ".join(shown_text(n, accepted) for n in booking.pet_names)
    role = texts.caregiver if booking.as_owner else texts.owner
    what = texts.for_pets.format(service=service, pets=pets) if pets else service
    lines = [what, f"{role}{texts.colon}{other}"]
    if booking.conversation_id is not None:
        chat = f"{links.app_url}/conversations/{booking.conversation_id}"
        lines.append(f"{texts.messages}{texts.colon}{chat}")
    url = f"{links.app_url}/bookings/{booking.id}"
    lines.append(f"{texts.booking}{texts.colon}{url}")
    city = booking.caregiver_city if booking.service in AT_CAREGIVERS else None
    return CalendarEvent(
        key=str(booking.id),
        start=booking.start,
        end=booking.end,
        summary=" · ".join(part for part in (service, other, pets) if part),
        description="\n".join(lines),
        url=url,
        location=city or None,
    )


class BookingEvents:
    """The first source: the user's accepted bookings, as owner and as caregiver."""

    def __init__(self, queries: CalendarQueries, links: FeedLinks) -> None:
        self._queries, self._links = queries, links

    async def __call__(
        self, user_id: UUID, now: datetime, texts: FeedTexts
    ) -> Sequence[CalendarEvent]:
        found = await self._queries.bookings(user_id, window_start(now))
        return [booking_event(b, self._links, texts) for b in found]


def meeting_event(
    meeting: CalendarMeeting, links: FeedLinks, texts: FeedTexts = ENGLISH
) -> CalendarEvent:
    """An accepted meet-and-greet: no price, no pets, no address (the pair
    agree where to meet in their conversation, linked here)."""
    role = texts.caregiver if meeting.as_owner else texts.owner
    other = shown_text(meeting.other_name, accepted=False)  # no booking was accepted
    lines = [texts.meeting, f"{role}{texts.colon}{other}"]
    if meeting.conversation_id is not None:
        chat = f"{links.app_url}/conversations/{meeting.conversation_id}"
        lines.append(f"{texts.messages}{texts.colon}{chat}")
    url = f"{links.app_url}/meet-and-greets/{meeting.id}"
    lines.append(f"{texts.meeting}{texts.colon}{url}")
    return CalendarEvent(
        key=str(meeting.id),
        start=meeting.start,
        end=meeting.end,
        summary=f"{texts.meeting} · {other}",
        description="\n".join(lines),
        url=url,
        location=None,
    )


class MeetingEvents:
    """The second source: the user's accepted meet-and-greets, either side."""

    def __init__(self, queries: CalendarQueries, links: FeedLinks) -> None:
        self._queries, self._links = queries, links

    async def __call__(
        self, user_id: UUID, now: datetime, texts: FeedTexts
    ) -> Sequence[CalendarEvent]:
        found = await self._queries.meetings(user_id, window_start(now))
        return [meeting_event(m, self._links, texts) for m in found]
