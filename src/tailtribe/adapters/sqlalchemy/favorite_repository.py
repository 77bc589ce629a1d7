"""Favourite caregivers on SQL: saved once per pair, listed with the caregiver's name."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy.tables import CaregiverRow, FavoriteRow
from tailtribe.domain.model.caregivers import CaregiverStatus
from tailtribe.domain.model.favorites import Favorite
from tailtribe.domain.ports.storage import Page


class SqlFavoriteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, user_id: UUID, caregiver_id: UUID, at: datetime) -> None:
        # One statement, no read first: of two concurrent saves, neither fails.
        insert = (
            postgresql.insert if self._session.bind.dialect.name == "postgresql" else sqlite.insert
        )
        await self._session.execute(
            insert(FavoriteRow)
            .values(user_id=user_id, caregiver_id=caregiver_id, created_at=at)
            .on_conflict_do_nothing(index_elements=["user_id", "caregiver_id"])
        )

    async def remove(self, user_id: UUID, caregiver_id: UUID) -> None:
        await self._session.execute(
            delete(FavoriteRow).where(
                FavoriteRow.user_id == user_id, FavoriteRow.caregiver_id == caregiver_id
            )
        )

    async def list_for(
        self,
        user_id: UUID,
        statuses: frozenset[CaregiverStatus] | None,
        limit: int,
        offset: int,
    ) -> Page[Favorite]:
        where = [FavoriteRow.user_id == user_id]
        if statuses is not None:
            where.append(CaregiverRow.status.in_(sorted(s.value for s in statuses)))
        joined = FavoriteRow.__table__.join(
            CaregiverRow.__table__, CaregiverRow.id == FavoriteRow.caregiver_id
        )
        total = await self._session.scalar(select(func.count()).select_from(joined).where(*where))
        rows = await self._session.execute(
            select(FavoriteRow.caregiver_id, CaregiverRow.display_name, FavoriteRow.created_at)
            .select_from(joined)
            .where(*where)
            .order_by(FavoriteRow.created_at.desc(), FavoriteRow.caregiver_id)
            .limit(limit)
            .offset(offset)
        )
        return Page([Favorite(c, n, at) for c, n, at in rows], total or 0)

    async def among(self, user_id: UUID, caregiver_ids: Sequence[UUID]) -> frozenset[UUID]:
        if not caregiver_ids:
            return frozenset()
        found = await self._session.scalars(
            select(FavoriteRow.caregiver_id).where(
                FavoriteRow.user_id == user_id, FavoriteRow.caregiver_id.in_(caregiver_ids)
            )
        )
        return frozenset(found)
