"""Outbox rows on SQL, mapped to and from the domain's OutboxMessage."""

from __future__ import annotations

import typing
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Table, func, insert, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy.mapping import Codec, RowMapper
from tailtribe.adapters.sqlalchemy.tables import OutboxRow
from tailtribe.domain.model.outbox import OutboxMessage, OutboxStatus
from tailtribe.domain.ports.storage import Page

# The payload is a JSON column; read back as a dict of its own.
_PAYLOAD: Codec[dict[str, Any]] = Codec(lambda payload: payload, dict)
OUTBOX_ROW = RowMapper(OutboxMessage, codecs={dict[str, Any]: _PAYLOAD})
_TABLE = typing.cast(Table, OutboxRow.__table__)
_COLUMNS = inspect(OutboxRow).column_attrs


def _to_domain(row: OutboxRow) -> OutboxMessage:
    return OUTBOX_ROW.load(row)


def _fill(row: OutboxRow, message: OutboxMessage) -> OutboxRow:
    return typing.cast(OutboxRow, OUTBOX_ROW.dump(message, row))


class SqlOutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, message: OutboxMessage) -> None:
        # A plain INSERT now rather than an entity flushed at commit: the row
        # is new and written once, and the ORM's flush only costs CPU.
        row = _fill(OutboxRow(id=message.id), message)
        values = {c.columns[0].name: getattr(row, c.key) for c in _COLUMNS if c.key in row.__dict__}
        await self._session.execute(insert(_TABLE), values)

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
