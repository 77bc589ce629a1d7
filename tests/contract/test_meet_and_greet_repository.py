"""The meet-and-greet store, alike on memory, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from tailtribe.domain.model.availability import Occupancy
from tailtribe.domain.model.meet_and_greets import MeetAndGreet
from tailtribe.domain.model.notifications import Party
from tailtribe.domain.model.pricing import Service
from tailtribe.domain.ports.storage import DueWork
from tests.contract.conftest import UowFactory
from tests.factories import booking_request, caregiver, complete, pet, user

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
START = datetime(2027, 3, 8, 10, 0, tzinfo=UTC)


async def test_lists_pairs_occupancy_and_due_work(make_uow: UowFactory) -> None:
    owner, carer = user("O", NOW), user("C", NOW)
    profile = caregiver(carer, NOW)
    rex = pet(owner, NOW)
    meeting = MeetAndGreet.request(
        id=uuid4(),
        owner_id=owner.id,
        caregiver_id=profile.id,
        start=START,
        duration_minutes=45,
        now=NOW,
        message="Hi",
    )
    async with make_uow() as uow:
        for u in (owner, carer):
            await uow.users.add(u)
        await uow.caregivers.add(profile)
        await uow.pets.add(rex)
        await uow.meet_and_greets.add(meeting)
        await uow.commit()

    async with make_uow() as uow:
        repo = uow.meet_and_greets
        stored = await repo.get(meeting.id)
        assert stored is not None and stored.end == START + timedelta(minutes=45)
        assert stored.message == "Hi" and stored.pull_events() == []
        assert (await repo.list_for(owner.id, None, 10, 0)).total == 1
        assert (await repo.list_for(carer.id, profile.id, 10, 0)).total == 1
        assert (await repo.list_for(carer.id, None, 10, 0)).total == 0
        found = await repo.open_for_pair(owner.id, profile.id)
        assert found is not None and found.id == meeting.id
        assert await repo.has_open(owner.id, None, NOW)
        assert await repo.has_open(carer.id, profile.id, NOW)
        assert not await repo.has_open(owner.id, None, meeting.end)  # over
        half = START + timedelta(minutes=30)
        after = meeting.end + timedelta(hours=1)
        assert [m.id for m in await repo.open_overlapping(profile.id, meeting.end, after)] == []
        assert [m.id for m in await repo.open_overlapping(profile.id, START, half)] == [meeting.id]
        taken = await uow.bookings.active_overlapping(profile.id, half, meeting.end)
        assert taken == [Occupancy(Service.DOG_WALKING, START, meeting.end, 0)]
        assert not await repo.due(DueWork.EXPIRE, NOW + timedelta(hours=23), 10)
        assert [m.id for m in await repo.due(DueWork.EXPIRE, NOW + timedelta(hours=24), 10)] == [
            meeting.id
        ]
        assert not await repo.due(DueWork.REMIND, START - timedelta(hours=1), 10)  # not accepted

        # A requested booking does not count as booked; one that went through does.
        assert not await repo.pair_has_booked(owner.id, profile.id)
        booking = booking_request(
            owner.id, profile.id, (rex.id,), START + timedelta(days=1), now=NOW
        )
        await uow.bookings.add(booking)
        assert not await repo.pair_has_booked(owner.id, profile.id)
        await uow.bookings.save(complete(booking))
        assert await repo.pair_has_booked(owner.id, profile.id)
        assert not await repo.pair_has_booked(carer.id, profile.id)

        assert stored is not None
        stored.pull_events()
        stored.accept(NOW)
        await repo.save(stored)
        await uow.commit()

    async with make_uow() as uow:
        repo = uow.meet_and_greets
        assert not await repo.due(DueWork.EXPIRE, NOW + timedelta(days=2), 10)
        assert not await repo.due(DueWork.REMIND, START - timedelta(hours=3), 10)
        [due] = await repo.due(DueWork.REMIND, START - timedelta(hours=2), 10)
        due.remind(START - timedelta(hours=2))
        due.cancel(Party.CAREGIVER, START - timedelta(hours=1))
        await repo.save(due)
        await uow.commit()

    async with make_uow() as uow:
        final = await uow.meet_and_greets.get(meeting.id)
        assert final is not None and final.cancelled_by is Party.CAREGIVER
        assert final.reminder_sent_at == START - timedelta(hours=2)
        assert await uow.meet_and_greets.open_for_pair(owner.id, profile.id) is None
        assert await uow.bookings.active_overlapping(profile.id, START, meeting.end) == []
