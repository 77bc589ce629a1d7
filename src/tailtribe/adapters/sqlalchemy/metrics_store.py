"""Business metrics as SQL aggregates, the same statements on PostgreSQL and SQLite.

Only the seconds since the epoch of a stored instant differ by dialect.
Days in Brussels are counted by adding the UTC offset in effect (a CASE over
the DST changes in the range), so neither database needs time zone data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy.tables import (
    BookingRow,
    CaregiverDecisionRow,
    CaregiverRow,
    MeetAndGreetRow,
    OutboxRow,
    ReviewRow,
    UserRow,
)
from tailtribe.domain.model.booking_payment import PaymentMethod
from tailtribe.domain.model.bookings import ACCEPTED_ONCE, BookingStatus
from tailtribe.domain.model.caregivers import DecisionKind
from tailtribe.domain.model.meet_and_greets import MEET_TO_BOOKING
from tailtribe.domain.model.users import Role
from tailtribe.domain.ports.monitoring import (
    PAYMENT_AUTHORIZED_TOPICS,
    PAYMENT_FAILED_TOPICS,
    Day,
    Totals,
)

EPOCH = date(1970, 1, 1)
DAY_SECONDS = 86400


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _total(value: Any, condition: ColumnElement[bool] | None = None) -> Any:
    summed = value if condition is None else case((condition, value), else_=0)
    return func.coalesce(func.sum(summed), 0)


# Accepting is what charges a card; Bancontact is charged at once, so its
# bookings count by status, as `was_accepted` in domain/model/bookings.py.
ACCEPTED = and_(
    BookingRow.captured_cents > 0,
    or_(
        BookingRow.payment_method.is_(None),
        BookingRow.payment_method != PaymentMethod.BANCONTACT.value,
        BookingRow.status.in_([s.value for s in ACCEPTED_ONCE]),
        and_(
            BookingRow.status == BookingStatus.CANCELLED.value,
            BookingRow.refunded_cents < BookingRow.captured_cents,
        ),
    ),
)


COMPLETED = BookingRow.status == BookingStatus.COMPLETED.value
CANCELLED = BookingRow.status == BookingStatus.CANCELLED.value
SETTLED = BookingRow.status.in_([BookingStatus.COMPLETED.value, BookingStatus.CANCELLED.value])


class SqlMetricsStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._postgres = session.bind.dialect.name == "postgresql"

    def _whole_seconds(self, column: Any) -> ColumnElement[int]:
        """Whole seconds since the epoch, exactly (no floating point on the way)."""
        if self._postgres:
            return cast(func.floor(func.extract("epoch", column)), BigInteger)
        return cast(func.strftime("%s", column), BigInteger)

    def _round_half_up(self, value: Any) -> ColumnElement[int]:
        """For the positive amounts here; exact on PostgreSQL's numeric, and on
        SQLite's doubles no cent amount times a percentage lands near a half
        without being one."""
        if self._postgres:
            return cast(func.floor(value + 0.5), BigInteger)
        return cast(value + 0.5, BigInteger)  # truncation is floor for positives

    def _commission(self) -> ColumnElement[int]:
        """The domain's split: the commission on what was kept, half up."""
        kept = BookingRow.captured_cents - BookingRow.refunded_cents
        return self._round_half_up(kept * BookingRow.commission_percent / 100)

    def _local_day(self, column: Any, offsets: Sequence[tuple[datetime, int]]) -> Any:
        offset: Any = literal(offsets[0][1])
        if len(offsets) > 1:
            offset = case(
                *((column < at, previous) for (at, _), (_, previous) in _pairs(offsets)),
                else_=offsets[-1][1],
            )
        return (self._whole_seconds(column) + offset) // DAY_SECONDS

    async def totals(self, start: datetime, end: datetime) -> Totals:
        def within(column: Any) -> ColumnElement[bool]:
            return and_(column >= start, column < end)

        s = self._session
        owners = await s.scalar(
            select(func.count())
            .select_from(UserRow)
            .where(within(UserRow.created_at), UserRow.roles.contains(Role.OWNER.value))
        )
        caregivers = await s.scalar(
            select(func.count()).select_from(CaregiverRow).where(within(CaregiverRow.created_at))
        )
        decisions = (
            await s.execute(
                select(
                    _count(CaregiverDecisionRow.kind == DecisionKind.APPROVE.value),
                    _count(CaregiverDecisionRow.kind == DecisionKind.REJECT.value),
                ).where(within(CaregiverDecisionRow.decided_at))
            )
        ).one()
        bookings = (
            await s.execute(
                select(
                    func.count(),
                    _count(ACCEPTED),
                    _count(COMPLETED),
                    _count(CANCELLED),
                    _total(BookingRow.captured_cents),
                    _total(self._commission(), SETTLED),
                    _total(BookingRow.paid_out_cents),  # already net of reversals
                    _total(BookingRow.refunded_cents),
                ).where(within(BookingRow.created_at))
            )
        ).one()
        reviews = (
            await s.execute(
                select(func.avg(ReviewRow.rating), func.count()).where(within(ReviewRow.created_at))
            )
        ).one()
        payments = (
            await s.execute(
                select(
                    _count(OutboxRow.topic.in_(PAYMENT_AUTHORIZED_TOPICS)),
                    _count(OutboxRow.topic.in_(PAYMENT_FAILED_TOPICS)),
                ).where(
                    within(OutboxRow.created_at),
                    OutboxRow.topic.in_(PAYMENT_AUTHORIZED_TOPICS + PAYMENT_FAILED_TOPICS),
                )
            )
        ).one()
        return Totals(
            owners=int(owners or 0),
            caregivers=int(caregivers or 0),
            approvals=int(decisions[0]),
            rejections=int(decisions[1]),
            bookings_created=int(bookings[0]),
            bookings_accepted=int(bookings[1]),
            bookings_completed=int(bookings[2]),
            bookings_cancelled=int(bookings[3]),
            gross_booking_value_cents=int(bookings[4]),
            commission_earned_cents=int(bookings[5]),
            payouts_sent_cents=int(bookings[6]),
            refunds_cents=int(bookings[7]),
            median_seconds_to_first_booking=await self._median_to_first_booking(start, end),
            average_rating=None if reviews[0] is None else round(float(reviews[0]), 2),
            reviews=int(reviews[1]),
            payments_authorized=int(payments[0]),
            payments_failed=int(payments[1]),
            **await self._meet_and_greets(start, end),
        )

    async def _meet_and_greets(self, start: datetime, end: datetime) -> dict[str, int]:
        """Requested in [start, end), and those the pair followed with an
        accepted booking requested within MEET_TO_BOOKING of the request. The
        window is compared here: interval arithmetic differs by database."""
        s = self._session
        requested = await s.scalar(
            select(func.count())
            .select_from(MeetAndGreetRow)
            .where(MeetAndGreetRow.created_at >= start, MeetAndGreetRow.created_at < end)
        )
        pairs = await s.execute(
            select(MeetAndGreetRow.id, MeetAndGreetRow.created_at, BookingRow.created_at).where(
                MeetAndGreetRow.created_at >= start,
                MeetAndGreetRow.created_at < end,
                BookingRow.owner_id == MeetAndGreetRow.owner_id,
                BookingRow.caregiver_id == MeetAndGreetRow.caregiver_id,
                ACCEPTED,
                BookingRow.created_at >= MeetAndGreetRow.created_at,
                BookingRow.created_at < end + MEET_TO_BOOKING,
            )
        )
        booked = {m for m, asked, b in pairs if b - asked <= MEET_TO_BOOKING}
        return {"meet_and_greets": int(requested or 0), "meet_and_greets_booked": len(booked)}

    async def _median_to_first_booking(self, start: datetime, end: datetime) -> float | None:
        first = func.min(BookingRow.created_at)
        firsts = (
            select(BookingRow.owner_id.label("owner_id"), first.label("first_at"))
            .group_by(BookingRow.owner_id)
            .having(and_(first >= start, first < end))
            .subquery()
        )
        waits = (
            select(
                (
                    self._whole_seconds(firsts.c.first_at) - self._whole_seconds(UserRow.created_at)
                ).label("s")
            )
            .select_from(firsts)
            .join(UserRow, UserRow.id == firsts.c.owner_id)
            .subquery()
        )
        ranked = select(
            waits.c.s,
            func.row_number().over(order_by=waits.c.s).label("rn"),
            func.count().over().label("n"),
        ).subquery()
        # The middle row, or the mean of the two middle rows (integer division).
        median = await self._session.scalar(
            select(func.avg(ranked.c.s)).where(
                ranked.c.rn.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2])
            )
        )
        return None if median is None else round(float(median), 1)

    async def daily(
        self, start: datetime, end: datetime, offsets: Sequence[tuple[datetime, int]]
    ) -> list[Day]:
        users_day = self._local_day(UserRow.created_at, offsets).label("day")
        registrations = await self._session.execute(
            select(users_day, func.count())
            .where(
                UserRow.created_at >= start,
                UserRow.created_at < end,
                UserRow.roles.contains(Role.OWNER.value),
            )
            .group_by(text("day"))
        )
        bookings_day = self._local_day(BookingRow.created_at, offsets).label("day")
        bookings = await self._session.execute(
            select(
                bookings_day,
                func.count(),
                _total(BookingRow.captured_cents),
                _count(ACCEPTED),
                _count(COMPLETED),
                _count(CANCELLED),
                _total(self._commission(), SETTLED),
            )
            .where(BookingRow.created_at >= start, BookingRow.created_at < end)
            .group_by(text("day"))
        )
        days: dict[int, Day] = {}
        for n, count in registrations:
            days[n] = Day(_date(n), registrations=int(count))
        for n, count, value, accepted, completed, cancelled, commission in bookings:
            found = days.get(n, Day(_date(n)))
            days[n] = Day(
                found.day,
                found.registrations,
                bookings_created=int(count),
                gross_booking_value_cents=int(value),
                bookings_accepted=int(accepted),
                bookings_completed=int(completed),
                bookings_cancelled=int(cancelled),
                commission_earned_cents=int(commission),
            )
        return list(days.values())


def _date(day_number: int) -> date:
    return EPOCH + timedelta(days=int(day_number))


def _pairs(
    offsets: Sequence[tuple[datetime, int]],
) -> list[tuple[tuple[datetime, int], tuple[datetime, int]]]:
    """(change, what was in effect before it) for every change after the first entry."""
    return [(offsets[i], offsets[i - 1]) for i in range(1, len(offsets))]
