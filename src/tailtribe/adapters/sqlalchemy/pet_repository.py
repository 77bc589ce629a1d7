from __future__ import annotations

from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy import row_locks
from tailtribe.adapters.sqlalchemy.tables import PetRow, UserRow
from tailtribe.domain.model.pets import Pet, PetDetails, Species
from tailtribe.domain.ports.storage import Page


def _pet(row: PetRow) -> Pet:
    details = PetDetails(
        name=row.name,
        species=Species(row.species),
        breed=row.breed,
        birth_date=row.birth_date,
        weight_kg=row.weight_kg,
        notes=row.notes,
    )
    return Pet(row.id, row.owner_id, details, row.created_at, row.deleted_at)


def _fill(row: PetRow, pet: Pet) -> PetRow:
    row.owner_id = pet.owner_id
    row.name = pet.details.name
    row.species = pet.details.species.value
    row.breed = pet.details.breed
    row.birth_date = pet.details.birth_date
    row.weight_kg = pet.details.weight_kg
    row.notes = pet.details.notes
    row.created_at = pet.created_at
    row.deleted_at = pet.deleted_at
    return row


class SqlPetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, pet_id: UUID) -> Pet | None:
        row = await self._session.get(PetRow, pet_id)
        return None if row is None else _pet(row)

    async def list_active(self, owner_id: UUID, limit: int, offset: int) -> Page[Pet]:
        where = (PetRow.owner_id == owner_id, PetRow.deleted_at.is_(None))
        total = await self._session.scalar(select(func.count()).select_from(PetRow).where(*where))
        rows = await self._session.scalars(
            select(PetRow)
            .where(*where)
            .order_by(PetRow.created_at, PetRow.id)
            .limit(limit)
            .offset(offset)
        )
        return Page([_pet(r) for r in rows], total or 0)

    async def lock_owner(self, owner_id: UUID) -> None:
        # The owner's account row is the lock, in every API process. NO KEY
        # UPDATE (key_share): rows that merely reference the account (tokens,
        # bookings) are not held up, only other pet creations and account writes.
        if row_locks.held(self._session, UserRow.__tablename__, owner_id):
            return
        await self._session.execute(
            select(UserRow.id).where(UserRow.id == owner_id).with_for_update(key_share=True)
        )
        row_locks.remember(self._session, UserRow.__tablename__, owner_id)

    async def add(self, pet: Pet) -> None:
        self._session.add(_fill(PetRow(id=pet.id), pet))

    async def save(self, pet: Pet) -> None:
        row = await self._session.get(PetRow, pet.id)
        if row is None:
            raise LookupError(f"pet {pet.id} is not stored")
        _fill(row, pet)
