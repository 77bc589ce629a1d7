"""Security events on SQL: added, listed by user, purged by age."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy.mapping import RowMapper
from tailtribe.adapters.sqlalchemy.tables import SecurityEventRow
from tailtribe.domain.model.security import SecurityEvent, SecurityEventKind
from tailtribe.domain.ports.storage import Page

SECURITY_EVENT_ROW = RowMapper(SecurityEvent)


class SqlSecurityEventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, event: SecurityEvent) -> None:
        self._session.add(SECURITY_EVENT_ROW.dump(event, SecurityEventRow()))
        await self._session.flush()

    async def list_for(self, user_id: UUID, limit: int, offset: int) -> Page[SecurityEvent]:
        mine = SecurityEventRow.user_id == user_id
        total = await self._session.scalar(
            select(func.count()).select_from(SecurityEventRow).where(mine)
        )
        rows = await self._session.scalars(
            select(SecurityEventRow)
            .where(mine)
            # Ids are time-ordered: a tie on the instant keeps recording order.
            .order_by(SecurityEventRow.at.desc(), SecurityEventRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return Page([SECURITY_EVENT_ROW.load(r) for r in rows], total or 0)

    async def last_sign_in(self, user_id: UUID, client: str | None = None) -> datetime | None:
        stmt = select(func.max(SecurityEventRow.at)).where(
            SecurityEventRow.user_id == user_id,
            SecurityEventRow.kind == SecurityEventKind.SIGN_IN.value,
        )
        if client is not None:
            stmt = stmt.where(SecurityEventRow.client == client)
        last: datetime | None = await self._session.scalar(stmt)
        return last

    async def purge_before(self, cutoff: datetime, limit: int | None = None) -> int:
        old = SecurityEventRow.at < cutoff
        if limit is not None:  # a batch: any `limit` of them, no order needed
            batch = select(SecurityEventRow.id).where(old).limit(limit).scalar_subquery()
            old = SecurityEventRow.id.in_(batch)
        result = await self._session.execute(delete(SecurityEventRow).where(old))
        return int(getattr(result, "rowcount", 0) or 0)
