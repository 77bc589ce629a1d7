"""The ledger on SQL: entries are only ever added."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy.mapping import RowMapper
from tailtribe.adapters.sqlalchemy.tables import BookingRow, LedgerEntryRow
from tailtribe.domain.model.dac7 import REPORTED, SellerMovement
from tailtribe.domain.model.ledger import LedgerEntry, Movement
from tailtribe.domain.ports.storage import Page

# The accounts follow from the movement; stored so the books read without code.
LEDGER_ROW = RowMapper(
    LedgerEntry,
    derived={"source": lambda e: e.source.value, "destination": lambda e: e.destination.value},
)


class SqlLedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, entries: Sequence[LedgerEntry]) -> None:
        self._session.add_all(LEDGER_ROW.dump(e, LedgerEntryRow()) for e in entries)
        await self._session.flush()

    async def for_booking(self, booking_id: UUID) -> Sequence[LedgerEntry]:
        rows = await self._session.scalars(
            select(LedgerEntryRow)
            .where(LedgerEntryRow.booking_id == booking_id)
            .order_by(LedgerEntryRow.occurred_at, LedgerEntryRow.id)
        )
        return [LEDGER_ROW.load(r) for r in rows]

    async def bookings_since(self, since: datetime | None, limit: int, offset: int) -> Page[UUID]:
        first = func.min(LedgerEntryRow.occurred_at)
        stmt = select(LedgerEntryRow.booking_id, first.label("first")).group_by(
            LedgerEntryRow.booking_id
        )
        if since is not None:
            stmt = stmt.having(func.max(LedgerEntryRow.occurred_at) >= since)
        total = await self._session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = await self._session.execute(
            stmt.order_by(first, LedgerEntryRow.booking_id).limit(limit).offset(offset)
        )
        return Page([r[0] for r in rows], total or 0)

    async def seller_movements(self, start: datetime, end: datetime) -> Sequence[SellerMovement]:
        rows = await self._session.execute(
            select(
                BookingRow.caregiver_id,
                LedgerEntryRow.booking_id,
                LedgerEntryRow.movement,
                LedgerEntryRow.amount_cents,
                LedgerEntryRow.occurred_at,
            )
            .join(BookingRow, BookingRow.id == LedgerEntryRow.booking_id)
            .where(
                LedgerEntryRow.occurred_at >= start,
                LedgerEntryRow.occurred_at < end,
                LedgerEntryRow.movement.in_(sorted(m.value for m in REPORTED)),
            )
            .order_by(LedgerEntryRow.occurred_at, LedgerEntryRow.id)
        )
        return [SellerMovement(r[0], r[1], Movement(r[2]), r[3], r[4]) for r in rows.all()]
