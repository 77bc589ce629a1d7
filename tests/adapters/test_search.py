"""Search on SQLite and PostgreSQL against a brute-force computation over every caregiver."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any, cast
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailtribe.adapters.memory.cache import MemoryCache
from tailtribe.adapters.sqlalchemy.search_store import (
    LazySqlCaregiverSearchStore,
    SqlCaregiverSearchStore,
)
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.domain.model.availability import Availability, BlockedPeriod, WeeklyWindow
from tailtribe.domain.model.bookings import Booking
from tailtribe.domain.model.caregivers import Caregiver, CaregiverStatus, ProfileDetails
from tailtribe.domain.model.geo import BoundingBox
from tailtribe.domain.model.pets import Pet, PetDetails, Species
from tailtribe.domain.model.pricing import Quote, Service, ServicePrice
from tailtribe.domain.ports.search import Candidate, SearchQuery, Sort
from tailtribe.domain.ports.storage import Page
from tailtribe.domain.services.caregivers.search import SearchCaregivers, SearchHit
from tests.conftest import SQL_BACKENDS, empty_database, sql_url
from tests.factories import booking_request, user
from tests.fakes.clock import FixedClock

BRUSSELS = ZoneInfo("Europe/Brussels")
CENTRE = (50.8467, 4.3525)
COUNT = 300
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Written again here on purpose: the test must not trust the code it checks."""
    r = 6371.0088
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * r * math.asin(math.sqrt(a))


async def _seed(
    url: str,
) -> tuple[
    Any, list[Caregiver], dict[Any, list[tuple[datetime, datetime]]], dict[Any, list[Booking]]
]:
    rng = random.Random(7)
    config = await empty_database(url)
    factory = config.create_session_maker()
    owner = user("O", NOW, email="o@example.be")
    pets = [Pet(uuid4(), owner.id, PetDetails(f"Rex {n}", Species.DOG), NOW) for n in range(3)]
    pet = pets[0]
    caregivers: list[Caregiver] = []
    booked: dict[Any, list[tuple[datetime, datetime]]] = {}
    stays: dict[Any, list[Booking]] = {}
    async with SqlUnitOfWork(factory) as uow:
        await uow.users.add(owner)
        for p in pets:
            await uow.pets.add(p)
        for i in range(COUNT):
            carer = user(f"C{i}", NOW, email=f"c{i}@example.be")
            await uow.users.add(carer)
            c = Caregiver(
                id=uuid4(),
                user_id=carer.id,
                profile=ProfileDetails(
                    display_name=f"Carer {i} "
                    + rng.choice(["Hondenwandelaar", "Kattenoppas", "Dog walker"]),
                    bio="b" * 60,
                    postcode="1000",
                    latitude=CENTRE[0] + rng.uniform(-0.3, 0.3),
                    longitude=CENTRE[1] + rng.uniform(-0.45, 0.45),
                    service_radius_km=rng.choice([5, 10, 25]),
                    accepted_species=frozenset(
                        rng.sample([Species.DOG, Species.CAT, Species.BIRD], rng.randint(1, 3))
                    ),
                    max_pets=rng.randint(1, 3),
                ),
                services=(
                    ServicePrice(Service.DOG_WALKING, rng.randrange(800, 3000, 100)),
                    ServicePrice(Service.BOARDING, rng.randrange(2000, 5000, 100)),
                ),
                status=rng.choice([CaregiverStatus.APPROVED] * 4 + [CaregiverStatus.SUSPENDED]),
                availability=Availability(
                    weekly=tuple(
                        WeeklyWindow(d, time(rng.choice([7, 9, 11])), time(rng.choice([15, 18])))
                        for d in range(7)
                        if rng.random() < 0.8
                    ),
                    # A holiday on some calendars, in the middle of the searched week.
                    blocked=(
                        (BlockedPeriod(_at(rng.randint(8, 12), rng.choice([6, 12])), _at(13, 0)),)
                        if rng.random() < 0.15
                        else ()
                    ),
                ),
                created_at=NOW,
            )
            await uow.caregivers.add(c)
            caregivers.append(c)
            if rng.random() < 0.3:  # an existing walk on Monday morning
                start = datetime(2027, 3, 8, 10, 0, tzinfo=BRUSSELS) + timedelta(
                    minutes=rng.choice([0, 30, 90])
                )
                b = booking_request(owner.id, c.id, (pet.id,), start, now=NOW)
                await uow.bookings.add(b)
                booked[c.id] = [(b.start, b.end)]
            for _ in range(rng.choice([0, 0, 1, 2])):  # pets already boarding this week
                start = _at(rng.randint(7, 11), 18)
                stay = booking_request(
                    owner.id,
                    c.id,
                    tuple(p.id for p in pets[: rng.randint(1, 2)]),
                    start,
                    now=NOW,
                    hours=24 * rng.randint(1, 3) - 8,  # out by late afternoon
                    service=Service.BOARDING,
                    price=Quote(1, 3000, 600, 2400),
                )
                await uow.bookings.add(stay)
                stays.setdefault(c.id, []).append(stay)
        await uow.commit()
    return config, caregivers, booked, stays


