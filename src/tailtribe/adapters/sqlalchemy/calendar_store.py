"""Calendar feeds on SQL: the feed rows, and the public read of a feed's bookings.

Plain Core statements, the same on PostgreSQL and SQLite: a feed is read by
calendar apps every few hours, not on a hot path.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy.tables import (
    BookingPetRow,
    BookingRow,
    CalendarFeedRow,
    CaregiverRow,
    MeetAndGreetRow,
    PetRow,
    UserRow,
)
from tailtribe.domain.model.calendar import FEED_STATUSES, CalendarFeed
from tailtribe.domain.model.meet_and_greets import MeetStatus
from tailtribe.domain.model.pricing import Service
from tailtribe.domain.model.users import DEFAULT_LOCALE, Locale
from tailtribe.domain.ports.calendar import CalendarBooking, CalendarMeeting, FeedUser


class SqlCalendarFeedRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, user_id: UUID) -> CalendarFeed | None:
        row = await self._session.get(CalendarFeedRow, user_id)
        return None if row is None else CalendarFeed(row.user_id, row.token_hash, row.created_at)

    async def put(self, feed: CalendarFeed) -> None:
        # Delete then insert: the same statements on both databases; the use
        # case holds the user's row lock, so concurrent puts take turns.
        s = self._session
        await s.execute(delete(CalendarFeedRow).where(CalendarFeedRow.user_id == feed.user_id))
        s.add(
            CalendarFeedRow(
                user_id=feed.user_id, token_hash=feed.token_hash, created_at=feed.created_at
            )
        )
        await s.flush()

    async def remove(self, user_id: UUID) -> bool:
        result = await self._session.execute(
            delete(CalendarFeedRow).where(CalendarFeedRow.user_id == user_id)
        )
        return bool(getattr(result, "rowcount", 0))


class SqlCalendarQueries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def feed_user(self, token_hash: str) -> FeedUser | None:
        found = (
            await self._session.execute(
                select(UserRow.id, UserRow.locale)
                .join(CalendarFeedRow, CalendarFeedRow.user_id == UserRow.id)
                .where(CalendarFeedRow.token_hash == token_hash)
            )
        ).first()
        if found is None:
            return None
        # A language the app no longer offers must not take the feed down.
        known = found.locale in {item.value for item in Locale}
        return FeedUser(found.id, Locale(found.locale) if known else DEFAULT_LOCALE)

    async def bookings(self, user_id: UUID, ending_from: datetime) -> Sequence[CalendarBooking]:
        rows = (
            await self._session.execute(
                select(
                    BookingRow.id,
                    BookingRow.service,
                    BookingRow.start_at,
                    BookingRow.end_at,
                    BookingRow.owner_id,
                    BookingRow.captured_cents,
                    BookingRow.conversation_id,
                    CaregiverRow.display_name,
                    CaregiverRow.city,
                    UserRow.full_name,
                )
                .join(CaregiverRow, CaregiverRow.id == BookingRow.caregiver_id)
                .join(UserRow, UserRow.id == BookingRow.owner_id)
                .where(
                    or_(BookingRow.owner_id == user_id, CaregiverRow.user_id == user_id),
                    BookingRow.status.in_([s.value for s in FEED_STATUSES]),
                    BookingRow.end_at >= ending_from,
                )
                .order_by(BookingRow.start_at, BookingRow.id)
            )
        ).all()
        pets: dict[UUID, list[str]] = {r.id: [] for r in rows}
        if pets:
            named = await self._session.execute(
                select(BookingPetRow.booking_id, PetRow.name)
                .join(PetRow, PetRow.id == BookingPetRow.pet_id)
                .where(BookingPetRow.booking_id.in_(list(pets)))
                .order_by(BookingPetRow.booking_id, BookingPetRow.position)
            )
            for booking_id, name in named:
                pets[booking_id].append(name)
        return [
            CalendarBooking(
                id=r.id,
                service=Service(r.service),
                start=r.start_at,
                end=r.end_at,
                as_owner=r.owner_id == user_id,
                other_name=r.display_name if r.owner_id == user_id else r.full_name,
                pet_names=tuple(pets[r.id]),
                caregiver_city=r.city,
                conversation_id=r.conversation_id,
                captured_cents=r.captured_cents,
            )
            for r in rows
        ]

    async def meetings(self, user_id: UUID, ending_from: datetime) -> Sequence[CalendarMeeting]:
        rows = (
            await self._session.execute(
                select(
                    MeetAndGreetRow.id,
                    MeetAndGreetRow.start_at,
                    MeetAndGreetRow.end_at,
                    MeetAndGreetRow.owner_id,
                    MeetAndGreetRow.conversation_id,
                    CaregiverRow.display_name,
                    UserRow.full_name,
                )
                .join(CaregiverRow, CaregiverRow.id == MeetAndGreetRow.caregiver_id)
                .join(UserRow, UserRow.id == MeetAndGreetRow.owner_id)
                .where(
                    or_(MeetAndGreetRow.owner_id == user_id, CaregiverRow.user_id == user_id),
                    MeetAndGreetRow.status == MeetStatus.ACCEPTED.value,
                    MeetAndGreetRow.end_at >= ending_from,
                )
                .order_by(MeetAndGreetRow.start_at, MeetAndGreetRow.id)
            )
        ).all()
        return [
            CalendarMeeting(
                id=r.id,
                start=r.start_at,
                end=r.end_at,
                as_owner=r.owner_id == user_id,
                other_name=r.display_name if r.owner_id == user_id else r.full_name,
                conversation_id=r.conversation_id,
            )
            for r in rows
        ]
