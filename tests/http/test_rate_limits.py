"""The per-client limit counts every request exactly once, across routes and workers."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from pathlib import Path

import aiohttp
from redis.asyncio import Redis

from tests.conftest import REDIS_URL, empty_database
from tests.http.conftest import ClientFactory
from tests.http.test_live_delivery import api_process

PATHS = ["/api/v1/me", "/api/v1/pets", "/api/v1/bookings", f"/api/v1/caregivers/{uuid.uuid4()}"]


async def test_two_workers_on_one_redis_let_through_exactly_the_limit(
    pg_url: str, tmp_path: Path
) -> None:
    # Two served API processes on one Redis; one client sends 200 requests at
    # once to several routes of both. A count lost to a race (read the
    # client's history, write it back) lets more than the limit through.
    await (await empty_database(pg_url)).get_engine().dispose()
    redis = Redis.from_url(REDIS_URL)
    await redis.flushdb()
    await redis.aclose()
    limit = {"RATE_LIMIT_PER_MINUTE": "50", "CLIENT_IP_HEADER": "X-Forwarded-For"}
    async with (
        api_process(pg_url, tmp_path / "one", **limit) as one,
        api_process(pg_url, tmp_path / "two", **limit) as two,
        aiohttp.ClientSession() as http,
    ):
        client = {"X-Forwarded-For": "198.51.100.7"}

        async def status(i: int) -> int:
            base = (one, two)[i % 2]
            async with http.get(base + PATHS[i % len(PATHS)], headers=client) as answer:
                return answer.status

        statuses = Counter(await asyncio.gather(*(status(i) for i in range(200))))
        assert statuses[429] == 150, statuses
        async with http.get(one + "/api/v1/me", headers=client) as refused:
            assert refused.status == 429
            assert refused.content_type == "application/problem+json"
            assert 1 <= int(refused.headers["Retry-After"]) <= 60
            assert refused.headers["RateLimit-Remaining"] == "0"
        # Another client is counted apart.
        async with http.get(two + "/api/v1/me", headers={"X-Forwarded-For": "203.0.113.9"}) as a:
            assert a.status == 401


async def test_concurrent_requests_in_one_process_let_through_exactly_the_limit(
    pg_url: str, make_client: ClientFactory
) -> None:
    async with make_client(database_url=pg_url, rate_limit_per_minute=10) as client:
        answers = await asyncio.gather(*(client.get(PATHS[i % len(PATHS)]) for i in range(40)))
        assert Counter(a.status_code for a in answers)[429] == 30
