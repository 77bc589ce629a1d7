from __future__ import annotations

import typing
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy import row_locks
from tailtribe.adapters.sqlalchemy.mapping import RowMapper
from tailtribe.adapters.sqlalchemy.tables import PetRow, UserRow
from tailtribe.domain.model.pets import Pet
from tailtribe.domain.ports.storage import Page

# The pet table is flat: each PetDetails field has a column of the same name.
PET_ROW = RowMapper(Pet)


def _pet(row: PetRow) -> Pet:
    return PET_ROW.load(row)


def _fill(row: PetRow, pet: Pet) -> PetRow:
    return typing.cast(PetRow, PET_ROW.dump(pet, row))


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
