"""Searches without a period are served from the cache as the caller encoded
them: the generation and the page in one read, never a page of an older generation."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from tailtribe.adapters.memory.cache import MemoryCache
from tailtribe.adapters.redis.cache import RedisCache
from tailtribe.domain.model.geo import BoundingBox
from tailtribe.domain.model.pricing import Service
from tailtribe.domain.model.reviews import Rating
from tailtribe.domain.ports.search import Candidate, SearchQuery
from tailtribe.domain.ports.storage import Cache, Page
from tailtribe.domain.services.caregivers.search import (
    GENERATION_KEY,
    SearchCaregivers,
    SearchHit,
    _fingerprint,
    invalidate_search,
)
from tests.conftest import REDIS_URL
from tests.fakes.clock import FixedClock

GENT = (51.05, 3.72)
QUERY = SearchQuery(Service.DOG_WALKING, *GENT, radius_km=5)


class Store:
    """Caregivers at Gent; counts the searches that reach it."""

    def __init__(self) -> None:
        self.calls = 0
        self.price = 1500

    async def candidates(self, query: SearchQuery, box: BoundingBox) -> Sequence[Candidate]:
        self.calls += 1
        return [
            Candidate(
                uuid.UUID(int=1),
                "Sofie",
                "Hondenoppas",
                "Gent",
                "9000",
                GENT[0],
                GENT[1],
                10,
                ("cat", "dog"),
                2,
                "flexible",
                self.price,
                Rating(4.5, 2),
            )
        ]

    async def available_page(
        self, query: SearchQuery, box: BoundingBox, at_owners_home: bool
    ) -> tuple[Sequence[Candidate], int] | None:
        return None

    async def locate_postcode(self, postcode: str) -> tuple[float, float] | None:
        return GENT if postcode == "9000" else None


def render(page: Page[SearchHit]) -> bytes:
    return json.dumps(
        {
            "items": [
                [str(h.caregiver.id), h.caregiver.price_cents, h.distance_km] for h in page.items
            ],
            "total": page.total,
        }
    ).encode()


@pytest.fixture(params=["memory", "redis"])
async def cache(request: pytest.FixtureRequest) -> AsyncIterator[Cache]:
    if request.param == "memory":
        yield MemoryCache(FixedClock(datetime(2026, 1, 1, tzinfo=UTC)))
        return
    client = Redis.from_url(REDIS_URL)
    yield RedisCache(client, prefix=f"test:{uuid.uuid4().hex}:")
    await client.aclose()


async def test_a_hit_is_the_miss_byte_for_byte(cache: Cache) -> None:
    store = Store()
    search = SearchCaregivers(store, cache)
    miss = await search.rendered(QUERY, render)
    hit = await search.rendered(QUERY, render)
    assert store.calls == 1 and hit == miss == render(await search._search(QUERY))
    assert await search.rendered_at_postcode(QUERY, "9000", render) == miss
    assert store.calls == 2  # the postcode's point is the same query: the _search above


async def test_a_new_generation_is_never_served_an_older_page(cache: Cache) -> None:
    store = Store()
    search = SearchCaregivers(store, cache)
    before = await search.rendered(QUERY, render)
    store.price = 2000  # an edited profile
    await invalidate_search(cache)
    after = await search.rendered(QUERY, render)
    assert store.calls == 2 and after != before and b"2000" in after
    assert await search.rendered(QUERY, render) == after and store.calls == 2


async def test_a_page_stored_late_by_an_older_generation_is_not_served(cache: Cache) -> None:
    store = Store()
    search = SearchCaregivers(store, cache)
    generation = await cache.get(GENERATION_KEY) or b"0"
    await invalidate_search(cache)
    # A search that read the generation before the bump stores its page after it.
    key = f"search:rendered:{_fingerprint(QUERY)}"
    await cache.set(key, generation + b"\n" + b"stale", 10)
    fresh = await search.rendered(QUERY, render)
    assert fresh != b"stale" and store.calls == 1


async def test_periods_are_never_cached(cache: Cache) -> None:
    store = Store()
    search = SearchCaregivers(store, cache)
    start = datetime(2027, 6, 7, 8, 0, tzinfo=UTC)
    q = replace(QUERY, start=start, end=start + timedelta(hours=1))
    await search.rendered(q, render)
    await search.rendered(q, render)
    assert store.calls == 2


async def test_get_many_reads_values_in_order(cache: Cache) -> None:
    await cache.set("a", b"1", 60)
    await cache.set("c", b"3", 60)
    assert await cache.get_many("a", "b", "c") == [b"1", None, b"3"]
