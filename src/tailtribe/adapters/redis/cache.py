from __future__ import annotations

from redis.asyncio import Redis


class RedisCache:
    def __init__(self, client: Redis, prefix: str = "tailtribe:cache:") -> None:
        self._client = client
        self._prefix = prefix

    async def get(self, key: str) -> bytes | None:
        value = await self._client.get(self._prefix + key)
        return value if isinstance(value, bytes) else None

    async def get_many(self, *keys: str) -> list[bytes | None]:
        values = await self._client.mget([self._prefix + k for k in keys])
        return [v if isinstance(v, bytes) else None for v in values]

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        await self._client.set(self._prefix + key, value, ex=ttl_seconds)

    async def delete(self, key: str) -> None:
        await self._client.delete(self._prefix + key)

    async def take(self, key: str) -> bytes | None:
        value = await self._client.getdel(self._prefix + key)  # atomic (Redis 6.2+)
        return value if isinstance(value, bytes) else None
