"""The admin audit trail on SQL: rows are added and read, never changed."""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy.mapping import RowMapper
from tailtribe.adapters.sqlalchemy.tables import AdminAuditRow
from tailtribe.domain.model.audit import AuditCursor, AuditEntry, AuditFilter
from tailtribe.domain.ports.storage import AuditPage

AUDIT_ROW = RowMapper(AuditEntry)


class SqlAuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, entry: AuditEntry) -> None:
        self._session.add(AUDIT_ROW.dump(entry, AdminAuditRow()))
        await self._session.flush()

    async def list(self, criteria: AuditFilter, limit: int, after: AuditCursor | None) -> AuditPage:
        row = AdminAuditRow
        where = []
        if criteria.actor_id is not None:
            where.append(row.actor_id == criteria.actor_id)
        if criteria.object_type is not None:
            where.append(row.object_type == criteria.object_type)
        if criteria.object_id is not None:
            where.append(row.object_id == criteria.object_id)
        if criteria.action is not None:
            where.append(row.action == criteria.action.value)
        if criteria.since is not None:
            where.append(row.at >= criteria.since)
        if criteria.until is not None:
            where.append(row.at < criteria.until)
        if after is not None:
            where.append(or_(row.at < after.at, and_(row.at == after.at, row.id < after.id)))
        # One more than asked: whether a next page exists, without counting.
        rows = (
            await self._session.scalars(
                select(row).where(*where).order_by(row.at.desc(), row.id.desc()).limit(limit + 1)
            )
        ).all()
        items = [AUDIT_ROW.load(r) for r in rows[:limit]]
        more = len(rows) > limit
        return AuditPage(items, AuditCursor(items[-1].at, items[-1].id) if more else None)
