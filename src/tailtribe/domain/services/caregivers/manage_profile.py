"""A caregiver's own profile: create, edit, services, availability, submit."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID

from tailtribe.domain.errors import Conflict, NotFound
from tailtribe.domain.model.availability import Availability
from tailtribe.domain.model.caregivers import Caregiver, ProfileDetails
from tailtribe.domain.model.pricing import ServicePrice
from tailtribe.domain.model.users import Role
from tailtribe.domain.ports.storage import Cache, UnitOfWork
from tailtribe.domain.ports.time import Clock, IdGenerator
from tailtribe.domain.services.caregivers.search import invalidate_search
from tailtribe.domain.services.outbox import Outbox


async def own_profile(uow: UnitOfWork, user_id: UUID) -> Caregiver:
    caregiver = await uow.caregivers.get_by_user(user_id)
    if caregiver is None:
        raise NotFound("you have no caregiver profile yet")
    return caregiver


class ManageProfile:
    """The rules of a caregiver's own profile.

    - one profile a user; creating it adds the `caregiver` role (409 twice);
    - a new profile is a `draft`; edits keep the status they find;
    - services are listed once each, prices >= 100 cents per unit;
    - weekly windows may not overlap on a weekday; blocked periods end after
      they start;
    - submitting needs a complete profile (422 listing what is missing).
    """

    def __init__(
        self, uow: UnitOfWork, outbox: Outbox, ids: IdGenerator, clock: Clock, cache: Cache
    ) -> None:
        self._uow, self._outbox, self._ids, self._clock = uow, outbox, ids, clock
        self._cache = cache

    async def _saved(self, uow: UnitOfWork, caregiver: Caregiver) -> Caregiver:
        await uow.caregivers.save(caregiver)
        await self._outbox.publish(uow, [caregiver])
        await uow.commit()
        # Search results may show the old profile: start a new cache generation.
        await invalidate_search(self._cache)
        return caregiver

    async def create(self, user_id: UUID, changes: dict[str, Any]) -> Caregiver:
        """Start a draft; the display name defaults to the user's full name."""
        async with self._uow as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise NotFound("no such user")
            if await uow.caregivers.get_by_user(user_id) is not None:
                raise Conflict("you have a caregiver profile already")
            caregiver = Caregiver(
                id=self._ids.new_id(),
                user_id=user_id,
                profile=ProfileDetails(display_name=user.full_name),
                created_at=self._clock.now(),
            )
            caregiver.edit(replace(caregiver.profile, **changes))
            user.grant(Role.CAREGIVER)
            await uow.users.save(user)
            await uow.caregivers.add(caregiver)
            await uow.commit()
        return caregiver

    async def get(self, user_id: UUID) -> Caregiver:
        async with self._uow as uow:
            return await own_profile(uow, user_id)

    async def edit(self, user_id: UUID, changes: dict[str, Any]) -> Caregiver:
        async with self._uow as uow:
            caregiver = await own_profile(uow, user_id)
            caregiver.edit(replace(caregiver.profile, **changes))
            return await self._saved(uow, caregiver)

    async def set_services(self, user_id: UUID, prices: tuple[ServicePrice, ...]) -> Caregiver:
        async with self._uow as uow:
            caregiver = await own_profile(uow, user_id)
            caregiver.set_services(prices)
            return await self._saved(uow, caregiver)

    async def set_availability(self, user_id: UUID, availability: Availability) -> Caregiver:
        async with self._uow as uow:
            caregiver = await own_profile(uow, user_id)
            caregiver.set_availability(availability)
            return await self._saved(uow, caregiver)

    async def submit(self, user_id: UUID) -> Caregiver:
        async with self._uow as uow:
            caregiver = await own_profile(uow, user_id)
            caregiver.submit(self._clock.now())
            return await self._saved(uow, caregiver)
