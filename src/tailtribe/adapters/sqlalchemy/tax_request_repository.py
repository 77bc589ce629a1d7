"""When caregivers were asked for their DAC7 details and reminded, on SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import and_, delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import ColumnElement

from tailtribe.adapters.sqlalchemy.tables import CaregiverRow, TaxDetailsRow, TaxRequestRow
from tailtribe.domain.model.caregivers import CaregiverStatus
from tailtribe.domain.model.tax_requests import (
    FIRST_REMINDER_AFTER,
    SECOND_REMINDER_AFTER,
    WITHHOLD_AFTER,
    TaxDetailsRequest,
)

_FIELDS = ("requested_at", "first_reminder_at", "second_reminder_at", "withheld_notice_at")


def _missing(caregiver_id: InstrumentedAttribute[UUID]) -> ColumnElement[bool]:
    return ~exists().where(TaxDetailsRow.caregiver_id == caregiver_id)


class SqlTaxRequestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, caregiver_id: UUID, *, lock: bool = False) -> TaxDetailsRequest | None:
        stmt = select(TaxRequestRow).where(TaxRequestRow.caregiver_id == caregiver_id)
        if lock:
            stmt = stmt.with_for_update()
        row = await self._session.scalar(stmt)
        if row is None:
            return None
        return TaxDetailsRequest(
            caregiver_id=row.caregiver_id, **{f: getattr(row, f) for f in _FIELDS}
        )

    async def add(self, request: TaxDetailsRequest) -> None:
        self._session.add(
            TaxRequestRow(
                caregiver_id=request.caregiver_id, **{f: getattr(request, f) for f in _FIELDS}
            )
        )
        await self._session.flush()

    async def save(self, request: TaxDetailsRequest) -> None:
        row = await self._session.get(TaxRequestRow, request.caregiver_id)
        if row is None:
            await self.add(request)
            return
        for f in _FIELDS:
            setattr(row, f, getattr(request, f))
        await self._session.flush()

    async def delete(self, caregiver_id: UUID) -> None:
        await self._session.execute(
            delete(TaxRequestRow).where(TaxRequestRow.caregiver_id == caregiver_id)
        )

    async def unrequested(self, limit: int) -> Sequence[UUID]:
        stmt = (
            select(CaregiverRow.id)
            .where(
                CaregiverRow.status == CaregiverStatus.APPROVED.value,
                ~exists().where(TaxRequestRow.caregiver_id == CaregiverRow.id),
                _missing(CaregiverRow.id),
            )
            .order_by(CaregiverRow.id)
            .limit(limit)
        )
        return list((await self._session.scalars(stmt)).all())

    async def due(self, now: datetime, limit: int) -> Sequence[UUID]:
        # The rule itself is TaxDetailsRequest.next_step; this finds its candidates.
        r = TaxRequestRow
        stmt = (
            select(r.caregiver_id)
            .where(
                _missing(r.caregiver_id),
                or_(
                    and_(
                        r.first_reminder_at.is_(None),
                        r.requested_at <= now - FIRST_REMINDER_AFTER,
                    ),
                    and_(
                        r.first_reminder_at.is_not(None),
                        r.second_reminder_at.is_(None),
                        r.requested_at <= now - SECOND_REMINDER_AFTER,
                    ),
                    and_(
                        r.second_reminder_at.is_not(None),
                        r.second_reminder_at <= now,
                        r.withheld_notice_at.is_(None),
                        r.requested_at <= now - WITHHOLD_AFTER,
                    ),
                ),
            )
            .order_by(r.requested_at, r.caregiver_id)
            .limit(limit)
        )
        return list((await self._session.scalars(stmt)).all())
