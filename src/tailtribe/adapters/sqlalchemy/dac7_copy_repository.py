"""Which sellers were sent their copy of a year's DAC7 figures, on SQL."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy.tables import Dac7CopyRow


class SqlDac7CopyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def sent(self, year: int) -> set[UUID]:
        rows = await self._session.scalars(
            select(Dac7CopyRow.caregiver_id).where(Dac7CopyRow.year == year)
        )
        return set(rows)

    async def add(self, caregiver_id: UUID, year: int, at: datetime) -> None:
        # The primary key refuses a second copy: the flush raises, the transaction
        # (and the email queued in it) rolls back.
        self._session.add(Dac7CopyRow(caregiver_id=caregiver_id, year=year, sent_at=at))
        await self._session.flush()
