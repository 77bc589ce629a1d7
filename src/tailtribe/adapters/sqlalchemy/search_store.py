"""Caregiver search on SQL: an indexed prefilter, then batched loads.

The box, service, price, pet-count, species and text conditions run in the
database (bounding-box columns are indexed; PostgreSQL matches text with a
GIN-indexed tsvector, SQLite with LIKE). Exact distance, availability and
capacity are then decided by the domain on the few rows that remain.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy.caregiver_repository import profile_from_row
from tailtribe.adapters.sqlalchemy.tables import (
    BlockedPeriodRow,
    BookingRow,
    CaregiverRow,
    CaregiverServiceRow,
    ReviewRow,
    WeeklyWindowRow,
)
from tailtribe.domain.model.availability import Availability, BlockedPeriod, Occupancy, WeeklyWindow
from tailtribe.domain.model.bookings import ACTIVE
from tailtribe.domain.model.caregivers import CaregiverStatus
from tailtribe.domain.model.geo import BoundingBox
from tailtribe.domain.model.pricing import Service
from tailtribe.domain.model.reviews import Rating
from tailtribe.domain.services.caregivers.search import Candidate, Schedule, SearchQuery

MAX_TEXT_WORDS = 8


def _text_match(dialect: str, text: str) -> ColumnElement[bool] | None:
    words = [w for w in text.lower().split() if w][:MAX_TEXT_WORDS]
    if not words:
        return None
    document = CaregiverRow.display_name + " " + CaregiverRow.bio
    if dialect == "postgresql":
        # The expression matches the GIN index of migration 0004.
        return func.to_tsvector("simple", document).op("@@")(
            func.plainto_tsquery("simple", " ".join(words))
        )
    lowered = func.lower(document)
    condition: ColumnElement[bool] = lowered.contains(words[0], autoescape=True)
    for word in words[1:]:
        condition = condition & lowered.contains(word, autoescape=True)
    return condition


class SqlCaregiverSearchStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @property
    def _postgres(self) -> bool:
        return self._session.bind.dialect.name == "postgresql"

    async def candidates(self, query: SearchQuery, box: BoundingBox) -> Sequence[Candidate]:
        if self._postgres:
            return await self._pg_candidates(query, box)
        where: list[ColumnElement[bool]] = [
            CaregiverRow.status == CaregiverStatus.APPROVED.value,
            CaregiverRow.latitude.between(box.min_lat, box.max_lat),
            CaregiverRow.longitude.between(box.min_lon, box.max_lon),
            CaregiverRow.max_pets >= query.pets,
            CaregiverServiceRow.service == query.service.value,
        ]
        if query.species is not None:
            where.append(CaregiverRow.accepted_species.contains(query.species.value))
        if query.min_price_cents is not None:
            where.append(CaregiverServiceRow.price_cents >= query.min_price_cents)
        if query.max_price_cents is not None:
            where.append(CaregiverServiceRow.price_cents <= query.max_price_cents)
        if (
            query.text
            and (match := _text_match(self._session.bind.dialect.name, query.text)) is not None
        ):
            where.append(match)
        # Core rows, not ORM entities: this is the hot path.
        rows = (
            await self._session.execute(
                select(*_PROFILE_COLUMNS, CaregiverServiceRow.price_cents)
                .join(CaregiverServiceRow, CaregiverServiceRow.caregiver_id == CaregiverRow.id)
                .where(*where)
            )
        ).all()
        ratings = await self._ratings([row.id for row in rows])
        return [
            Candidate(profile_from_row(row), row.price_cents, ratings.get(row.id, NO_RATING))
            for row in rows
        ]

    async def _pg_candidates(self, query: SearchQuery, box: BoundingBox) -> Sequence[Candidate]:
        """One round trip on PostgreSQL: the profiles, their price and their rating."""
        sql = PG_CANDIDATES
        params: dict[str, Any] = {
            "service": query.service.value,
            "min_lat": box.min_lat,
            "max_lat": box.max_lat,
            "min_lon": box.min_lon,
            "max_lon": box.max_lon,
            "pets": query.pets,
            "species": f"%{query.species.value}%" if query.species else "%",
            "min_price": query.min_price_cents if query.min_price_cents is not None else 0,
            "max_price": query.max_price_cents if query.max_price_cents is not None else 2**31 - 1,
        }
        words = " ".join(query.text.lower().split()[:MAX_TEXT_WORDS]) if query.text else ""
        if words:
            sql += " AND " + PG_TEXT
            params["words"] = words
        rows = (await self._session.execute(text(sql), params)).all()
        return [
            Candidate(
                profile_from_row(row),
                row.price_cents,
                NO_RATING
                if row.rating_count == 0
                else Rating(round(float(row.rating_avg), 2), row.rating_count),
            )
            for row in rows
        ]

    async def schedules(
        self, caregiver_ids: Sequence[UUID], start: datetime, end: datetime
    ) -> dict[UUID, Schedule]:
        if self._postgres:
            return await self._pg_schedules(list(caregiver_ids), start, end)
        ids = list(caregiver_ids)
        windows: dict[UUID, list[WeeklyWindow]] = defaultdict(list)
        for cid, weekday, opens, closes in await self._session.execute(
            select(
                WeeklyWindowRow.caregiver_id,
                WeeklyWindowRow.weekday,
                WeeklyWindowRow.start_time,
                WeeklyWindowRow.end_time,
            ).where(WeeklyWindowRow.caregiver_id.in_(ids))
        ):
            windows[cid].append(WeeklyWindow(weekday, opens, closes))
        blocked: dict[UUID, list[BlockedPeriod]] = defaultdict(list)
        for cid, b_start, b_end in await self._session.execute(
            select(
                BlockedPeriodRow.caregiver_id, BlockedPeriodRow.start_at, BlockedPeriodRow.end_at
            ).where(
                BlockedPeriodRow.caregiver_id.in_(ids),
                BlockedPeriodRow.start_at < end,
                BlockedPeriodRow.end_at > start,
            )
        ):
            blocked[cid].append(BlockedPeriod(b_start, b_end))
        claims: dict[UUID, list[Occupancy]] = defaultdict(list)
        for cid, service, c_start, c_end, pets in await self._session.execute(
            select(
                BookingRow.caregiver_id,
                BookingRow.service,
                BookingRow.start_at,
                BookingRow.end_at,
                BookingRow.pets,
            ).where(
                BookingRow.caregiver_id.in_(ids),
                BookingRow.status.in_([s.value for s in ACTIVE]),
                BookingRow.start_at < end,
                BookingRow.end_at > start,
            )
        ):
            claims[cid].append(Occupancy(Service(service), c_start, c_end, pets))
        return {
            cid: Schedule(
                Availability(weekly=tuple(windows[cid]), blocked=tuple(blocked[cid])), claims[cid]
            )
            for cid in ids
        }

    async def _pg_schedules(
        self, ids: list[UUID], start: datetime, end: datetime
    ) -> dict[UUID, Schedule]:
        """One round trip on PostgreSQL for windows, blocked periods and claims."""
        windows: dict[UUID, list[WeeklyWindow]] = defaultdict(list)
        blocked: dict[UUID, list[BlockedPeriod]] = defaultdict(list)
        claims: dict[UUID, list[Occupancy]] = defaultdict(list)
        params = {"ids": ids, "start": start, "end": end, "active": [s.value for s in ACTIVE]}
        for row in await self._session.execute(text(PG_SCHEDULES), params):
            if row.kind == "w":
                windows[row.cid].append(WeeklyWindow(row.n, row.t1, row.t2))
            elif row.kind == "b":
                blocked[row.cid].append(BlockedPeriod(row.a, row.b))
            else:
                claims[row.cid].append(Occupancy(Service(row.service), row.a, row.b, row.n))
        return {
            cid: Schedule(
                Availability(weekly=tuple(windows[cid]), blocked=tuple(blocked[cid])), claims[cid]
            )
            for cid in ids
        }

    async def locate_postcode(self, postcode: str) -> tuple[float, float] | None:
        row = (
            await self._session.execute(
                select(func.avg(CaregiverRow.latitude), func.avg(CaregiverRow.longitude)).where(
                    CaregiverRow.postcode == postcode, CaregiverRow.latitude.is_not(None)
                )
            )
        ).one()
        return None if row[0] is None else (float(row[0]), float(row[1]))

    async def _ratings(self, ids: list[UUID]) -> dict[UUID, Rating]:
        if not ids:
            return {}
        rows = await self._session.execute(
            select(ReviewRow.caregiver_id, func.avg(ReviewRow.rating), func.count())
            .where(ReviewRow.caregiver_id.in_(ids))
            .group_by(ReviewRow.caregiver_id)
        )
        return {cid: Rating(round(float(avg), 2), int(n)) for cid, avg, n in rows}


NO_RATING = Rating(None, 0)

# The hot path on PostgreSQL, as plain SQL: one statement, array parameters
# instead of expanded IN lists, no ORM work per row.
PG_CANDIDATES = """
SELECT c.id, c.user_id, c.display_name, c.bio, c.postcode, c.city, c.latitude, c.longitude,
       c.service_radius_km, c.accepted_species, c.max_pets, c.cancellation_policy, c.status,
       c.created_at, s.price_cents,
       coalesce(r.average, 0) AS rating_avg, coalesce(r.count, 0) AS rating_count
