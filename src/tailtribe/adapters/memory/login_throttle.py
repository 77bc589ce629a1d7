"""Login attempts per account in this process (the embedded mode has one)."""

from __future__ import annotations

from datetime import datetime, timedelta

from tailtribe.domain.ports.time import Clock


class MemoryLoginThrottle:
    def __init__(self, clock: Clock, limit: int, window_seconds: int = 15 * 60) -> None:
        self._clock = clock
        self._limit = limit
        self._window = timedelta(seconds=window_seconds)
        self._attempts: dict[str, tuple[int, datetime]] = {}

    async def attempt(self, key: str) -> int | None:
        # No await between read and write: atomic on the event loop.
        now = self._clock.now()
        count, ends = self._attempts.get(key, (0, now + self._window))
        if ends <= now:
            count, ends = 0, now + self._window
        self._attempts[key] = (count + 1, ends)
        if count + 1 > self._limit:
            return max(1, int((ends - now).total_seconds()))
        return None

    async def reset(self, key: str) -> None:
        self._attempts.pop(key, None)
