from __future__ import annotations

from tailtribe.domain.ports.time import Clock

SWEEP_AT = 10_000


class MemoryCache:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._items: dict[str, tuple[bytes, float]] = {}

    async def get(self, key: str) -> bytes | None:
        item = self._items.get(key)
        if item is None:
            return None
        value, expires = item
        if self._clock.now().timestamp() >= expires:
            del self._items[key]
            return None
        return value

    async def get_many(self, *keys: str) -> list[bytes | None]:
        return [await self.get(k) for k in keys]

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        now = self._clock.now().timestamp()
        if len(self._items) >= SWEEP_AT:
            # Keys nobody reads again (abandoned sign-ins) must not pile up.
            self._items = {k: v for k, v in self._items.items() if v[1] > now}
        self._items[key] = (value, now + ttl_seconds)

    async def delete(self, key: str) -> None:
        self._items.pop(key, None)

    async def take(self, key: str) -> bytes | None:
        value = await self.get(key)  # no await in between: atomic on one event loop
        self._items.pop(key, None)
        return value
