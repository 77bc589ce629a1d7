"""Meet-and-greets on both databases: the calendar's occupancy and search see them."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from uuid import uuid4

from tailtribe.adapters.memory.cache import MemoryCache
from tailtribe.adapters.sqlalchemy.search_store import SqlCaregiverSearchStore
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.domain.model.availability import Availability, Occupancy, WeeklyWindow
from tailtribe.domain.model.caregivers import Caregiver, CaregiverStatus, ProfileDetails
from tailtribe.domain.model.meet_and_greets import MeetAndGreet
from tailtribe.domain.model.notifications import Party
from tailtribe.domain.model.pets import Pet, PetDetails, Species
from tailtribe.domain.model.pricing import Service, ServicePrice
from tailtribe.domain.ports.search import SearchQuery
from tailtribe.domain.services.caregivers.search import SearchCaregivers
from tests.adapters.test_search_availability import DomainDecides
from tests.factories import user
from tests.fakes.clock import FixedClock

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
START = datetime(2027, 3, 8, 10, 0, tzinfo=UTC)  # a Monday
CENTRE = (50.8467, 4.3525)


async def _seed(config: Any) -> tuple[Caregiver, MeetAndGreet, Any]:
    owner = user("O", NOW)
    carer = user("C", NOW)
    c = Caregiver(
        id=uuid4(),
        user_id=carer.id,
        profile=ProfileDetails(
            display_name="Carer",
            bio="b" * 60,
            postcode="1000",
            latitude=CENTRE[0],
            longitude=CENTRE[1],
            service_radius_km=25,
            accepted_species=frozenset({Species.DOG}),
            max_pets=3,
        ),
        services=(
            ServicePrice(Service.DOG_WALKING, 1500),
            ServicePrice(Service.BOARDING, 3500),
        ),
        status=CaregiverStatus.APPROVED,
        availability=Availability(
            weekly=tuple(WeeklyWindow(d, time(0), time(23, 59)) for d in range(7))
        ),
        created_at=NOW,
    )
    meeting = MeetAndGreet.request(
        id=uuid4(), owner_id=owner.id, caregiver_id=c.id, start=START, duration_minutes=60, now=NOW
    )
    pet = Pet(uuid4(), owner.id, PetDetails("Rex", Species.DOG), NOW)
    async with SqlUnitOfWork(config.create_session_maker()) as uow:
        await uow.users.add(owner)
        await uow.users.add(carer)
        await uow.caregivers.add(c)
        await uow.pets.add(pet)
        await uow.meet_and_greets.add(meeting)
        await uow.commit()
    return c, meeting, pet


async def _found(config: Any, service: Service, start: datetime, end: datetime) -> list[bool]:
    """Whether the caregiver is found, by every way a period search is decided here."""
    q = SearchQuery(
        service=service,
        latitude=CENTRE[0],
        longitude=CENTRE[1],
        radius_km=10,
        start=start,
        end=end,
        species=Species.DOG,
        pets=1,
    )
    found = []
    for store in (SqlCaregiverSearchStore, DomainDecides):
        async with config.create_session_maker()() as session:
            page = await SearchCaregivers(store(session), MemoryCache(FixedClock(NOW)))(q)
            found.append(page.total == 1)
    return found


async def test_an_open_meet_and_greet_holds_the_calendar_like_a_walk(db_config: Any) -> None:
    c, meeting, _ = await _seed(db_config)
    walk_end = START + timedelta(minutes=30)
    async with SqlUnitOfWork(db_config.create_session_maker()) as uow:
        taken = await uow.bookings.active_overlapping(c.id, START, walk_end)
        assert taken == [Occupancy(Service.DOG_WALKING, START, meeting.end, 0)]
        assert [
            m.id for m in await uow.meet_and_greets.open_overlapping(c.id, START, walk_end)
        ] == [meeting.id]
        assert not await uow.meet_and_greets.open_overlapping(
            c.id, meeting.end, meeting.end + timedelta(hours=1)
        )
    assert await _found(db_config, Service.DOG_WALKING, START, walk_end) == [False, False]
    # Hosting pets is not the caregiver's time away: a walk may overlap it.
    nights = (START - timedelta(hours=2), START + timedelta(days=1))
    assert await _found(db_config, Service.BOARDING, *nights) == [True, True]
    after = (meeting.end, meeting.end + timedelta(minutes=30))
    assert await _found(db_config, Service.DOG_WALKING, *after) == [True, True]

    async with SqlUnitOfWork(db_config.create_session_maker()) as uow:
        stored = await uow.meet_and_greets.get(meeting.id)
        assert stored is not None
        stored.cancel(Party.OWNER, NOW)
        await uow.meet_and_greets.save(stored)
        await uow.commit()
    async with SqlUnitOfWork(db_config.create_session_maker()) as uow:
        assert await uow.bookings.active_overlapping(c.id, START, walk_end) == []
    assert await _found(db_config, Service.DOG_WALKING, START, walk_end) == [True, True]