FROM caregiver_profile c
JOIN caregiver_service s ON s.caregiver_id = c.id AND s.service = :service
LEFT JOIN LATERAL (
    SELECT avg(rating) AS average, count(*) AS count FROM review WHERE caregiver_id = c.id
) r ON true
WHERE c.status = 'approved'
  AND c.latitude BETWEEN :min_lat AND :max_lat
  AND c.longitude BETWEEN :min_lon AND :max_lon
  AND c.max_pets >= :pets
  AND c.accepted_species LIKE :species
  AND s.price_cents BETWEEN :min_price AND :max_price
"""
PG_TEXT = (
    "to_tsvector('simple', c.display_name || ' ' || c.bio) @@ plainto_tsquery('simple', :words)"
)
PG_SCHEDULES = """
SELECT 'w' AS kind, caregiver_id AS cid, weekday AS n, start_time AS t1, end_time AS t2,
       NULL::timestamptz AS a, NULL::timestamptz AS b, NULL AS service
FROM caregiver_weekly_window WHERE caregiver_id = ANY(:ids)
UNION ALL
SELECT 'b', caregiver_id, 0, NULL, NULL, start_at, end_at, NULL
FROM caregiver_blocked_period
WHERE caregiver_id = ANY(:ids) AND start_at < :end AND end_at > :start
UNION ALL
SELECT 'c', caregiver_id, pets, NULL, NULL, start_at, end_at, service
FROM booking
WHERE caregiver_id = ANY(:ids) AND status = ANY(:active) AND start_at < :end AND end_at > :start
"""
_PROFILE_COLUMNS = (
    CaregiverRow.id,
    CaregiverRow.user_id,
    CaregiverRow.display_name,
    CaregiverRow.bio,
    CaregiverRow.postcode,
    CaregiverRow.city,
    CaregiverRow.latitude,
    CaregiverRow.longitude,
    CaregiverRow.service_radius_km,
    CaregiverRow.accepted_species,
    CaregiverRow.max_pets,
    CaregiverRow.cancellation_policy,
    CaregiverRow.status,
    CaregiverRow.created_at,
)
