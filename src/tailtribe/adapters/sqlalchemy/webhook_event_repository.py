from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy.tables import WebhookEventRow


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
