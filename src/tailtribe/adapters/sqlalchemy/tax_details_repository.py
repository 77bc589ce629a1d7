"""Caregivers' sealed DAC7 details on SQL: one row per caregiver."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy.tables import TaxDetailsRow
from tailtribe.domain.model.tax_details import SealedTaxDetails


class SqlTaxDetailsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, caregiver_id: UUID) -> SealedTaxDetails | None:
        row = await self._session.get(TaxDetailsRow, caregiver_id)
        if row is None:
            return None
        return SealedTaxDetails(row.caregiver_id, row.sealed, row.updated_at)

    async def save(self, details: SealedTaxDetails) -> None:
        row = await self._session.get(TaxDetailsRow, details.caregiver_id)
        if row is None:
            row = TaxDetailsRow(caregiver_id=details.caregiver_id)
            self._session.add(row)
        row.sealed, row.updated_at = details.sealed, details.updated_at
        await self._session.flush()

    async def delete(self, caregiver_id: UUID) -> None:
        await self._session.execute(
            delete(TaxDetailsRow).where(TaxDetailsRow.caregiver_id == caregiver_id)
        )
