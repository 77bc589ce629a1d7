"""Calendar feed rows in memory, on the memory unit of work's store."""

from __future__ import annotations

from uuid import UUID

from tailtribe.domain.model.calendar import CalendarFeed
from tests.fakes.repositories import MemoryStore


class MemoryCalendarFeedRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._rows = store.calendar_feeds

    async def get(self, user_id: UUID) -> CalendarFeed | None:
        return self._rows.get(user_id)

    async def put(self, feed: CalendarFeed) -> None:
        if any(f.token_hash == feed.token_hash for f in self._rows.values()):
            raise LookupError("token hash taken")  # the SQL unique constraint
        self._rows[feed.user_id] = feed

    async def remove(self, user_id: UUID) -> bool:
        return self._rows.pop(user_id, None) is not None
