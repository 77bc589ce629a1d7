"""Weekly series of bookings on SQL: the series' row, its lists and the expiry job's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from uuid import UUID

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy.mapping import Codec, Embedded, RowMapper
from tailtribe.adapters.sqlalchemy.tables import BookingSeriesRow
from tailtribe.domain.model.series import (
    RESPONSE_WINDOW,
    SETUP_WINDOW,
    BookingSeries,
    SeriesStatus,
    SetupStatus,
)
from tailtribe.domain.ports.storage import Page

# Weekdays as "0,2,4", in the order asked (the pattern keeps that order).
_WEEKDAYS: Codec[tuple[int, ...]] = Codec(
    lambda days: ",".join(str(d) for d in days),
    lambda text: tuple(int(d) for d in text.split(",") if d),
)
# A wall-clock time without seconds (the pattern refuses them): minutes after midnight.
_MINUTES: Codec[time] = Codec(
    lambda t: t.hour * 60 + t.minute, lambda minutes: time(minutes // 60, minutes % 60)
)
# The pets' ids: a JSON list of strings.
_PET_IDS: Codec[tuple[UUID, ...]] = Codec(
    lambda ids: [str(p) for p in ids], lambda stored: tuple(UUID(p) for p in stored)
)

SERIES_ROW = RowMapper(
    BookingSeries,
    embedded={"pattern": Embedded(names={"start_time": "start_minute"})},
    codecs={tuple[int, ...]: _WEEKDAYS, time: _MINUTES, tuple[UUID, ...]: _PET_IDS},
)


def _due_to_expire(now: datetime) -> ColumnElement[bool]:
    """BookingSeries.is_due_to_expire, as a query: past the response deadline
    (24 hours after the request, or the first start if sooner), or past the
    setup deadline without a saved card."""
    s = BookingSeriesRow
    card_saved = and_(
        s.setup_status == SetupStatus.SUCCEEDED.value, s.payment_method_id.is_not(None)
    )
    return and_(
        s.status == SeriesStatus.REQUESTED.value,
        or_(
            s.created_at <= now - RESPONSE_WINDOW,
            s.first_start <= now,
            and_(~card_saved, s.created_at <= now - SETUP_WINDOW),
        ),
    )


class SqlSeriesRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _one(self, where: ColumnElement[bool]) -> BookingSeries | None:
        # Locked until the transaction ends, as a booking is: the expiry job,
        # a webhook and a party acting on one series take turns.
        row = await self._session.scalar(select(BookingSeriesRow).where(where).with_for_update())
        return None if row is None else SERIES_ROW.load(row)

    async def get(self, series_id: UUID) -> BookingSeries | None:
        return await self._one(BookingSeriesRow.id == series_id)

    async def get_by_setup_intent(self, setup_intent_id: str) -> BookingSeries | None:
        return await self._one(BookingSeriesRow.setup_intent_id == setup_intent_id)

    async def add(self, series: BookingSeries) -> None:
        self._session.add(SERIES_ROW.dump(series, BookingSeriesRow()))
        await self._session.flush()

    async def save(self, series: BookingSeries) -> None:
        row = await self._session.get(BookingSeriesRow, series.id)
        if row is None:
            raise LookupError(f"series {series.id} is not stored")
        SERIES_ROW.dump(series, row)
        await self._session.flush()

    async def list_for(
        self, *, owner_id: UUID | None, caregiver_id: UUID | None, limit: int, offset: int
    ) -> Page[BookingSeries]:
        where: list[ColumnElement[bool]] = []
        if owner_id is not None:
            where.append(BookingSeriesRow.owner_id == owner_id)
        if caregiver_id is not None:
            where.append(BookingSeriesRow.caregiver_id == caregiver_id)
        total = await self._session.scalar(
            select(func.count()).select_from(BookingSeriesRow).where(*where)
        )
        rows = await self._session.scalars(
            select(BookingSeriesRow)
            .where(*where)
            .order_by(BookingSeriesRow.created_at.desc(), BookingSeriesRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return Page([SERIES_ROW.load(r) for r in rows], total or 0)

    async def due_to_expire(self, now: datetime, limit: int) -> Sequence[UUID]:
        ids = await self._session.scalars(
            select(BookingSeriesRow.id)
            .where(_due_to_expire(now))
            .order_by(BookingSeriesRow.created_at, BookingSeriesRow.id)
            .limit(limit)
        )
        return list(ids)

    async def customer_of(self, owner_id: UUID) -> str | None:
        customer: str | None = await self._session.scalar(
            select(BookingSeriesRow.customer_id)
            .where(
                BookingSeriesRow.owner_id == owner_id,
                BookingSeriesRow.customer_id.is_not(None),
            )
            .order_by(BookingSeriesRow.created_at.desc(), BookingSeriesRow.id.desc())
            .limit(1)
        )
        return customer
