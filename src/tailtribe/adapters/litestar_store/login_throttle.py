"""Failed logins per account, counted in a Litestar store (Redis or memory).

A fixed window: the first failure opens it, `limit` failures close the
account to logins until the window ends.
"""

from __future__ import annotations

from litestar.stores.base import Store


class StoreLoginThrottle:
    def __init__(self, store: Store, limit: int, window_seconds: int = 15 * 60) -> None:
        self._store = store
        self._limit = limit
        self._window = window_seconds

    async def retry_after(self, key: str) -> int | None:
        raw = await self._store.get(key)
        if raw is None or int(raw) < self._limit:
            return None
        return await self._store.expires_in(key) or self._window

    async def record_failure(self, key: str) -> None:
        raw = await self._store.get(key)
        count = 0 if raw is None else int(raw)
        remaining = await self._store.expires_in(key) if raw is not None else None
        # Keep the window's end where the first failure put it.
        await self._store.set(key, str(count + 1), expires_in=remaining or self._window)

    async def reset(self, key: str) -> None:
        await self._store.delete(key)
