from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from tailtribe.domain.model.outbox import OutboxMessage


class OutboxMessageOut(msgspec.Struct):
    """No payload: it may carry the id a sign-in link is derived from."""

    id: UUID
    topic: str
    status: str
    attempts: int
    last_error: str | None
    user_id: str | None
    created_at: datetime
    available_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, m: OutboxMessage) -> OutboxMessageOut:
        user_id = m.payload.get("user_id")
        return cls(
            m.id,
            m.topic,
            m.status.value,
            m.attempts,
            m.last_error,
            user_id if isinstance(user_id, str) else None,
            m.created_at,
            m.available_at,
            m.sent_at,
        )


class OutboxList(msgspec.Struct):
    items: list[OutboxMessageOut]
    total: int
    limit: int
    offset: int
