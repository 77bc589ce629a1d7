"""Attempts per key in a fixed window, in Redis: counted atomically, across
API processes (login failures per account, messages sent per user)."""

from __future__ import annotations

from redis.asyncio import Redis


class RedisLoginThrottle:
    def __init__(
        self,
        client: Redis,
        limit: int,
        window_seconds: int = 15 * 60,
        name: str = "login-attempts",
    ) -> None:
        self._client = client
        self._limit = limit
        self._window = window_seconds
        self._name = name

    def _key(self, key: str) -> str:
        return f"tailtribe:{self._name}:{key}"

    async def attempt(self, key: str) -> int | None:
        name = self._key(key)
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, self._window, nx=True)  # the window starts at the first attempt
            pipe.ttl(name)
            count, _, ttl = await pipe.execute()
        if int(count) > self._limit:
            return max(1, int(ttl))
        return None

    async def reset(self, key: str) -> None:
        await self._client.delete(self._key(key))
