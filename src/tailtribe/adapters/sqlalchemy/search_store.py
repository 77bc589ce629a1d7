"""Caregiver search on SQL: an indexed prefilter, then batched loads.

The box, service, price, pet-count, species and text conditions run in the
database (bounding-box columns are indexed; PostgreSQL matches text with a
GIN-indexed tsvector, SQLite with LIKE). Exact distance, availability and
capacity are then decided by the domain on the few rows that remain.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailtribe.adapters.sqlalchemy.tables import (
    BlockedPeriodRow,
    BookingRow,
    CaregiverRow,
    CaregiverServiceRow,
    MeetAndGreetRow,
    ReviewRow,
    WeeklyWindowRow,
)
from tailtribe.domain.model.availability import (
    HOSTED,
    Availability,
    BlockedPeriod,
    Occupancy,
    WeeklyWindow,
    conflicting,
    window_needs,
)
from tailtribe.domain.model.bookings import ACTIVE
from tailtribe.domain.model.caregivers import CaregiverStatus
from tailtribe.domain.model.geo import EARTH_RADIUS_KM, BoundingBox
from tailtribe.domain.model.meet_and_greets import AS_SERVICE as MEET_AS_SERVICE
from tailtribe.domain.model.meet_and_greets import OPEN as MEET_OPEN
from tailtribe.domain.model.pricing import Service
from tailtribe.domain.model.reviews import Rating
from tailtribe.domain.ports.search import Candidate, Schedule, SearchQuery, Sort
from tailtribe.domain.services.caregivers.search import period_weekdays

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


def _candidate(row: Mapping[str, Any], schedule: Schedule | None = None) -> Candidate:
    """From a Core row's mapping or an asyncpg record (both carry the same names)."""
    count = row["rating_count"] or 0
    return Candidate(
        # asyncpg hands out its own UUID subclass; the rest of the app expects uuid.UUID.
        id=UUID(bytes=row["id"].bytes),
        display_name=row["display_name"],
        bio=row["bio"],
        city=row["city"],
        postcode=row["postcode"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        service_radius_km=row["service_radius_km"],
        accepted_species=tuple(sorted(s for s in row["accepted_species"].split(",") if s)),
        max_pets=row["max_pets"],
        cancellation_policy=row["cancellation_policy"],
        price_cents=row["price_cents"],
        rating=Rating.of(row["rating_avg"], count),
        schedule=schedule,
    )


def _pg_schedule(row: Mapping[str, Any]) -> Schedule:
    """The arrays of PG_CANDIDATES_WITH_PERIOD (NULL where nothing matched)."""
    weekly = tuple(
        WeeklyWindow(d, a, b)
        for d, a, b in zip(row["wd"] or (), row["ws"] or (), row["we"] or (), strict=True)
    )
    blocked = tuple(
        BlockedPeriod(a, b) for a, b in zip(row["bs"] or (), row["be"] or (), strict=True)
    )
    claims = [
        Occupancy(Service(s), a, b, n)
        for s, a, b, n in zip(
            row["ks"] or (), row["k1"] or (), row["k2"] or (), row["kp"] or (), strict=True
        )
    ]
    return Schedule(Availability(weekly=weekly, blocked=blocked), claims)


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
        rows = (
            await self._session.execute(
                select(*_PROFILE_COLUMNS, CaregiverServiceRow.price_cents)
                .join(CaregiverServiceRow, CaregiverServiceRow.caregiver_id == CaregiverRow.id)
                .where(*where)
            )
        ).all()
        ids = [row.id for row in rows]
        ratings = await self._ratings(ids)
        schedules: dict[UUID, Schedule] = {}
        if query.start is not None and query.end is not None and ids:
            schedules = await self._schedules(ids, query.start, query.end)
        candidates = []
        for row in rows:
            rating = ratings.get(row.id, NO_RATING)
            mapping = {
                **row._mapping,
                "rating_avg": rating.average,
                "rating_count": rating.count,
            }
            candidates.append(_candidate(mapping, schedules.get(row.id)))
        return candidates

    async def _schedules(
        self, ids: list[UUID], start: datetime, end: datetime
    ) -> dict[UUID, Schedule]:
        windows: dict[UUID, list[WeeklyWindow]] = defaultdict(list)
        for cid, weekday, opens, closes in await self._session.execute(
            select(
                WeeklyWindowRow.caregiver_id,
                WeeklyWindowRow.weekday,
                WeeklyWindowRow.start_time,
                WeeklyWindowRow.end_time,
            ).where(
                WeeklyWindowRow.caregiver_id.in_(ids),
                WeeklyWindowRow.weekday.in_(period_weekdays(start, end)),
            )
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
        for cid, c_start, c_end in await self._session.execute(
            select(
                MeetAndGreetRow.caregiver_id, MeetAndGreetRow.start_at, MeetAndGreetRow.end_at
            ).where(
                MeetAndGreetRow.caregiver_id.in_(ids),
                MeetAndGreetRow.status.in_([s.value for s in MEET_OPEN]),
                MeetAndGreetRow.start_at < end,
                MeetAndGreetRow.end_at > start,
            )
        ):
            claims[cid].append(Occupancy(MEET_AS_SERVICE, c_start, c_end, 0))
        return {
            cid: Schedule(
                Availability(weekly=tuple(windows[cid]), blocked=tuple(blocked[cid])), claims[cid]
            )
            for cid in ids
        }

    async def _pg_candidates(self, query: SearchQuery, box: BoundingBox) -> Sequence[Candidate]:
        """One statement on PostgreSQL, sent through the driver itself: the
        profiles in the box with their price, rating and, for a period, their
        schedule as arrays. asyncpg keeps it prepared; no ORM work per row and
        no transaction around a single read. Behind a transaction-pooling
        PgBouncer (`?pgbouncer=true`) the engine turns asyncpg's statement
        cache off, and this same call sends the statement unnamed, parsed
        anew in its own round trip (database.PGBOUNCER_CONNECT_ARGS)."""
        args: list[Any] = [
            query.service.value,
            box.min_lat,
            box.max_lat,
            box.min_lon,
            box.max_lon,
            query.pets,
            f"%{query.species.value}%" if query.species else "%",
            query.min_price_cents if query.min_price_cents is not None else 0,
            query.max_price_cents if query.max_price_cents is not None else 2**31 - 1,
        ]
        period = query.start is not None and query.end is not None
        sql = PG_CANDIDATES_WITH_PERIOD if period else PG_CANDIDATES
        if period:
            assert query.start is not None and query.end is not None
            args += [
                period_weekdays(query.start, query.end),
                query.start,
                query.end,
                [s.value for s in ACTIVE],
            ]
        words = " ".join(query.text.lower().split()[:MAX_TEXT_WORDS]) if query.text else ""
        if words:
            args.append(words)
            sql += PG_TEXT.format(n=len(args))
        pooled = await (await self._session.connection()).get_raw_connection()
        driver: Any = pooled.driver_connection  # asyncpg.Connection
        rows = await driver.fetch(sql, *args)
        return [_candidate(row, _pg_schedule(row) if period else None) for row in rows]

    async def available_page(
        self, query: SearchQuery, box: BoundingBox, at_owners_home: bool
    ) -> tuple[Sequence[Candidate], int] | None:
        """On PostgreSQL, one statement decides the whole page (see PG_PAGE);
        elsewhere None, and the domain decides on the candidates."""
        if not self._postgres or query.start is None or query.end is None:
            return None
        needs = window_needs(query.service, query.start, query.end)
        if needs is None:
            return [], 0
        p1 = math.radians(query.latitude)
        args: list[Any] = [
            query.service.value,
            box.min_lat,
            box.max_lat,
            box.min_lon,
            box.max_lon,
            query.pets,
            f"%{query.species.value}%" if query.species else "%",
            query.min_price_cents if query.min_price_cents is not None else 0,
            query.max_price_cents if query.max_price_cents is not None else 2**31 - 1,
            query.start,
            query.end,
            [s.value for s in ACTIVE],
            [n[0] for n in needs],
            [n[1] for n in needs],
            [n[2] for n in needs],
            [s.value for s in conflicting(query.service)],
            [s.value for s in HOSTED] if query.service in HOSTED else [],
            p1,
            math.cos(p1),
            query.longitude,
            2 * EARTH_RADIUS_KM,
            query.radius_km,
            at_owners_home,
            query.limit,
            query.offset,
        ]
        words = " ".join(query.text.lower().split()[:MAX_TEXT_WORDS]) if query.text else ""
        text = ""
        if words:
            args.append(words)
            text = PG_TEXT.format(n=len(args))
        sql = PG_PAGE.format(text=text, order=PG_ORDER[query.sort])
        pooled = await (await self._session.connection()).get_raw_connection()
        driver: Any = pooled.driver_connection  # asyncpg.Connection
        rows = await driver.fetch(sql, *args)
        total = rows[0]["total"]
        return [_candidate(row) for row in rows if row["id"] is not None], total

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
        return {cid: Rating.of(avg, int(n)) for cid, avg, n in rows}


class LazySqlCaregiverSearchStore:
    """Opens its session on first use: a search served from the cache needs none,
    and a session made and closed for nothing is a fair share of such a request."""

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = factory
        self._session: AsyncSession | None = None
        self._store: SqlCaregiverSearchStore | None = None

    def _open(self) -> SqlCaregiverSearchStore:
        if self._store is None:
            self._session = self._factory()
            self._store = SqlCaregiverSearchStore(self._session)
        return self._store

    async def candidates(self, query: SearchQuery, box: BoundingBox) -> Sequence[Candidate]:
        try:
            return await self._open().candidates(query, box)
        finally:
            await self._end_read()

    async def available_page(
        self, query: SearchQuery, box: BoundingBox, at_owners_home: bool
    ) -> tuple[Sequence[Candidate], int] | None:
        try:
            return await self._open().available_page(query, box, at_owners_home)
        finally:
            await self._end_read()

    async def locate_postcode(self, postcode: str) -> tuple[float, float] | None:
        try:
            return await self._open().locate_postcode(postcode)
        finally:
            await self._end_read()

    async def _end_read(self) -> None:
        # On SQLite every transaction holds the write lock (BEGIN IMMEDIATE):
        # a read must not keep it while the same request opens another (the
        # caller's account, their favourites). PostgreSQL keeps it: no lock
        # is held, and a ROLLBACK would be one more round trip.
        if self._session is not None and self._session.bind.dialect.name == "sqlite":
            await self._session.rollback()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


NO_RATING = Rating(None, 0)
# Open meet-and-greets hold the caregiver's time as a walk does: constants of
# the model, formatted into the statements below (no value of a request).
MEET_SERVICE = MEET_AS_SERVICE.value
MEET_OPEN_SQL = ", ".join(f"'{s.value}'" for s in sorted(MEET_OPEN))

# The hot path on PostgreSQL, as plain SQL: one statement, array parameters
# instead of expanded IN lists, one row per caregiver.
_PG_SELECT = """
SELECT c.id, c.display_name, c.bio, c.postcode, c.city, c.latitude, c.longitude,
       c.service_radius_km, c.accepted_species, c.max_pets, c.cancellation_policy,
       s.price_cents, r.average AS rating_avg, r.count AS rating_count{columns}
FROM caregiver_profile c
JOIN caregiver_service s ON s.caregiver_id = c.id AND s.service = $1
LEFT JOIN LATERAL (
    SELECT avg(rating) AS average, count(*) AS count FROM review WHERE caregiver_id = c.id
) r ON true{joins}
WHERE c.status = 'approved'
  AND c.latitude BETWEEN $2 AND $3
  AND c.longitude BETWEEN $4 AND $5
  AND c.max_pets >= $6
  AND c.accepted_species LIKE $7
  AND s.price_cents BETWEEN $8 AND $9
"""
PG_CANDIDATES = _PG_SELECT.format(columns="", joins="")
# $10 the weekdays the period touches, $11 and $12 its start and end, $13 the active statuses.
PG_CANDIDATES_WITH_PERIOD = _PG_SELECT.format(
    columns=""",
       w.wd, w.ws, w.we, bl.bs, bl.be, k.ks, k.k1, k.k2, k.kp""",
    joins="""
LEFT JOIN LATERAL (
    SELECT array_agg(weekday) AS wd, array_agg(start_time) AS ws, array_agg(end_time) AS we
    FROM caregiver_weekly_window WHERE caregiver_id = c.id AND weekday = ANY($10::int[])
) w ON true
LEFT JOIN LATERAL (
    SELECT array_agg(start_at) AS bs, array_agg(end_at) AS be
    FROM caregiver_blocked_period
    WHERE caregiver_id = c.id AND start_at < $12 AND end_at > $11
) bl ON true
LEFT JOIN LATERAL (
    SELECT array_agg(service) AS ks, array_agg(start_at) AS k1, array_agg(end_at) AS k2,
           array_agg(pets) AS kp
    FROM (
        SELECT service, start_at, end_at, pets FROM booking
        WHERE caregiver_id = c.id AND status = ANY($13::text[])
          AND start_at < $12 AND end_at > $11
        UNION ALL
        SELECT '{meet_service}', start_at, end_at, 0 FROM meet_and_greet
        WHERE caregiver_id = c.id AND status IN ({meet_open})
          AND start_at < $12 AND end_at > $11
    ) claim
) k ON true""".replace("{meet_service}", MEET_SERVICE).replace("{meet_open}", MEET_OPEN_SQL),
)
# Python's round(x, 2) of a float8, as the order compares it: on its shortest
# exact decimal (float8 text output), halves to even.
_ROUND2 = (
    "(CASE WHEN {x}::text::numeric * 100 - floor({x}::text::numeric * 100) = 0.5"
    " THEN floor({x}::text::numeric * 100) + mod(floor({x}::text::numeric * 100), 2)"
    " ELSE round({x}::text::numeric * 100) END)"
)
# A period search decided whole in the database; only the page leaves it.
# $10 $11 the period; $12 the active statuses; $13-$15 the weekly windows it
# needs (domain.model.availability.window_needs); $16 the services a booking
# may not overlap; $17 the hosted services when the pets are hosted (capacity
# counted as peak_hosted_pets does, at every arrival); $18-$21 the distance
# terms, in the order and precision of domain.model.geo.distance_km, so the
# radius and the order agree with it exactly; $22 the searcher's radius, $23
# whether the caregiver's own radius applies; $24 limit, $25 offset. Only
# constants of this module are formatted in; every value is a parameter.
PG_PAGE = (
    """
WITH hit AS (
    SELECT c.id, c.display_name, c.bio, c.postcode, c.city, c.latitude, c.longitude,
           c.service_radius_km, c.accepted_species, c.max_pets, c.cancellation_policy,
           s.price_cents, r.average AS rating_avg, r.count AS rating_count, g.d
    FROM caregiver_profile c
    JOIN caregiver_service s ON s.caregiver_id = c.id AND s.service = $1
    CROSS JOIN LATERAL (
        SELECT $21::float8 * asin(least(1.0::float8, sqrt(
            power(sin((radians(c.latitude) - $18::float8) / 2), 2)
            + $19::float8 * cos(radians(c.latitude))
              * power(sin(radians(c.longitude - $20::float8) / 2), 2)))) AS d
    ) g
    LEFT JOIN LATERAL (
        SELECT avg(rating) AS average, count(*) AS count FROM review WHERE caregiver_id = c.id
    ) r ON true
    WHERE c.status = 'approved'
      AND c.latitude BETWEEN $2 AND $3
      AND c.longitude BETWEEN $4 AND $5
      AND c.max_pets >= $6
      AND c.accepted_species LIKE $7
      AND s.price_cents BETWEEN $8 AND $9
      AND g.d <= $22::float8
      AND (NOT $23::bool OR g.d <= c.service_radius_km)
      AND NOT EXISTS (
          SELECT 1 FROM unnest($13::int[], $14::time[], $15::time[]) n(wd, t1, t2)
          WHERE NOT EXISTS (
              SELECT 1 FROM caregiver_weekly_window w
              WHERE w.caregiver_id = c.id AND w.weekday = n.wd
                AND w.start_time <= n.t1 AND n.t2 <= w.end_time))
      AND NOT EXISTS (
          SELECT 1 FROM caregiver_blocked_period b
          WHERE b.caregiver_id = c.id AND b.start_at < $11 AND b.end_at > $10)
      AND NOT EXISTS (
          SELECT 1 FROM booking k
          WHERE k.caregiver_id = c.id AND k.status = ANY($12::text[])
            AND k.service = ANY($16::text[]) AND k.start_at < $11 AND k.end_at > $10)
      AND NOT ('{meet_service}' = ANY($16::text[]) AND EXISTS (
          SELECT 1 FROM meet_and_greet m
          WHERE m.caregiver_id = c.id AND m.status IN ({meet_open})
            AND m.start_at < $11 AND m.end_at > $10))
      AND (cardinality($17::text[]) = 0 OR c.max_pets >= (
          SELECT max(load.pets) FROM (
              SELECT (SELECT coalesce(sum(x.pets), 0) FROM booking x
                      WHERE x.caregiver_id = c.id AND x.status = ANY($12::text[])
                        AND x.service = ANY($17::text[]) AND x.start_at < $11 AND x.end_at > $10
                        AND x.start_at <= t.t0 AND t.t0 < x.end_at)
                     + CASE WHEN $10 <= t.t0 AND t.t0 < $11 THEN $6 ELSE 0 END AS pets
              FROM (
                  SELECT $10::timestamptz AS t0
                  UNION
                  SELECT y.start_at FROM booking y
                  WHERE y.caregiver_id = c.id AND y.status = ANY($12::text[])
                    AND y.service = ANY($17::text[]) AND y.start_at < $11 AND y.end_at > $10
              ) t
          ) load
      ))
{text}), keyed AS (
    SELECT hit.*, {round_d} AS rd,
           CASE WHEN rating_count > 0 THEN {round_rating} END AS rr
    FROM hit
)
SELECT t.total, p.*
FROM (SELECT count(*) AS total FROM keyed) t
LEFT JOIN LATERAL (
    SELECT * FROM keyed ORDER BY {order}, id LIMIT $24 OFFSET $25
) p ON true
""".replace("{round_d}", _ROUND2.format(x="d"))
    .replace("{round_rating}", _ROUND2.format(x="rating_avg::float8"))
    .replace("{meet_service}", MEET_SERVICE)
    .replace("{meet_open}", MEET_OPEN_SQL)
)
PG_ORDER = {
    Sort.DISTANCE: "rd, price_cents",
    Sort.RATING: "rr IS NULL, rr DESC, rd",
    Sort.PRICE: "price_cents, rd",
}
PG_TEXT = (
    "  AND to_tsvector('simple', c.display_name || ' ' || c.bio)"
    " @@ plainto_tsquery('simple', ${n})\n"
)
_PROFILE_COLUMNS = (
    CaregiverRow.id,
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
)
