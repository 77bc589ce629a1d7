from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy.mapping import RowMapper
from tailtribe.adapters.sqlalchemy.tables import PhotoRow
from tailtribe.domain.model.photos import Photo, PhotoStatus, Subject

PHOTO_ROW = RowMapper(Photo)


def _photo(row: PhotoRow) -> Photo:
    return PHOTO_ROW.load(row)


class SqlPhotoRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, photo: Photo) -> None:
        self._session.add(PHOTO_ROW.dump(photo, PhotoRow()))
        await self._session.flush()

    async def get(self, photo_id: UUID) -> Photo | None:
        # Locked: the job and a deletion take turns.
        row = await self._session.scalar(
            select(PhotoRow).where(PhotoRow.id == photo_id).with_for_update()
        )
        return None if row is None else _photo(row)

    async def save(self, photo: Photo) -> None:
        row = await self._session.get(PhotoRow, photo.id)
        if row is None:
            raise LookupError(f"photo {photo.id} is not stored")
        row.status, row.reason = photo.status.value, photo.reason

    async def remove(self, photo_id: UUID) -> None:
        await self._session.execute(delete(PhotoRow).where(PhotoRow.id == photo_id))

    async def of(self, subject: Subject, subject_ids: Sequence[UUID]) -> Sequence[Photo]:
        rows = await self._session.scalars(
            select(PhotoRow)
            .where(PhotoRow.subject == subject.value, PhotoRow.subject_id.in_(list(subject_ids)))
            .order_by(PhotoRow.created_at, PhotoRow.id)
        )
        return [_photo(r) for r in rows]

    async def processing(self, limit: int) -> Sequence[Photo]:
        rows = await self._session.scalars(
            select(PhotoRow)
            .where(PhotoRow.status == PhotoStatus.PROCESSING.value)
            .order_by(PhotoRow.created_at, PhotoRow.id)
            .limit(limit)
        )
        return [_photo(r) for r in rows]
