"""The period search decided in PostgreSQL against the same search decided by
the domain on the candidates (`Availability.allows`, `fits`, the radii)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from tailtribe.adapters.memory.cache import MemoryCache
from tailtribe.adapters.sqlalchemy.search_store import SqlCaregiverSearchStore
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.domain.model.availability import EXCLUSIVE, Availability, BlockedPeriod, WeeklyWindow
from tailtribe.domain.model.bookings import BookingStatus
from tailtribe.domain.model.caregivers import Caregiver, CaregiverStatus, ProfileDetails
from tailtribe.domain.model.geo import BoundingBox
from tailtribe.domain.model.pets import Pet, PetDetails, Species
from tailtribe.domain.model.pricing import Quote, Service, ServicePrice
from tailtribe.domain.ports.search import Candidate, SearchQuery, Sort
from tailtribe.domain.ports.storage import Page
from tailtribe.domain.services.caregivers.search import SearchCaregivers, SearchHit
from tests.conftest import empty_database
from tests.factories import booking_request, user
from tests.fakes.clock import FixedClock

BRUSSELS = ZoneInfo("Europe/Brussels")
CENTRE = (50.8467, 4.3525)
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
# The week of the spring DST change (Sunday 28 March 2027).
WEEK = datetime(2027, 3, 22, tzinfo=BRUSSELS)
HOSTED = (Service.BOARDING, Service.DAY_CARE)
ALL = (Service.DOG_WALKING, Service.DROP_IN, Service.HOUSE_SITTING, *HOSTED)


class DomainDecides(SqlCaregiverSearchStore):
    """The same store, declining to decide the page: the domain does it."""

    async def available_page(
        self, query: SearchQuery, box: BoundingBox, at_owners_home: bool
    ) -> tuple[Sequence[Candidate], int] | None:
        return None


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return (WEEK + timedelta(days=day)).replace(hour=hour, minute=minute)


async def _seed(url: str) -> Any:
    rng = random.Random(21)
    config = await empty_database(url)
    owner = user("O", NOW, email="o@example.be")
    pets = [Pet(uuid4(), owner.id, PetDetails(f"Rex {n}", Species.DOG), NOW) for n in range(3)]
    statuses = list(BookingStatus)
    async with SqlUnitOfWork(config.create_session_maker()) as uow:
        await uow.users.add(owner)
        for p in pets:
            await uow.pets.add(p)
        for i in range(160):
            carer = user(f"C{i}", NOW, email=f"c{i}@example.be")
            await uow.users.add(carer)
            offered = rng.sample(ALL, rng.randint(1, len(ALL)))
            windows = []
            for d in range(7):
                if rng.random() < 0.8:
                    opens = time(rng.choice([0, 7, 9]), rng.choice([0, 30]))
                    closes = time(23, 59, 59) if rng.random() < 0.4 else time(rng.choice([15, 18]))
                    windows.append(WeeklyWindow(d, opens, closes))
            c = Caregiver(
                id=uuid4(),
                user_id=carer.id,
                profile=ProfileDetails(
                    display_name=f"Carer {i}",
                    bio="b" * 40,
                    postcode="1000",
                    latitude=CENTRE[0] + rng.uniform(-0.12, 0.12),
                    longitude=CENTRE[1] + rng.uniform(-0.18, 0.18),
                    service_radius_km=rng.randint(3, 15),
                    accepted_species=frozenset(
                        rng.sample([Species.DOG, Species.CAT, Species.BIRD], rng.randint(1, 3))
                    ),
                    max_pets=rng.randint(1, 4),
                ),
                services=tuple(ServicePrice(s, rng.randrange(800, 5000, 100)) for s in offered),
                status=rng.choice([CaregiverStatus.APPROVED] * 5 + [CaregiverStatus.SUSPENDED]),
                availability=Availability(
                    weekly=tuple(windows),
                    blocked=(
                        (
                            BlockedPeriod(
                                _at(bd := rng.randint(0, 6), 12), _at(bd + rng.randint(1, 3), 9)
                            ),
                        )
                        if rng.random() < 0.2
                        else ()
                    ),
                ),
                created_at=NOW,
            )
            await uow.caregivers.add(c)
            away: list[tuple[datetime, datetime]] = []  # the database refuses overlaps of these
            for _ in range(rng.choice([0, 1, 2, 3])):
                service = rng.choice(offered)
                day = rng.randint(0, 6)
                if service is Service.DAY_CARE:
                    start, hours = _at(day, 8), 24 * rng.randint(0, 2) + 9
                elif service in (Service.BOARDING, Service.HOUSE_SITTING):
                    start, hours = _at(day, rng.choice([8, 12, 17])), 24 * rng.randint(1, 3) - 8
                else:
                    start, hours = _at(day, rng.choice([8, 10, 12, 17])), 1
                end = start + timedelta(hours=hours)
                if service in EXCLUSIVE:
                    if any(a < end and start < z for a, z in away):
                        continue
                    away.append((start, end))
                b = booking_request(
                    owner.id,
                    c.id,
                    tuple(p.id for p in pets[: rng.randint(1, 3)]),
                    start,
                    now=NOW,
                    hours=hours,
                    service=service,
                    price=Quote(1, 3000, 600, 2400),
                )
                await uow.bookings.add(b)
        await uow.commit()
    async with config.get_engine().begin() as conn:
        # Every status, so that only the active ones are seen to hold the calendar.
        for (booking_id,) in (await conn.execute(text("SELECT id FROM booking"))).all():
            await conn.execute(
                text("UPDATE booking SET status = :s WHERE id = :id"),
                {"s": rng.choice(statuses).value, "id": booking_id},
            )
    return config


async def _both(config: Any, q: SearchQuery) -> tuple[Page[SearchHit], Page[SearchHit]]:
    pages = []
    for store in (SqlCaregiverSearchStore, DomainDecides):
        async with config.create_session_maker()() as session:
            pages.append(await SearchCaregivers(store(session), MemoryCache(FixedClock(NOW)))(q))
    return pages[0], pages[1]


def _shown(h: SearchHit) -> SearchHit:
    return SearchHit(replace(h.caregiver, schedule=None), h.distance_km)


def _key(q: SearchQuery, h: SearchHit) -> tuple[object, ...]:
    c, d = h.caregiver, h.distance_km
    if q.sort is Sort.RATING:
        return (c.rating.average is None, -(c.rating.average or 0), d)
    if q.sort is Sort.PRICE:
        return (c.price_cents, d)
    return (d, c.price_cents)


def _period(rng: random.Random, service: Service) -> tuple[datetime, datetime]:
    day = rng.randint(0, 6)
    if service in (Service.DOG_WALKING, Service.DROP_IN):
        start = _at(day, rng.choice([0, 8, 10, 12, 17, 23]), rng.choice([0, 30]))
        return start, start + timedelta(minutes=rng.choice([30, 60, 90]))
    if service is Service.DAY_CARE:
        start = _at(day, rng.choice([0, 7, 9, 10]))
        return start, _at(day + rng.randint(0, 2), rng.choice([15, 17, 18]))
    start = _at(day, rng.choice([8, 12, 17]))  # nights, some across the DST change
    return start, _at(day + rng.randint(1, 4), rng.choice([9, 12, 18]))


@pytest.mark.parametrize("service", ALL)
async def test_the_database_decides_the_page_as_the_domain_does(
    pg_url: str, service: Service
) -> None:
    config = await _seed(pg_url)
    rng = random.Random(ALL.index(service))
    found = 0
    try:
        for _ in range(40):
            start, end = _period(rng, service)
            q = SearchQuery(
                service=service,
                latitude=CENTRE[0] + rng.uniform(-0.05, 0.05),
                longitude=CENTRE[1] + rng.uniform(-0.05, 0.05),
                radius_km=rng.choice([3, 5, 10, 25]),
                start=start,
                end=end,
                species=rng.choice([None, Species.DOG, Species.CAT]),
                pets=rng.randint(1, 3),
                max_price_cents=rng.choice([None, 3000]),
                sort=rng.choice(list(Sort)),
                limit=rng.choice([5, 100]),
                offset=rng.choice([0, 0, 3, 500]),
            )
            in_sql, in_domain = await _both(config, q)
            assert in_sql.total == in_domain.total, q
            # Equal sort keys may come in either order (the domain keeps the rows' order).
            assert [_key(q, h) for h in in_sql.items] == [_key(q, h) for h in in_domain.items]
            keys = [_key(q, h) for h in in_domain.items]
            if len(set(keys)) == len(keys):
                assert [_shown(h) for h in in_sql.items] == [_shown(h) for h in in_domain.items]
            found += in_domain.total
        assert found > 0
    finally:
        await config.get_engine().dispose()


async def test_a_visit_across_midnight_finds_no_one(pg_url: str) -> None:
    config = await _seed(pg_url)
    try:
        start = _at(1, 23, 30)
        q = SearchQuery(
            Service.DOG_WALKING, CENTRE[0], CENTRE[1], radius_km=50, start=start,
            end=start + timedelta(hours=1),
        )  # fmt: skip
        in_sql, in_domain = await _both(config, q)
        assert in_sql == in_domain == Page([], 0)
    finally:
        await config.get_engine().dispose()
