"""Favourite caregivers, on memory, SQLite and PostgreSQL alike; and their erasure."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

from tailtribe.domain.model.caregivers import CaregiverStatus
from tailtribe.domain.model.favorites import LISTED
from tests.contract.conftest import UowFactory
from tests.contract.test_accounts_repositories import T0, a_caregiver, stored_user


async def _caregivers(make_uow: UowFactory, *statuses: CaregiverStatus) -> list[UUID]:
    ids = []
    for i, status in enumerate(statuses):
        caregiver = a_caregiver(await stored_user(make_uow, f"c{i}-{uuid4().hex[:6]}@example.be"))
        caregiver.status = status
        async with make_uow() as uow:
            await uow.caregivers.add(caregiver)
            await uow.commit()
        ids.append(caregiver.id)
    return ids


async def test_favourites_are_saved_once_listed_newest_first_and_removed(
    make_uow: UowFactory,
) -> None:
    owner = await stored_user(make_uow)
    other = await stored_user(make_uow, "other@example.be")
    a, b, c = await _caregivers(make_uow, *[CaregiverStatus.APPROVED] * 3)
    async with make_uow() as uow:
        for i, caregiver_id in enumerate((a, b, c)):
            await uow.favorites.add(owner.id, caregiver_id, T0 + timedelta(minutes=i))
        await uow.favorites.add(owner.id, a, T0 + timedelta(hours=1))  # again: keeps its time
        await uow.favorites.add(other.id, b, T0)
        await uow.commit()
    async with make_uow() as uow:
        page = await uow.favorites.list_for(owner.id, LISTED, 2, 0)
        assert [f.caregiver_id for f in page.items] == [c, b] and page.total == 3
        [last] = (await uow.favorites.list_for(owner.id, LISTED, 2, 2)).items
        assert (last.caregiver_id, last.created_at, last.display_name) == (a, T0, "Sofie")
        assert await uow.favorites.among(owner.id, [a, c, uuid4()]) == {a, c}
        assert await uow.favorites.among(other.id, [a, b, c]) == {b}
        assert await uow.favorites.among(owner.id, []) == frozenset()
    async with make_uow() as uow:
        await uow.favorites.remove(owner.id, b)
        await uow.favorites.remove(owner.id, b)  # again: nothing happens
        await uow.favorites.remove(owner.id, uuid4())
        await uow.commit()
    async with make_uow() as uow:
        page = await uow.favorites.list_for(owner.id, None, 10, 0)
        assert [f.caregiver_id for f in page.items] == [c, a] and page.total == 2
        assert await uow.favorites.among(other.id, [b]) == {b}


async def test_only_listed_caregivers_are_listed_and_counted(make_uow: UowFactory) -> None:
    owner = await stored_user(make_uow)
    shown, suspended, rejected = await _caregivers(
        make_uow, CaregiverStatus.APPROVED, CaregiverStatus.SUSPENDED, CaregiverStatus.REJECTED
    )
    async with make_uow() as uow:
        for i, caregiver_id in enumerate((shown, suspended, rejected)):
            await uow.favorites.add(owner.id, caregiver_id, T0 + timedelta(minutes=i))
        await uow.commit()
    async with make_uow() as uow:
        listed = await uow.favorites.list_for(owner.id, LISTED, 10, 0)
        assert [f.caregiver_id for f in listed.items] == [shown] and listed.total == 1
        everything = await uow.favorites.list_for(owner.id, None, 10, 0)
        assert [f.caregiver_id for f in everything.items] == [rejected, suspended, shown]
        assert everything.total == 3
        # Flags are about the rows: search only ever shows approved caregivers.
        assert await uow.favorites.among(owner.id, [suspended]) == {suspended}


async def test_erasure_deletes_the_users_favourites_and_those_of_its_profile(
    make_uow: UowFactory,
) -> None:
    owner = await stored_user(make_uow)
    fan = await stored_user(make_uow, "fan@example.be")
    (kept,) = await _caregivers(make_uow, CaregiverStatus.APPROVED)
    carer = await stored_user(make_uow, "carer@example.be")
    profile = a_caregiver(carer)
    profile.status = CaregiverStatus.APPROVED
    async with make_uow() as uow:
        await uow.caregivers.add(profile)
        await uow.favorites.add(owner.id, kept, T0)
        await uow.favorites.add(owner.id, profile.id, T0)
        await uow.favorites.add(fan.id, profile.id, T0)
        await uow.favorites.add(fan.id, kept, T0)
        await uow.favorites.add(carer.id, kept, T0)
        await uow.commit()
    async with make_uow() as uow:
        await uow.privacy.anonymize(owner.id, T0)
        await uow.privacy.anonymize(carer.id, T0)
        await uow.commit()
    async with make_uow() as uow:
        for user in (owner, carer):
            assert (await uow.favorites.list_for(user.id, None, 10, 0)).total == 0
        assert await uow.favorites.among(fan.id, [kept, profile.id]) == {kept}
