"""Caregiver profiles with their services, availability and decisions."""

from __future__ import annotations

import typing
from typing import Any
from uuid import UUID

from sqlalchemy import Select, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy import row_locks
from tailtribe.adapters.sqlalchemy.mapping import Codec, RowMapper, joined_set
from tailtribe.adapters.sqlalchemy.tables import (
    BlockedPeriodRow,
    CaregiverDecisionRow,
    CaregiverRow,
    CaregiverServiceRow,
    WeeklyWindowRow,
)
from tailtribe.domain.errors import Conflict
from tailtribe.domain.model.availability import Availability, BlockedPeriod, WeeklyWindow
from tailtribe.domain.model.caregivers import (
    Caregiver,
    CaregiverStatus,
    Decision,
    DecisionKind,
    ProfileDetails,
)
from tailtribe.domain.model.pets import Species
from tailtribe.domain.model.pricing import Service, ServicePrice
from tailtribe.domain.ports.storage import Page

_CHILDREN = (CaregiverServiceRow, WeeklyWindowRow, BlockedPeriodRow)

# The caregiver_profile table is flat: each ProfileDetails field has a column of
# the same name (caregiver.profile.bio <-> caregiver_profile.bio); the species
# are one text column. Services, availability and decisions have their own tables.
_CODECS: dict[type, Codec[Any]] = {frozenset[Species]: joined_set(Species)}
PROFILE_ROW = RowMapper(ProfileDetails, codecs=_CODECS)
CAREGIVER_ROW = RowMapper(
    Caregiver,
    codecs=_CODECS,
    apart=["services", "decisions", "availability"],
    # A caregiver built without one never clears the stored creation time.
    keep_when_none=["created_at"],
)


class SqlCaregiverRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, caregiver_id: UUID) -> Caregiver | None:
        return await self._one(select(CaregiverRow).where(CaregiverRow.id == caregiver_id))

    async def get_by_user(self, user_id: UUID) -> Caregiver | None:
        return await self._one(select(CaregiverRow).where(CaregiverRow.user_id == user_id))

    async def get_by_stripe_account(self, account_id: str) -> Caregiver | None:
        stmt = select(CaregiverRow).where(CaregiverRow.stripe_account_id == account_id)
        return await self._one(stmt)

    async def list(
        self, status: CaregiverStatus | None, limit: int, offset: int
    ) -> Page[Caregiver]:
        where = () if status is None else (CaregiverRow.status == status.value,)
        total = await self._session.scalar(
            select(func.count()).select_from(CaregiverRow).where(*where)
        )
        rows = await self._session.scalars(
            select(CaregiverRow)
            .where(*where)
            .order_by(CaregiverRow.created_at, CaregiverRow.id)
            .limit(limit)
            .offset(offset)
        )
        return Page([await self._load(row) for row in rows.all()], total or 0)

    async def add(self, caregiver: Caregiver) -> None:
        row = CaregiverRow(id=caregiver.id, user_id=caregiver.user_id)
        self._session.add(_fill(row, caregiver))
        try:
            await self._session.flush()
        except IntegrityError as exc:
            raise Conflict("you have a caregiver profile already") from exc
        await self._write_children(caregiver)

    async def save(self, caregiver: Caregiver) -> None:
        row = await self._session.get(CaregiverRow, caregiver.id)
        if row is None:
            raise LookupError(f"caregiver {caregiver.id} is not stored")
        _fill(row, caregiver)
        for table in _CHILDREN:
            await self._session.execute(delete(table).where(table.caregiver_id == caregiver.id))
        await self._write_children(caregiver)

    async def _one(self, stmt: Select[tuple[CaregiverRow]]) -> Caregiver | None:
        # Locked until the transaction ends: two writers of one profile (an
        # edit and a Stripe event, two tabs) take turns instead of overwriting.
        row = await self._session.scalar(stmt.with_for_update())
        if row is None:
            return None
        row_locks.remember(self._session, CaregiverRow.__tablename__, row.id)
        return await self._load(row)

    async def _load(self, row: CaregiverRow) -> Caregiver:
        cid = row.id
        services = await self._session.scalars(
            select(CaregiverServiceRow).where(CaregiverServiceRow.caregiver_id == cid)
        )
        windows = await self._session.scalars(
            select(WeeklyWindowRow).where(WeeklyWindowRow.caregiver_id == cid)
        )
        blocked = await self._session.scalars(
            select(BlockedPeriodRow)
            .where(BlockedPeriodRow.caregiver_id == cid)
            .order_by(BlockedPeriodRow.start_at)
        )
        decisions = await self._session.scalars(
            select(CaregiverDecisionRow)
            .where(CaregiverDecisionRow.caregiver_id == cid)
            .order_by(CaregiverDecisionRow.decided_at, CaregiverDecisionRow.id)
        )
        caregiver = CAREGIVER_ROW.load(
            row,
            services=(),  # set below: set_services puts them in the catalogue's order
            decisions=[
                Decision(DecisionKind(d.kind), d.admin_id, d.decided_at, d.reason)
                for d in decisions
            ],
            availability=Availability(
                weekly=tuple(
                    sorted(
                        (WeeklyWindow(w.weekday, w.start_time, w.end_time) for w in windows),
                        key=lambda w: (w.weekday, w.start),
                    )
                ),
                blocked=tuple(BlockedPeriod(b.start_at, b.end_at) for b in blocked),
            ),
        )
        caregiver.set_services(
            tuple(
                ServicePrice(Service(s.service), s.price_cents, s.extra_pet_price_cents)
                for s in services
            )
        )
        return caregiver

    async def _write_children(self, caregiver: Caregiver) -> None:
        cid = caregiver.id
        self._session.add_all(
            [
                CaregiverServiceRow(
                    caregiver_id=cid,
                    service=p.service.value,
                    price_cents=p.price_cents,
                    extra_pet_price_cents=p.extra_pet_price_cents,
                )
                for p in caregiver.services
            ]
            + [
                WeeklyWindowRow(
                    caregiver_id=cid, weekday=w.weekday, start_time=w.start, end_time=w.end
                )
                for w in caregiver.availability.weekly
            ]
            + [
                BlockedPeriodRow(caregiver_id=cid, start_at=b.start, end_at=b.end)
                for b in caregiver.availability.blocked
            ]
        )
        # Decisions are history: only the ones not stored yet are written.
        stored = await self._session.scalar(
            select(func.count())
            .select_from(CaregiverDecisionRow)
            .where(CaregiverDecisionRow.caregiver_id == cid)
        )
        self._session.add_all(
            CaregiverDecisionRow(
                caregiver_id=cid,
                kind=d.kind.value,
                admin_id=d.admin_id,
                decided_at=d.at,
                reason=d.reason,
            )
            for d in caregiver.decisions[stored or 0 :]
        )


def details_from_row(row: Any) -> ProfileDetails:
    """The profile part of any row with the profile's columns (ORM entity or Core row)."""
    return PROFILE_ROW.load(row)


def _fill(row: CaregiverRow, c: Caregiver) -> CaregiverRow:
    return typing.cast(CaregiverRow, CAREGIVER_ROW.dump(c, row))