async def _search(config: Any, q: SearchQuery) -> Page[SearchHit]:
    async with config.create_session_maker()() as session:
        return await SearchCaregivers(
            SqlCaregiverSearchStore(session), MemoryCache(FixedClock(NOW))
        )(q)


def _at(day: int, hour: int) -> datetime:
    return datetime(2027, 3, day, hour, 0, tzinfo=BRUSSELS)


def brute_force(
    q: SearchQuery, caregivers: list[Caregiver], booked: dict[Any, list[tuple[datetime, datetime]]]
) -> list[Any]:
    hits = []
    for c in caregivers:
        if (
            c.status is not CaregiverStatus.APPROVED
            or c.profile.latitude is None
            or c.profile.longitude is None
        ):
            continue
        price = c.services[0].price_cents
        d = haversine(q.latitude, q.longitude, c.profile.latitude, c.profile.longitude)
        if d > q.radius_km or d > c.profile.service_radius_km:
            continue
        if q.species is not None and q.species not in c.profile.accepted_species:
            continue
        if q.max_price_cents is not None and price > q.max_price_cents:
            continue
        if q.start is not None and q.end is not None:
            ls, le = q.start.astimezone(BRUSSELS), q.end.astimezone(BRUSSELS)
            if not any(
                w.weekday == ls.weekday() and w.start <= ls.time() and le.time() <= w.end
                for w in c.availability.weekly
            ):
                continue
            if any(s < q.end and q.start < e for s, e in booked.get(c.id, [])):
                continue
            if any(b.start < q.end and q.start < b.end for b in c.availability.blocked):
                continue
        hits.append((d, price, c.id))
    if q.sort is Sort.PRICE:
        hits.sort(key=lambda h: (h[1], h[0]))
    else:
        hits.sort(key=lambda h: (h[0], h[1]))
    return [h[2] for h in hits]


@pytest.mark.parametrize("backend", SQL_BACKENDS)
async def test_search_matches_brute_force(request: pytest.FixtureRequest, backend: str) -> None:
    config, caregivers, booked, _ = await _seed(sql_url(request, backend))
    rng = random.Random(11)
    try:
        for _ in range(25):
            start = datetime(
                2027, 3, 8, rng.choice([8, 10, 12, 14]), rng.choice([0, 30]), tzinfo=BRUSSELS
            )
            with_period = rng.random() < 0.7
            q = SearchQuery(
                service=Service.DOG_WALKING,
                latitude=CENTRE[0] + rng.uniform(-0.1, 0.1),
                longitude=CENTRE[1] + rng.uniform(-0.1, 0.1),
                radius_km=rng.choice([3, 8, 15, 30]),
                start=start if with_period else None,
                end=start + timedelta(hours=1) if with_period else None,
                species=rng.choice([None, Species.DOG, Species.CAT]),
                max_price_cents=rng.choice([None, 1500, 2500]),
                sort=rng.choice([Sort.DISTANCE, Sort.PRICE]),
                limit=100,
            )
            page = await _search(config, q)
            expected = brute_force(q, caregivers, booked)
            assert [h.caregiver.id for h in page.items] == expected[: q.limit], q
            assert page.total == len(expected)
    finally:
        await config.get_engine().dispose()


