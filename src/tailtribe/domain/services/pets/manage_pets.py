"""An owner's pets. Anyone else gets 404: another owner's pet does not exist for them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

from tailtribe.domain.errors import Conflict, NotFound
from tailtribe.domain.model.pets import Pet, PetDetails
from tailtribe.domain.model.time import local_date
from tailtribe.domain.ports.storage import Page, UnitOfWork
from tailtribe.domain.ports.time import Clock, IdGenerator

MAX_PETS_PER_OWNER = 50


@dataclass(frozen=True, slots=True)
class PetChanges:
    """A partial update: only the named fields change."""

    values: dict[str, Any]


async def _own_pet(uow: UnitOfWork, owner_id: UUID, pet_id: UUID) -> Pet:
    pet = await uow.pets.get(pet_id)
    if pet is None or pet.owner_id != owner_id or not pet.active:
        raise NotFound("no such pet")
    return pet


class ManagePets:
    """Create, read, update and delete the caller's own pets.

    - at most 50 pets an owner;
    - birth dates not in the future, weights above 0 and at most 150 kg,
      bounded text fields;
    - deleting hides the pet but keeps it for the bookings that name it.
    """

    def __init__(self, uow: UnitOfWork, ids: IdGenerator, clock: Clock) -> None:
        self._uow, self._ids, self._clock = uow, ids, clock

    async def create(self, owner_id: UUID, details: PetDetails) -> Pet:
        now = self._clock.now()
        pet = Pet(self._ids.new_id(), owner_id, details.validated(local_date(now)), now)
        async with self._uow as uow:
            # Counted under the owner's lock: concurrent creations take turns,
            # each sees the pets the earlier ones added.
            await uow.pets.lock_owner(owner_id)
            if (await uow.pets.list_active(owner_id, 1, 0)).total >= MAX_PETS_PER_OWNER:
                raise Conflict(f"an owner has at most {MAX_PETS_PER_OWNER} pets")
            await uow.pets.add(pet)
            await uow.commit()
        return pet

    async def list(self, owner_id: UUID, limit: int, offset: int) -> Page[Pet]:
        async with self._uow as uow:
            return await uow.pets.list_active(owner_id, limit, offset)

    async def get(self, owner_id: UUID, pet_id: UUID) -> Pet:
        async with self._uow as uow:
            return await _own_pet(uow, owner_id, pet_id)

    async def update(self, owner_id: UUID, pet_id: UUID, changes: PetChanges) -> Pet:
        async with self._uow as uow:
            pet = await _own_pet(uow, owner_id, pet_id)
            pet.update(replace(pet.details, **changes.values), local_date(self._clock.now()))
            await uow.pets.save(pet)
            await uow.commit()
        return pet

    async def delete(self, owner_id: UUID, pet_id: UUID) -> None:
        async with self._uow as uow:
            pet = await _own_pet(uow, owner_id, pet_id)
            pet.delete(self._clock.now())
            await uow.pets.save(pet)
            await uow.commit()
