from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy import row_locks
from tailtribe.adapters.sqlalchemy.mapping import RowMapper
from tailtribe.adapters.sqlalchemy.tables import DataExportRow, UserRow
from tailtribe.domain.model.exports import DataExport, ExportStatus

EXPORT_ROW = RowMapper(DataExport, derived={"object_key": lambda e: e.object_key})


class SqlDataExportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, export: DataExport) -> None:
        self._session.add(EXPORT_ROW.dump(export, DataExportRow()))
        await self._session.flush()

    async def get(self, export_id: UUID) -> DataExport | None:
        row = await self._session.scalar(
            select(DataExportRow).where(DataExportRow.id == export_id).with_for_update()
        )
        return None if row is None else EXPORT_ROW.load(row)

    async def lock_user(self, user_id: UUID) -> None:
        # The account row, as pets do: NO KEY UPDATE holds up only other
        # writers of the account, not rows that reference it.
        if row_locks.held(self._session, UserRow.__tablename__, user_id):
            return
        await self._session.execute(
            select(UserRow.id).where(UserRow.id == user_id).with_for_update(key_share=True)
        )
        row_locks.remember(self._session, UserRow.__tablename__, user_id)

    async def of_user(self, user_id: UUID) -> Sequence[DataExport]:
        rows = await self._session.scalars(
            select(DataExportRow)
            .where(DataExportRow.user_id == user_id)
            .order_by(DataExportRow.requested_at.desc(), DataExportRow.id.desc())
        )
        return [EXPORT_ROW.load(r) for r in rows]

    async def pending(self, limit: int) -> Sequence[UUID]:
        return await self._ids(DataExportRow.status == ExportStatus.PENDING.value, limit)

    async def expiring(self, now: datetime, limit: int) -> Sequence[UUID]:
        return await self._ids(
            (DataExportRow.status == ExportStatus.READY.value) & (DataExportRow.expires_at <= now),
            limit,
        )

    async def _ids(self, where: object, limit: int) -> Sequence[UUID]:
        ids = await self._session.scalars(
            select(DataExportRow.id)
            .where(where)  # type: ignore[arg-type]
            .order_by(DataExportRow.requested_at, DataExportRow.id)
            .limit(limit)
        )
        return list(ids)

    async def save(self, export: DataExport) -> None:
        row = await self._session.get(DataExportRow, export.id)
        if row is None:
            raise LookupError(f"export {export.id} is not stored")
        EXPORT_ROW.dump(export, row)
