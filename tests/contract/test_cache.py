"""The cache port: memory and Redis give the same answers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from tailtribe.adapters.memory.cache import MemoryCache
from tailtribe.adapters.redis.cache import RedisCache
from tailtribe.domain.ports.storage import Cache
from tests.conftest import REDIS_URL
from tests.fakes.clock import FixedClock


class Expirer:
    """Lets time pass for whichever cache is under test."""

    def __init__(self, clock: FixedClock | None) -> None:
        self._clock = clock

    async def wait(self, seconds: float) -> None:
        if self._clock is None:
            await asyncio.sleep(seconds)
        else:
            self._clock.advance(timedelta(seconds=seconds))


@pytest.fixture(params=["memory", "redis"])
async def cache(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Cache, Expirer]]:
    if request.param == "memory":
        clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
        yield MemoryCache(clock), Expirer(clock)
        return
    client = Redis.from_url(REDIS_URL)
    yield RedisCache(client, prefix=f"test:{uuid.uuid4().hex}:"), Expirer(None)
    await client.aclose()


async def test_set_get_delete(cache: tuple[Cache, Expirer]) -> None:
    store, _ = cache
    assert await store.get("search:a") is None
    await store.set("search:a", b'{"items": []}', ttl_seconds=60)
    assert await store.get("search:a") == b'{"items": []}'
    await store.delete("search:a")
    assert await store.get("search:a") is None


async def test_values_expire(cache: tuple[Cache, Expirer]) -> None:
    store, time = cache
    await store.set("k", b"v", ttl_seconds=1)
    assert await store.get("k") == b"v"
    await time.wait(1.2)
    assert await store.get("k") is None


async def test_take_gives_a_value_once(cache: tuple[Cache, Expirer]) -> None:
    store, time = cache
    await store.set("state:1", b"pending", ttl_seconds=60)
    taken = await asyncio.gather(*(store.take("state:1") for _ in range(5)))
    assert sorted(taken, key=lambda v: v or b"") == [None, None, None, None, b"pending"]
    assert await store.get("state:1") is None
    await store.set("state:2", b"old", ttl_seconds=1)
    await time.wait(1.2)
    assert await store.take("state:2") is None
