"""Favourites through the use cases on the memory unit of work: whatever the
order of saves and removals, the list is the caregivers saved and not removed
since, newest first by their first save, and only those anyone may see."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tailtribe.domain.errors import InvalidInput, NotFound
from tailtribe.domain.model.caregivers import CaregiverStatus
from tailtribe.domain.model.favorites import LISTED
from tailtribe.domain.services.caregivers.favorites import ManageFavorites
from tests import factories
from tests.fakes.clock import FixedClock
from tests.fakes.unit_of_work import MemoryUnitOfWork

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
# Two caregivers anyone may see and one suspended.
STATUSES = (CaregiverStatus.APPROVED, CaregiverStatus.APPROVED, CaregiverStatus.SUSPENDED)
steps = st.lists(st.tuples(st.booleans(), st.integers(0, len(STATUSES) - 1)), max_size=25)


def _world() -> tuple[MemoryUnitOfWork, UUID, list[UUID]]:
    uow = MemoryUnitOfWork()
    owner = factories.user("Owner", T0)
    uow.store.users[owner.id] = owner
    ids = []
    for i, status in enumerate(STATUSES):
        carer = factories.user(f"Carer{i}", T0)
        caregiver = factories.caregiver(carer, T0)
        caregiver.status = status
        uow.store.users[carer.id] = carer
        uow.store.caregivers[caregiver.id] = caregiver
        ids.append(caregiver.id)
    return uow, owner.id, ids


@given(steps)
def test_the_list_is_what_was_saved_and_not_removed_since(script: list[tuple[bool, int]]) -> None:
    async def run() -> None:
        uow, owner, ids = _world()
        clock = FixedClock(T0)
        favorites = ManageFavorites(uow, clock)
        saved: dict[UUID, datetime] = {}
        for adding, which in script:
            clock.advance(timedelta(minutes=1))
            caregiver_id = ids[which]
            if not adding:
                await favorites.remove(owner, caregiver_id)
                saved.pop(caregiver_id, None)
            elif STATUSES[which] is CaregiverStatus.APPROVED:
                await favorites.add(owner, caregiver_id)
                saved.setdefault(caregiver_id, clock.now())
            else:
                with pytest.raises(NotFound):
                    await favorites.add(owner, caregiver_id)
        expected = sorted(saved, key=lambda c: saved[c], reverse=True)
        async with uow:
            page = await uow.favorites.list_for(owner, LISTED, 100, 0)
            flags = await uow.favorites.among(owner, ids)
        assert [f.caregiver_id for f in page.items] == expected and page.total == len(expected)
        assert [f.created_at for f in page.items] == [saved[c] for c in expected]
        assert flags == set(saved)

    asyncio.run(run())


async def test_ones_own_profile_is_refused() -> None:
    uow, _, ids = _world()
    own = uow.store.caregivers[ids[0]]
    with pytest.raises(InvalidInput):
        await ManageFavorites(uow, FixedClock(T0)).add(own.user_id, own.id)
    assert uow.commits == 0 and uow.store.favorites == {}