def brute_force_boarding(
    q: SearchQuery, caregivers: list[Caregiver], stays: dict[Any, list[Booking]]
) -> list[Any]:
    """Boarding is at the caregiver's home: the owner's radius only; drop-off and
    pick-up each inside a window of their day; no blocked period; and the pets
    hosted at any instant, with these, within max_pets."""
    assert q.start is not None and q.end is not None
    ls, le = q.start.astimezone(BRUSSELS), q.end.astimezone(BRUSSELS)
    hits = []
    for c in caregivers:
        if (
            c.status is not CaregiverStatus.APPROVED
            or c.profile.latitude is None
            or c.profile.longitude is None
        ):
            continue
        if c.profile.max_pets < q.pets:
            continue
        d = haversine(q.latitude, q.longitude, c.profile.latitude, c.profile.longitude)
        if d > q.radius_km:
            continue
        if not all(
            any(
                w.weekday == t.weekday() and w.start <= t.time() <= w.end
                for w in c.availability.weekly
            )
            for t in (ls, le)
        ):
            continue
        if any(b.start < q.end and q.start < b.end for b in c.availability.blocked):
            continue
        others = [b for b in stays.get(c.id, []) if b.start < q.end and q.start < b.end]
        instants = {q.start} | {b.start for b in others if q.start < b.start < q.end}
        peak = max(sum(len(b.pet_ids) for b in others if b.start <= t < b.end) for t in instants)
        if peak + q.pets > c.profile.max_pets:
            continue
        hits.append((d, c.services[1].price_cents, c.id))
    hits.sort(key=lambda h: (h[0], h[1]))
    return [h[2] for h in hits]


@pytest.mark.parametrize("backend", SQL_BACKENDS)
async def test_boarding_search_matches_brute_force(
    request: pytest.FixtureRequest, backend: str
) -> None:
    """Multi-day periods: windows on two days, holidays and hosted capacity."""
    config, caregivers, _, stays = await _seed(sql_url(request, backend))
    rng = random.Random(13)
    found = 0
    try:
        for _ in range(25):
            start = _at(rng.randint(7, 11), rng.choice([8, 12, 17]))
            q = SearchQuery(
                service=Service.BOARDING,
                latitude=CENTRE[0] + rng.uniform(-0.1, 0.1),
                longitude=CENTRE[1] + rng.uniform(-0.1, 0.1),
                radius_km=rng.choice([5, 15, 30]),
                start=start,
                end=start + timedelta(days=rng.randint(1, 3), hours=rng.choice([-7, -5, 0])),
                pets=rng.randint(1, 2),
                limit=100,
            )
            page = await _search(config, q)
            expected = brute_force_boarding(q, caregivers, stays)
            assert [h.caregiver.id for h in page.items] == expected[: q.limit], q
            assert page.total == len(expected)
            found += len(expected)
        assert found > 0  # the scenario finds someone, so the filters are exercised
    finally:
        await config.get_engine().dispose()


class CountingStore(SqlCaregiverSearchStore):
    calls = 0

    async def candidates(self, query: SearchQuery, box: BoundingBox) -> Sequence[Candidate]:
        CountingStore.calls += 1
        return await super().candidates(query, box)


@pytest.mark.parametrize("backend", SQL_BACKENDS)
async def test_a_cached_search_gives_the_same_page(
    request: pytest.FixtureRequest, backend: str
) -> None:
    config, *_ = await _seed(sql_url(request, backend))
    cache = MemoryCache(FixedClock(NOW))
    CountingStore.calls = 0
    q = SearchQuery(Service.DOG_WALKING, CENTRE[0], CENTRE[1], radius_km=20, sort=Sort.RATING)
    try:
        pages = []
        for _ in range(2):
            async with config.create_session_maker()() as session:
                pages.append(await SearchCaregivers(CountingStore(session), cache)(q))
        assert CountingStore.calls == 1  # the second page came from the cache
        assert pages[0].total > 0 and pages[1] == pages[0]
    finally:
        await config.get_engine().dispose()


@pytest.mark.parametrize("backend", SQL_BACKENDS)
async def test_the_lazy_store_opens_a_session_only_when_asked(
    request: pytest.FixtureRequest, backend: str
) -> None:
    config, *_ = await _seed(sql_url(request, backend))
    opened = 0
    factory: async_sessionmaker[AsyncSession] = config.create_session_maker()

    def counting() -> AsyncSession:
        nonlocal opened
        opened += 1
        return factory()

    q = SearchQuery(Service.DOG_WALKING, CENTRE[0], CENTRE[1], radius_km=20, sort=Sort.RATING)
    try:
        idle = LazySqlCaregiverSearchStore(cast(async_sessionmaker[AsyncSession], counting))
        await idle.close()
        assert opened == 0
        store = LazySqlCaregiverSearchStore(cast(async_sessionmaker[AsyncSession], counting))
        try:
            lazy = await SearchCaregivers(store, MemoryCache(FixedClock(NOW)))(q)
            await store.locate_postcode("1000")
        finally:
            await store.close()
        assert opened == 1 and lazy == await _search(config, q) and lazy.total > 0
    finally:
        await config.get_engine().dispose()
