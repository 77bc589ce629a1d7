"""Weekly series in memory: the least the notification tests need.

A unit of work with `series` and `bookings.of_series`, kept apart from
unit_of_work.py: the series' storage brings its own fakes.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from tailtribe.domain.model.bookings import Booking, BookingStatus
from tailtribe.domain.model.series import BookingSeries
from tailtribe.domain.ports.storage import Page
from tests.fakes.repositories import MemoryBookingRepository
from tests.fakes.unit_of_work import MemoryUnitOfWork


class MemorySeriesRepository:
    def __init__(self, rows: dict[UUID, BookingSeries]) -> None:
        self._rows = rows

    async def get(self, series_id: UUID) -> BookingSeries | None:
        return copy.deepcopy(self._rows.get(series_id))

    async def get_by_setup_intent(self, setup_intent_id: str) -> BookingSeries | None:
        found = (s for s in self._rows.values() if s.setup_intent_id == setup_intent_id)
        return copy.deepcopy(next(found, None))

    async def add(self, series: BookingSeries) -> None:
        self._rows[series.id] = _stored(series)

    async def save(self, series: BookingSeries) -> None:
        if series.id not in self._rows:
            raise LookupError(f"series {series.id} is not stored")
        self._rows[series.id] = _stored(series)

    async def list_for(
        self, *, owner_id: UUID | None, caregiver_id: UUID | None, limit: int, offset: int
    ) -> Page[BookingSeries]:
        rows = sorted(
            (
                s
                for s in self._rows.values()
                if (owner_id is None or s.owner_id == owner_id)
                and (caregiver_id is None or s.caregiver_id == caregiver_id)
            ),
            key=lambda s: (s.created_at, s.id),
            reverse=True,
        )
        return Page([copy.deepcopy(s) for s in rows[offset : offset + limit]], len(rows))

    async def due_to_expire(self, now: datetime, limit: int) -> Sequence[UUID]:
        due = sorted(
            (s for s in self._rows.values() if s.is_due_to_expire(now)), key=lambda s: s.created_at
        )
        return [s.id for s in due[:limit]]

    async def customer_of(self, owner_id: UUID) -> str | None:
        found = (
            s.customer_id
            for s in self._rows.values()
            if s.owner_id == owner_id and s.customer_id is not None
        )
        return next(found, None)


def _stored(series: BookingSeries) -> BookingSeries:
    stored = copy.deepcopy(series)
    stored.pull_events()
    return stored


class MemorySeriesBookingRepository(MemoryBookingRepository):
    async def list_for(
        self,
        *,
        owner_id: UUID | None,
        caregiver_id: UUID | None,
        status: BookingStatus | None,
        limit: int,
        offset: int,
        in_series: bool | None = None,
    ) -> Page[Booking]:
        page = await super().list_for(
            owner_id=owner_id, caregiver_id=caregiver_id, status=status, limit=1_000_000, offset=0
        )
        rows = [
            b for b in page.items if in_series is None or (b.series_id is not None) is in_series
        ]
        return Page(rows[offset : offset + limit], len(rows))

    async def of_series(self, series_id: UUID) -> Sequence[Booking]:
        rows = sorted((b for b in self._rows.values() if b.series_id == series_id), key=_start)
        return [copy.deepcopy(b) for b in rows]


def _start(booking: Booking) -> datetime:
    return booking.start


class SeriesUnitOfWork(MemoryUnitOfWork):
    """The memory unit of work with series, committed and rolled back with the rest."""

    bookings: MemorySeriesBookingRepository

    def __init__(self) -> None:
        self.series_rows: dict[UUID, BookingSeries] = {}
        super().__init__()

    def _begin(self) -> None:
        super()._begin()
        self._series_work = copy.deepcopy(self.series_rows)
        self.series = MemorySeriesRepository(self._series_work)
        self.bookings = MemorySeriesBookingRepository(self._work)

    async def commit(self) -> None:
        await super().commit()
        self.series_rows = copy.deepcopy(self._series_work)
