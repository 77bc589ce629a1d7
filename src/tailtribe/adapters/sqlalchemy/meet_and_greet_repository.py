"""Meet-and-greets on SQL: the caregiver's open ones by time, the jobs' due lists."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy.mapping import RowMapper
from tailtribe.adapters.sqlalchemy.tables import BookingRow, MeetAndGreetRow
from tailtribe.domain.model.bookings import BookingStatus
from tailtribe.domain.model.meet_and_greets import OPEN, REMINDER_LEAD, MeetAndGreet, MeetStatus
from tailtribe.domain.ports.storage import DueWork, Page

MEET_ROW = RowMapper(
    MeetAndGreet,
    columns={"start": "start_at", "end": "end_at"},
    derived={"response_deadline": lambda m: m.response_deadline},
)
OPEN_VALUES = [s.value for s in OPEN]
# A pair whose booking got this far has met: no meet-and-greet any more.
BOOKED = [
    s.value
    for s in (
        BookingStatus.ACCEPTED,
        BookingStatus.IN_PROGRESS,
        BookingStatus.COMPLETED,
        BookingStatus.DISPUTED,
    )
]


def _due(work: DueWork, now: datetime) -> ColumnElement[bool]:
    if work is DueWork.EXPIRE:
        return and_(
            MeetAndGreetRow.status == MeetStatus.REQUESTED.value,
            MeetAndGreetRow.response_deadline <= now,
        )
    if work is DueWork.REMIND:
        return and_(
            MeetAndGreetRow.status == MeetStatus.ACCEPTED.value,
            MeetAndGreetRow.reminder_sent_at.is_(None),
            MeetAndGreetRow.start_at > now,
            MeetAndGreetRow.start_at <= now + REMINDER_LEAD,
        )
    return MeetAndGreetRow.id.is_(None)  # nothing else is timed


class SqlMeetAndGreetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, meet_id: UUID) -> MeetAndGreet | None:
        row = await self._session.scalar(
            select(MeetAndGreetRow).where(MeetAndGreetRow.id == meet_id).with_for_update()
        )
        return None if row is None else MEET_ROW.load(row)

    async def add(self, meeting: MeetAndGreet) -> None:
        self._session.add(MEET_ROW.dump(meeting, MeetAndGreetRow()))
        await self._session.flush()

    async def save(self, meeting: MeetAndGreet) -> None:
        row = await self._session.get(MeetAndGreetRow, meeting.id)
        if row is None:
            raise LookupError(f"meet-and-greet {meeting.id} is not stored")
        MEET_ROW.dump(meeting, row)
        await self._session.flush()

    async def _all(self, where: Sequence[ColumnElement[bool]]) -> list[MeetAndGreet]:
        rows = await self._session.scalars(
            select(MeetAndGreetRow).where(*where).order_by(MeetAndGreetRow.start_at)
        )
        return [MEET_ROW.load(r) for r in rows]

    async def open_overlapping(
        self, caregiver_id: UUID, start: datetime, end: datetime
    ) -> Sequence[MeetAndGreet]:
        return await self._all(
            [
                MeetAndGreetRow.caregiver_id == caregiver_id,
                MeetAndGreetRow.status.in_(OPEN_VALUES),
                MeetAndGreetRow.start_at < end,
                MeetAndGreetRow.end_at > start,
            ]
        )

    async def open_for_pair(self, owner_id: UUID, caregiver_id: UUID) -> MeetAndGreet | None:
        found = await self._all(
            [
                MeetAndGreetRow.owner_id == owner_id,
                MeetAndGreetRow.caregiver_id == caregiver_id,
                MeetAndGreetRow.status.in_(OPEN_VALUES),
            ]
        )
        return found[0] if found else None

    async def has_open(self, user_id: UUID, caregiver_id: UUID | None, now: datetime) -> bool:
        party = MeetAndGreetRow.owner_id == user_id
        if caregiver_id is not None:
            party = or_(party, MeetAndGreetRow.caregiver_id == caregiver_id)
        found = await self._session.scalar(
            select(
                exists().where(
                    party,
                    MeetAndGreetRow.status.in_(OPEN_VALUES),
                    MeetAndGreetRow.end_at > now,
                )
            )
        )
        return bool(found)

    async def pair_has_booked(self, owner_id: UUID, caregiver_id: UUID) -> bool:
        booked = await self._session.scalar(
            select(
                exists().where(
                    BookingRow.owner_id == owner_id,
                    BookingRow.caregiver_id == caregiver_id,
                    BookingRow.status.in_(BOOKED),
                )
            )
        )
        return bool(booked)

    async def list_for(
        self, owner_id: UUID, caregiver_id: UUID | None, limit: int, offset: int
    ) -> Page[MeetAndGreet]:
        mine = MeetAndGreetRow.owner_id == owner_id
        if caregiver_id is not None:
            mine = or_(mine, MeetAndGreetRow.caregiver_id == caregiver_id)
        total = await self._session.scalar(
            select(func.count()).select_from(MeetAndGreetRow).where(mine)
        )
        rows = await self._session.scalars(
            select(MeetAndGreetRow)
            .where(mine)
            .order_by(MeetAndGreetRow.created_at.desc(), MeetAndGreetRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return Page([MEET_ROW.load(r) for r in rows], total or 0)

    async def due(self, work: DueWork, now: datetime, limit: int) -> Sequence[MeetAndGreet]:
        rows = await self._session.scalars(
            select(MeetAndGreetRow)
            .where(_due(work, now))
            .order_by(MeetAndGreetRow.start_at)
            .limit(limit)
        )
        return [MEET_ROW.load(r) for r in rows]
