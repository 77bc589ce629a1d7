"""Operational counts for monitoring: what /metrics exposes besides the
request counters, read from the database at scrape time."""

from __future__ import annotations

from tailtribe.domain.ports.monitoring import OperationsSnapshot, OperationsStore
from tailtribe.domain.ports.time import Clock


class ReadOperations:
    def __init__(self, store: OperationsStore, clock: Clock) -> None:
        self._store, self._clock = store, clock

    async def __call__(self) -> OperationsSnapshot:
        return await self._store.snapshot(self._clock.now())
