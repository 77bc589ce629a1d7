"""The attempt-counting port (failed logins, requested emails, message sends):
memory and Redis count, refuse and forget alike."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from tailtribe.adapters.memory.login_throttle import MemoryLoginThrottle
from tailtribe.adapters.redis.login_throttle import RedisLoginThrottle
from tailtribe.domain.ports.limits import LoginThrottle
from tests.conftest import REDIS_URL
from tests.contract.test_cache import Expirer
from tests.fakes.clock import FixedClock

LIMIT = 3


@pytest.fixture(params=["memory", "redis"])
async def throttle(request: pytest.FixtureRequest) -> AsyncIterator[tuple[LoginThrottle, Expirer]]:
    """A limit of 3 attempts in a window of 1 second."""
    if request.param == "memory":
        clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
        yield MemoryLoginThrottle(clock, LIMIT, window_seconds=1), Expirer(clock)
        return
    client = Redis.from_url(REDIS_URL)
    name = f"test-{uuid.uuid4().hex}"
    yield RedisLoginThrottle(client, LIMIT, window_seconds=1, name=name), Expirer(None)
    await client.aclose()


async def test_attempts_past_the_limit_wait_for_the_window(
    throttle: tuple[LoginThrottle, Expirer],
) -> None:
    counter, time = throttle
    assert [await counter.attempt("a") for _ in range(LIMIT)] == [None] * LIMIT
    assert await counter.attempt("a") == 1  # seconds left, at least one
    assert await counter.attempt("b") is None  # keys are counted apart
    await time.wait(1.2)
    assert await counter.attempt("a") is None


async def test_reset_forgets_one_key(throttle: tuple[LoginThrottle, Expirer]) -> None:
    counter, _ = throttle
    for key in ("a", "a:device:1"):
        for _ in range(LIMIT + 1):
            await counter.attempt(key)
    await counter.reset("a")
    assert await counter.attempt("a") is None
    assert await counter.attempt("a:device:1") is not None
    await counter.reset("never seen")


async def test_a_burst_passes_the_limit_exactly(throttle: tuple[LoginThrottle, Expirer]) -> None:
    counter, _ = throttle
    answers = await asyncio.gather(*(counter.attempt("burst") for _ in range(10)))
    assert answers.count(None) == LIMIT
