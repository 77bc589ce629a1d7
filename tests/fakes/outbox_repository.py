from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from tailtribe.domain.model.outbox import OutboxMessage, OutboxStatus
from tailtribe.domain.ports.storage import Page


class MemoryOutboxRepository:
    """Stores copies, as a database would: changes need `save`."""

    def __init__(self, rows: dict[UUID, OutboxMessage] | None = None) -> None:
        self.rows: dict[UUID, OutboxMessage] = {} if rows is None else rows

    async def add(self, message: OutboxMessage) -> None:
        if message.id in self.rows:
            raise ValueError(f"outbox message {message.id} exists")
        self.rows[message.id] = copy.deepcopy(message)

    async def due(self, now: datetime, limit: int) -> Sequence[OutboxMessage]:
        pending = [
            m
            for m in self.rows.values()
            if m.status is OutboxStatus.PENDING and m.available_at <= now
        ]
        pending.sort(key=lambda m: (m.available_at, m.id))
        return [copy.deepcopy(m) for m in pending[:limit]]

    async def get(self, message_id: UUID) -> OutboxMessage | None:
        found = self.rows.get(message_id)
        return None if found is None else copy.deepcopy(found)

    async def list(
        self, status: OutboxStatus | None, limit: int, offset: int
    ) -> Page[OutboxMessage]:
        rows = [m for m in self.rows.values() if status is None or m.status is status]
        rows.sort(key=lambda m: (m.created_at, m.id), reverse=True)
        return Page([copy.deepcopy(m) for m in rows[offset : offset + limit]], len(rows))

    async def save(self, message: OutboxMessage) -> None:
        self.rows[message.id] = copy.deepcopy(message)
