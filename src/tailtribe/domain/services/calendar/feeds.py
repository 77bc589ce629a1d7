"""Private calendar feeds: the user turns theirs on, off or regenerates it, and
calendar apps read it at its secret address (docs/calendar.md).

The feed's events come from sources: each is one function of the user and
the instant, so another kind of appointment joins the feed by adding its
source to `CalendarSources` (ioc/calendar.py) and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
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
MEETING = "Meet-and-greet"
SERVICE_NAMES = {
    Service.DOG_WALKING: "Dog walk",
    Service.DROP_IN: "Drop-in visit",
    Service.DAY_CARE: "Day care",
    Service.HOUSE_SITTING: "House sitting",
    Service.BOARDING: "Boarding",
}
# Care at the caregiver's: their city (public on their profile) is where it
# happens. Elsewhere it is the owner's home, whose address is not stored.
AT_CAREGIVERS = frozenset({Service.DAY_CARE, Service.BOARDING})


@dataclass(frozen=True, slots=True)
class FeedLinks:
    app_url: str  # the web app's origin, no trailing slash

    def feed(self, token: str) -> str:
        return self.app_url + FEED_PATH.format(token=token)


class EventSource(Protocol):
    async def __call__(self, user_id: UUID, now: datetime) -> Sequence[CalendarEvent]:
        """The user's events for the feed read at `now`."""
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
        user_id = (
            await self._queries.feed_user(token_hash(token)) if is_token_shaped(token) else None
        )
        if user_id is None:
            raise NotFound("no such calendar feed")
        now = self._clock.now()
        events = [e for source in self._sources.sources for e in await source(user_id, now)]
        events.sort(key=lambda e: (e.start, e.key))
        return self._writer.write(FEED_NAME, events, now)


def booking_event(booking: CalendarBooking, links: FeedLinks) -> CalendarEvent:
    """Only accepted bookings reach a feed, but names still go through the
    booking's masking rule: the feed shows nothing the booking page would not.
    No email address or phone number: the platform hands out neither; the
    parties exchange them in their conversation, linked here."""
    service = SERVICE_NAMES[booking.service]
    # Captured is accepted for a card; a Bancontact payment is captured
    # before acceptance, but a feed only holds bookings in accepted states.
    accepted = booking.captured_cents > 0
    other = shown_text(booking.other_name, accepted)
    pets = ", ".join(shown_text(n, accepted) for n in booking.pet_names)
    role = "Caregiver" if booking.as_owner else "Owner"
    lines = [f"{service} for {pets}" if pets else service, f"{role}: {other}"]
    if booking.conversation_id is not None:
        lines.append(f"Messages: {links.app_url}/conversations/{booking.conversation_id}")
    url = f"{links.app_url}/bookings/{booking.id}"
    lines.append(f"Booking: {url}")
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

    async def __call__(self, user_id: UUID, now: datetime) -> Sequence[CalendarEvent]:
        found = await self._queries.bookings(user_id, window_start(now))
        return [booking_event(b, self._links) for b in found]


def meeting_event(meeting: CalendarMeeting, links: FeedLinks) -> CalendarEvent:
    """An accepted meet-and-greet: no price, no pets, no address (the pair
    agree where to meet in their conversation, linked here)."""
    role = "Caregiver" if meeting.as_owner else "Owner"
    other = shown_text(meeting.other_name, accepted=False)  # no booking was accepted
    lines = [MEETING, f"{role}: {other}"]
    if meeting.conversation_id is not None:
        lines.append(f"Messages: {links.app_url}/conversations/{meeting.conversation_id}")
    url = f"{links.app_url}/meet-and-greets/{meeting.id}"
    lines.append(f"Meet-and-greet: {url}")
    return CalendarEvent(
        key=str(meeting.id),
        start=meeting.start,
        end=meeting.end,
        summary=f"{MEETING} · {other}",
        description="\n".join(lines),
        url=url,
        location=None,
    )


class MeetingEvents:
    """The second source: the user's accepted meet-and-greets, either side."""

    def __init__(self, queries: CalendarQueries, links: FeedLinks) -> None:
        self._queries, self._links = queries, links

    async def __call__(self, user_id: UUID, now: datetime) -> Sequence[CalendarEvent]:
        found = await self._queries.meetings(user_id, window_start(now))
        return [meeting_event(m, self._links) for m in found]
