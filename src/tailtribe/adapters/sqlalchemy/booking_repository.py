"""Bookings on SQL: the calendar lock, overlap queries and the jobs' due lists."""

from __future__ import annotations

import typing
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    Table,
    and_,
    func,
    insert,
    inspect,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from tailtribe.adapters.sqlalchemy import row_locks
from tailtribe.adapters.sqlalchemy.mapping import Embedded, RowMapper
from tailtribe.adapters.sqlalchemy.tables import (
    BookingPetRow,
    BookingRow,
    CaregiverRow,
    MeetAndGreetRow,
)
from tailtribe.domain.errors import SlotTaken
from tailtribe.domain.model.availability import Occupancy
from tailtribe.domain.model.booking_payment import PaymentStatus
from tailtribe.domain.model.booking_payout import PayoutStatus
from tailtribe.domain.model.bookings import ACTIVE, REMINDER_LEAD, SETTLED, Booking, BookingStatus
from tailtribe.domain.model.meet_and_greets import AS_SERVICE
from tailtribe.domain.model.meet_and_greets import OPEN as MEET_OPEN
from tailtribe.domain.model.pricing import Service
from tailtribe.domain.model.series import CHARGE_LEAD
from tailtribe.domain.ports.storage import DueWork, Page

_ACTIVE = [s.value for s in ACTIVE]
_MEET_OPEN = sorted(s.value for s in MEET_OPEN)
_BOOKING_PET = typing.cast(Table, BookingPetRow.__table__)
_BOOKING = typing.cast(Table, BookingRow.__table__)
# Every column a booking fills (all but the ORM's insert sentinel), by attribute.
_KEYS = {a.columns[0].name: a.key for a in inspect(BookingRow).column_attrs}
_STORED = [c for c in _BOOKING.c if c.name != "sa_orm_sentinel"]
EXCLUSION_VIOLATION = "23P01"


# The booking's row: its own fields, with the parts' columns named as the
# table has always named them; the pets live in booking_pet.
BOOKING_ROW = RowMapper(
    Booking,
    columns={"start": "start_at", "end": "end_at"},
    embedded={
        "price": Embedded(),
        "payment": Embedded(
            names={
                "status": "payment_status",
                "intent_id": "payment_intent_id",
                "method": "payment_method",
            }
        ),
        "payout": Embedded(
            names={
                "status": "payout_status",
                "attempts": "payout_attempts",
                "retry_at": "payout_retry_at",
            }
        ),
        "dispute": Embedded(prefix="dispute_"),
    },
    apart=["pet_ids"],
    # Stored so the jobs find due bookings with an index, not arithmetic.
    derived={
        "pets": lambda b: len(b.pet_ids),
        "payment_deadline": lambda b: b.payment_deadline,
        "response_deadline": lambda b: b.response_deadline,
    },
)


def _booking(row: BookingRow, pet_ids: tuple[UUID, ...]) -> Booking:
    return BOOKING_ROW.load(row, pet_ids=pet_ids)


def _fill(row: BookingRow, b: Booking) -> BookingRow:
    return typing.cast(BookingRow, BOOKING_ROW.dump(b, row))


def _due(work: DueWork, now: datetime) -> ColumnElement[bool]:
    """The domain's `is_due_*` rules for each job, as queries."""
    requested = BookingRow.status == BookingStatus.REQUESTED.value
    accepted = BookingRow.status == BookingStatus.ACCEPTED.value
    in_series = BookingRow.series_id.is_not(None)
    # Booking.awaits_payment: an occurrence not paid yet neither starts,
    # completes nor is reminded of.
    paid_if_in_series = or_(BookingRow.series_id.is_(None), BookingRow.captured_cents != 0)
    if work is DueWork.EXPIRE:
        # A request is paid when its card is held or its payment taken (Bancontact).
        paid = (PaymentStatus.AUTHORIZED.value, PaymentStatus.CAPTURED.value)
        unpaid = BookingRow.payment_status.not_in(paid)
        return and_(
            requested,
            BookingRow.series_id.is_(None),  # an occurrence expires with its series
            or_(
                BookingRow.response_deadline <= now,
                and_(unpaid, BookingRow.payment_deadline <= now),
            ),
        )
    if work is DueWork.START:
        return and_(accepted, BookingRow.start_at <= now, paid_if_in_series)
    if work is DueWork.PAYOUT:
        return and_(
            BookingRow.payout_status == PayoutStatus.SCHEDULED.value,
            BookingRow.status.in_([s.value for s in SETTLED]),
            BookingRow.dispute_deadline <= now,
            or_(BookingRow.payout_retry_at.is_(None), BookingRow.payout_retry_at <= now),
        )
    if work is DueWork.COMPLETE:
        return and_(
            BookingRow.status.in_([BookingStatus.ACCEPTED.value, BookingStatus.IN_PROGRESS.value]),
            BookingRow.end_at <= now,
            paid_if_in_series,
        )
    if work is DueWork.CHARGE:
        not_held = and_(
            BookingRow.payment_status == PaymentStatus.PENDING.value,
            BookingRow.payment_intent_id.is_(None),
        )
        return and_(
            in_series,
            accepted,
            or_(not_held, BookingRow.payment_status == PaymentStatus.AUTHORIZED.value),
            BookingRow.start_at <= now + CHARGE_LEAD,
        )
    if work is DueWork.LAPSE:
        unpaid = BookingRow.payment_status.in_(
            [PaymentStatus.PENDING.value, PaymentStatus.FAILED.value]
        )
        # By its pay_by; an occurrence without one (never so once accepted) by its start.
        past_pay_by = or_(
            BookingRow.pay_by <= now,
            and_(BookingRow.pay_by.is_(None), BookingRow.start_at <= now),
        )
        return and_(in_series, accepted, unpaid, past_pay_by)
    return and_(
        accepted,
        BookingRow.reminder_sent_at.is_(None),
        BookingRow.start_at > now,
        BookingRow.start_at <= now + REMINDER_LEAD,
        paid_if_in_series,
    )


class SqlBookingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # Rows this unit of work inserted: saving one again needs no reload.
        self._added: dict[UUID, BookingRow] = {}

    async def _pets(self, booking_ids: Sequence[UUID]) -> dict[UUID, tuple[UUID, ...]]:
        if not booking_ids:
            return {}
        rows = await self._session.execute(
            select(BookingPetRow.booking_id, BookingPetRow.pet_id)
            .where(BookingPetRow.booking_id.in_(booking_ids))
            .order_by(BookingPetRow.booking_id, BookingPetRow.position)
        )
        pets: dict[UUID, list[UUID]] = {}
        for booking_id, pet_id in rows:
            pets.setdefault(booking_id, []).append(pet_id)
        return {k: tuple(v) for k, v in pets.items()}

    async def _many(self, rows: Sequence[BookingRow]) -> list[Booking]:
        pets = await self._pets([r.id for r in rows])
        return [_booking(r, pets.get(r.id, ())) for r in rows]

    async def get(self, booking_id: UUID) -> Booking | None:
        # Locked until the transaction ends: a job, a webhook and a party acting
        # on one booking take turns, and the later one sees the earlier's result.
        stmt = select(BookingRow).where(BookingRow.id == booking_id).with_for_update()
        row = await self._session.scalar(stmt)
        return None if row is None else (await self._many([row]))[0]

    async def get_by_payment_intent(
        self, payment_intent_id: str, *, lock: bool = True
    ) -> Booking | None:
        stmt = select(BookingRow).where(BookingRow.payment_intent_id == payment_intent_id)
        if lock:
            stmt = stmt.with_for_update()
        row = await self._session.scalar(stmt)
        return None if row is None else (await self._many([row]))[0]

    async def lock_calendar(self, caregiver_id: UUID) -> None:
        # The caregiver's row is the lock: concurrent requests for one caregiver
        # queue here, in every API process, until the first one commits.
        if row_locks.held(self._session, CaregiverRow.__tablename__, caregiver_id):
            return  # loading the caregiver in this transaction locked it already
        await self._session.execute(
            select(CaregiverRow.id).where(CaregiverRow.id == caregiver_id).with_for_update()
        )
        row_locks.remember(self._session, CaregiverRow.__tablename__, caregiver_id)

    async def active_overlapping(
        self, caregiver_id: UUID, start: datetime, end: datetime
    ) -> Sequence[Occupancy]:
        # Meet-and-greets take the caregiver's time as a walk does: both kinds
        # of claim in one statement, one round trip under the calendar lock.
        bookings = select(
            BookingRow.service, BookingRow.start_at, BookingRow.end_at, BookingRow.pets
        ).where(
            BookingRow.caregiver_id == caregiver_id,
            BookingRow.status.in_(_ACTIVE),
            BookingRow.start_at < end,
            BookingRow.end_at > start,
        )
        meetings = select(
            literal(AS_SERVICE.value, String),
            MeetAndGreetRow.start_at,
            MeetAndGreetRow.end_at,
            literal(0, Integer),
        ).where(
            MeetAndGreetRow.caregiver_id == caregiver_id,
            MeetAndGreetRow.status.in_(_MEET_OPEN),
            MeetAndGreetRow.start_at < end,
            MeetAndGreetRow.end_at > start,
        )
        rows = await self._session.execute(union_all(bookings, meetings))
        return [Occupancy(Service(s), a, b, p) for s, a, b, p in rows]

    async def add(self, booking: Booking) -> None:
        row = _fill(BookingRow(id=booking.id), booking)
        values = {c.name: getattr(row, _KEYS[c.name]) for c in _STORED}
        # A plain INSERT does not flush the session: rows it points at that
        # this unit of work added (a pet, say) go first. Nothing to do if none.
        await self._session.flush()
        try:
            # A plain INSERT, the booking row first: its pets point at it.
            await self._session.execute(insert(_BOOKING), values)
        except IntegrityError as exc:
            if getattr(exc.orig, "sqlstate", None) == EXCLUSION_VIOLATION or (
                "booking_no_overlap" in str(exc)
            ):
                raise SlotTaken("the caregiver is booked at that time") from exc
            raise
        # Rows nobody edits: a plain INSERT (one statement for all the pets),
        # without the ORM's flush machinery.
        if booking.pet_ids:
            await self._session.execute(
                insert(_BOOKING_PET),
                [
                    {"booking_id": booking.id, "pet_id": pet, "position": i}
                    for i, pet in enumerate(booking.pet_ids)
                ],
            )
        # Stored as it is: the session takes the row as loaded, so a later
        # save() in this unit of work updates it without reading it back.
        make_transient_to_detached(row)
        self._session.add(row)
        self._added[booking.id] = row

    async def save(self, booking: Booking) -> None:
        row = self._added.get(booking.id) or await self._session.get(BookingRow, booking.id)
        if row is None:
            raise LookupError(f"booking {booking.id} is not stored")
        _fill(row, booking)
        try:
            await self._session.flush()
        except IntegrityError as exc:
            raise SlotTaken("the caregiver is booked at that time") from exc

    async def list_for(
        self,
        *,
        owner_id: UUID | None,
        caregiver_id: UUID | None,
        status: BookingStatus | None,
        limit: int,
        offset: int,
        series_id: UUID | None = None,
        starts_from: datetime | None = None,
        starts_before: datetime | None = None,
    ) -> Page[Booking]:
        where: list[ColumnElement[bool]] = []
        if series_id is not None:
            where.append(BookingRow.series_id == series_id)
        if starts_from is not None:
            where.append(BookingRow.start_at >= starts_from)
        if starts_before is not None:
            where.append(BookingRow.start_at < starts_before)
        if owner_id is not None:
            where.append(BookingRow.owner_id == owner_id)
        if caregiver_id is not None:
            where.append(BookingRow.caregiver_id == caregiver_id)
        if status is not None:
            where.append(BookingRow.status == status.value)
        total = await self._session.scalar(
            select(func.count()).select_from(BookingRow).where(*where)
        )
        rows = await self._session.scalars(
            select(BookingRow)
            .where(*where)
            .order_by(BookingRow.created_at.desc(), BookingRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return Page(await self._many(rows.all()), total or 0)

    async def with_payout(self, status: PayoutStatus, limit: int, offset: int) -> Page[Booking]:
        where = BookingRow.payout_status == status.value
        total = await self._session.scalar(
            select(func.count()).select_from(BookingRow).where(where)
        )
        rows = await self._session.scalars(
            select(BookingRow)
            .where(where)
            .order_by(BookingRow.created_at, BookingRow.id)
            .limit(limit)
            .offset(offset)
        )
        return Page(await self._many(rows.all()), total or 0)

    async def of_series(self, series_id: UUID, *, lock: bool = True) -> Sequence[Booking]:
        # Locked until the transaction ends, as get() locks one booking.
        stmt = (
            select(BookingRow)
            .where(BookingRow.series_id == series_id)
            .order_by(BookingRow.start_at, BookingRow.id)
        )
        if lock:
            stmt = stmt.with_for_update()
        return await self._many((await self._session.scalars(stmt)).all())

    async def withheld_of(self, caregiver_id: UUID) -> Sequence[Booking]:
        stmt = (
            select(BookingRow)
            .where(
                BookingRow.caregiver_id == caregiver_id,
                BookingRow.payout_status == PayoutStatus.WITHHELD.value,
            )
            .order_by(BookingRow.id)  # one lock order for every caller
            .with_for_update()
        )
        return await self._many((await self._session.scalars(stmt)).all())

    async def due(self, work: DueWork, now: datetime, limit: int) -> Sequence[Booking]:
        stmt = select(BookingRow).where(_due(work, now)).order_by(BookingRow.start_at).limit(limit)
        return await self._many((await self._session.scalars(stmt)).all())
