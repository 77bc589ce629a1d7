"""What calendar feeds need of storage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from tailtribe.domain.model.calendar import CalendarEvent, CalendarFeed
from tailtribe.domain.model.pricing import Service
from tailtribe.domain.model.users import Locale


class CalendarFeedRepository(Protocol):
    async def get(self, user_id: UUID) -> CalendarFeed | None: ...

    async def put(self, feed: CalendarFeed) -> None:
        """Store the user's feed, replacing the one they had (its hash goes)."""
        ...

    async def remove(self, user_id: UUID) -> bool:
        """False when the user had no feed."""
        ...


@dataclass(frozen=True, slots=True)
class FeedUser:
    id: UUID
    locale: Locale  # the language of their emails, and of their feed


@dataclass(frozen=True, slots=True)
class CalendarBooking:
    """A booking as a feed shows it to one of its parties."""

    id: UUID
    service: Service
    start: datetime
    end: datetime
    as_owner: bool  # the feed's user is the owner (else the caregiver)
    other_name: str  # the caregiver's display name, or the owner's full name
    pet_names: tuple[str, ...]  # in the booking's order
    caregiver_city: str | None
    conversation_id: UUID | None
    captured_cents: int


class CalendarQueries(Protocol):
    """Reads for the public feed: no transaction, no lock."""

    async def feed_user(self, token_hash: str) -> FeedUser | None:
        """The user whose feed has this hash (None: no such feed)."""
        ...

    async def bookings(self, user_id: UUID, ending_from: datetime) -> Sequence[CalendarBooking]:
        """The user's bookings, as owner or as caregiver, in FEED_STATUSES and
        ending at or after `ending_from`, by start."""
        ...

    async def meetings(self, user_id: UUID, ending_from: datetime) -> Sequence[CalendarMeeting]:
        """The user's accepted meet-and-greets, either side, ending at or
        after `ending_from`, by start."""
        ...


@dataclass(frozen=True, slots=True)
class CalendarMeeting:
    """An accepted meet-and-greet as a feed shows it to one of its parties."""

    id: UUID
    start: datetime
    end: datetime
    as_owner: bool
    other_name: str
    conversation_id: UUID | None


class CalendarWriter(Protocol):
    def write(self, name: str, events: Sequence[CalendarEvent], now: datetime) -> bytes:
        """The feed as an iCalendar (RFC 5545) document, UTF-8."""
        ...
