"""Outbox rows on SQL, mapped to and from the domain's OutboxMessage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy.tables import OutboxRow
from tailtribe.domain.model.outbox import OutboxMessage, OutboxStatus
from tailtribe.domain.ports.storage import Page


def _to_domain(row: OutboxRow) -> OutboxMessage:
    return OutboxMessage(
        id=row.id,
        topic=row.topic,
        payload=dict(row.payload),
        created_at=row.created_at,
        available_at=row.available_at,
        status=OutboxStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        sent_at=row.sent_at,
    )


def _fill(row: OutboxRow, message: OutboxMessage) -> OutboxRow:
    row.topic = message.topic
    row.payload = message.payload
    row.created_at = message.created_at
    row.available_at = message.available_at
    row.status = message.status.value
    row.attempts = message.attempts
    row.last_error = message.last_error
    row.sent_at = message.sent_at
    return row


class SqlOutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, message: OutboxMessage) -> None:
        self._session.add(_fill(OutboxRow(id=message.id), message))

    async def due(self, now: datetime, limit: int) -> Sequence[OutboxMessage]:
        stmt = (
            select(OutboxRow)
            .where(OutboxRow.status == OutboxStatus.PENDING.value, OutboxRow.available_at <= now)
            .order_by(OutboxRow.available_at, OutboxRow.id)
            .limit(limit)
            # Several relays never take the same rows (SQLite serializes anyway).
            .with_for_update(skip_locked=True)
        )
        return [_to_domain(row) for row in (await self._session.scalars(stmt)).all()]

    async def get(self, message_id: UUID) -> OutboxMessage | None:
        stmt = select(OutboxRow).where(OutboxRow.id == message_id).with_for_update()
        row = await self._session.scalar(stmt)
        return None if row is None else _to_domain(row)

    async def list(
        self, status: OutboxStatus | None, limit: int, offset: int
    ) -> Page[OutboxMessage]:
        where = () if status is None else (OutboxRow.status == status.value,)
        total = await self._session.scalar(
            select(func.count()).select_from(OutboxRow).where(*where)
        )
        rows = await self._session.scalars(
            select(OutboxRow)
            .where(*where)
            .order_by(OutboxRow.created_at.desc(), OutboxRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return Page([_to_domain(row) for row in rows.all()], total or 0)

    async def save(self, message: OutboxMessage) -> None:
        row = await self._session.get(OutboxRow, message.id)
        if row is None:
            await self.add(message)
        else:
            _fill(row, message)
