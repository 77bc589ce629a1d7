"""Caregiver profiles with their services, availability and decisions."""

from __future__ import annotations

import typing
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Integer,
    Select,
    String,
    Text,
    bindparam,
    cast,
    delete,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

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


_SERVICE, _WINDOW, _BLOCKED, _DECISION = "s", "w", "b", "d"


def _child_rows() -> Any:
    """The services, weekly windows, blocked periods and decisions of the
    caregiver `:cid` as one UNION ALL: a part tag, then the same typed
    columns in each branch (NULL where a part has no such field). Built once;
    its compiled form is cached like any other statement's."""
    cid = bindparam("cid", type_=CaregiverRow.__table__.c.id.type)

    def part(tag: str, table: Any, **columns: Any) -> Any:
        typed: dict[str, TypeEngine[Any]] = {
            "name": String(),
            "n1": Integer(),
            "n2": Integer(),
            "t1": WeeklyWindowRow.__table__.c.start_time.type,
            "t2": WeeklyWindowRow.__table__.c.end_time.type,
            "d1": BlockedPeriodRow.__table__.c.start_at.type,
            "d2": BlockedPeriodRow.__table__.c.end_at.type,
            "admin_id": CaregiverDecisionRow.__table__.c.admin_id.type,
            "reason": Text(),
            "id": CaregiverDecisionRow.__table__.c.id.type,
        }
        return select(
            literal_column(f"'{tag}'", String()).label("part"),
            *(
                (columns[name] if name in columns else cast(null(), kind)).label(name)
                for name, kind in typed.items()
            ),
        ).where(table.caregiver_id == cid)

    return union_all(
        part(
            _SERVICE,
            CaregiverServiceRow,
            name=CaregiverServiceRow.service,
            n1=CaregiverServiceRow.price_cents,
            n2=CaregiverServiceRow.extra_pet_price_cents,
        ),
        part(
            _WINDOW,
            WeeklyWindowRow,
            n1=WeeklyWindowRow.weekday,
            t1=WeeklyWindowRow.start_time,
            t2=WeeklyWindowRow.end_time,
        ),
        part(_BLOCKED, BlockedPeriodRow, d1=BlockedPeriodRow.start_at, d2=BlockedPeriodRow.end_at),
        part(
            _DECISION,
            CaregiverDecisionRow,
            name=CaregiverDecisionRow.kind,
            d1=CaregiverDecisionRow.decided_at,
            admin_id=CaregiverDecisionRow.admin_id,
            reason=CaregiverDecisionRow.reason,
            id=CaregiverDecisionRow.id,
        ),
    )


_CHILD_ROWS = _child_rows()
_FIND = select(*(c for c in CaregiverRow.__table__.c if c.name != "sa_orm_sentinel")).where(
    CaregiverRow.id == bindparam("cid")
)


class SqlCaregiverRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, caregiver_id: UUID) -> Caregiver | None:
        return await self._one(select(CaregiverRow).where(CaregiverRow.id == caregiver_id))

    async def find(self, caregiver_id: UUID) -> Caregiver | None:
        # Plain columns, no entity: nothing here is saved through the session.
        row = (await self._session.execute(_FIND, {"cid": caregiver_id})).one_or_none()
        return None if row is None else await self._load(row)

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
            # The review queue: what waits for a decision comes first.
            .order_by(
                CaregiverRow.status != CaregiverStatus.PENDING_REVIEW.value,
                CaregiverRow.created_at,
                CaregiverRow.id,
            )
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

    async def _load(self, row: Any) -> Caregiver:  # an entity or a plain row
        services: list[ServicePrice] = []
        windows: list[WeeklyWindow] = []
        blocked: list[tuple[datetime, BlockedPeriod]] = []
        decisions: list[tuple[datetime, UUID, Decision]] = []
        # One round trip for all four child tables (see _CHILD_ROWS).
        for r in await self._session.execute(_CHILD_ROWS, {"cid": row.id}):
            if r.part == _SERVICE:
                services.append(ServicePrice(Service(r.name), r.n1, r.n2))
            elif r.part == _WINDOW:
                windows.append(WeeklyWindow(r.n1, r.t1, r.t2))
            elif r.part == _BLOCKED:
                blocked.append((r.d1, BlockedPeriod(r.d1, r.d2)))
            else:
                decision = Decision(DecisionKind(r.name), r.admin_id, r.d1, r.reason)
                decisions.append((r.d1, r.id, decision))
        caregiver = CAREGIVER_ROW.load(
            row,
            services=(),  # set below: set_services puts them in the catalogue's order
            decisions=[d for _, _, d in sorted(decisions, key=lambda d: (d[0], d[1]))],
            availability=Availability(
                weekly=tuple(sorted(windows, key=lambda w: (w.weekday, w.start))),
                blocked=tuple(b for _, b in sorted(blocked, key=lambda b: b[0])),
            ),
        )
        caregiver.set_services(tuple(services))
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
