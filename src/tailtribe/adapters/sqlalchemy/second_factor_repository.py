"""Admins' second factors on SQL: one row per admin."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy.mapping import Codec, RowMapper
from tailtribe.adapters.sqlalchemy.tables import SecondFactorRow
from tailtribe.domain.model.second_factor import SecondFactor

_DIGESTS: Codec[tuple[str, ...]] = Codec(
    lambda digests: ",".join(digests),
    lambda text: tuple(d for d in text.split(",") if d),
)
SECOND_FACTOR_ROW = RowMapper(SecondFactor, codecs={tuple[str, ...]: _DIGESTS})


class SqlSecondFactorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, user_id: UUID) -> SecondFactor | None:
        row = await self._session.scalar(
            select(SecondFactorRow).where(SecondFactorRow.user_id == user_id).with_for_update()
        )
        return None if row is None else SECOND_FACTOR_ROW.load(row)

    async def save(self, factor: SecondFactor) -> None:
        row = await self._session.get(SecondFactorRow, factor.user_id)
        if row is None:
            self._session.add(SECOND_FACTOR_ROW.dump(factor, SecondFactorRow()))
        else:
            SECOND_FACTOR_ROW.dump(factor, row)
        await self._session.flush()
