from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy.tables import WebhookEventRow
from tailtribe.domain.ports.storage import FailedPaymentEvent, Page


class SqlWebhookEventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_if_new(self, event_id: str, event_type: str, payload: str, now: datetime) -> bool:
        # ON CONFLICT DO NOTHING: a concurrent delivery of the same id waits for
        # the first transaction and then inserts nothing, with no error to recover from.
        insert = pg_insert if self._session.bind.dialect.name == "postgresql" else sqlite_insert
        stmt = (
            insert(WebhookEventRow)
            .values(id=event_id, type=event_type, payload=payload, received_at=now)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        result = await self._session.execute(stmt)
        return bool(getattr(result, "rowcount", 0) == 1)

    async def mark_processed(self, event_id: str, now: datetime) -> None:
        await self._session.execute(
            update(WebhookEventRow).where(WebhookEventRow.id == event_id).values(processed_at=now)
        )

    async def unprocessed(self, event_id: str) -> str | None:
        row = await self._session.scalar(
            select(WebhookEventRow.payload)
            .where(WebhookEventRow.id == event_id, WebhookEventRow.processed_at.is_(None))
            .with_for_update()
        )
        return row

    async def pending(
        self, received_before: datetime, max_attempts: int, limit: int
    ) -> Sequence[str]:
        rows = await self._session.scalars(
            select(WebhookEventRow.id)
            .where(
                WebhookEventRow.processed_at.is_(None),
                WebhookEventRow.received_at < received_before,
                WebhookEventRow.attempts < max_attempts,
            )
            .order_by(WebhookEventRow.received_at)
            .limit(limit)
        )
        return list(rows)

    async def mark_failed(self, event_id: str, error: str) -> None:
        await self._session.execute(
            update(WebhookEventRow)
            .where(WebhookEventRow.id == event_id)
            .values(attempts=WebhookEventRow.attempts + 1, last_error=error[:2000])
        )

    async def failed(self, limit: int, offset: int) -> Page[FailedPaymentEvent]:
        row = WebhookEventRow
        where = (row.processed_at.is_(None), row.attempts > 0)
        total = await self._session.scalar(select(func.count()).select_from(row).where(*where))
        rows = await self._session.scalars(
            select(row).where(*where).order_by(row.received_at, row.id).limit(limit).offset(offset)
        )
        items = [
            FailedPaymentEvent(r.id, r.type, r.received_at, r.attempts, r.last_error)
            for r in rows.all()
        ]
        return Page(items, total or 0)

    async def of_kind(self, kind: str, limit: int) -> Sequence[str]:
        rows = await self._session.scalars(
            select(WebhookEventRow.payload)
            .where(WebhookEventRow.type == kind, WebhookEventRow.processed_at.is_not(None))
            .order_by(WebhookEventRow.received_at.desc(), WebhookEventRow.id.desc())
            .limit(limit)
        )
        return list(rows)
