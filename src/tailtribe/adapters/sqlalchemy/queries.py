"""Read models on SQL: the public profile, a caregiver's reviews.

On PostgreSQL each view is one statement sent through the driver itself
(as search_store does): asyncpg keeps it prepared, nested parts come back as
arrays, and no ORM work nor transaction wraps a single read. SQLite (the
embedded mode) answers the same with a few Core selects of just the columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy.caregiver_repository import PROFILE_ROW
from tailtribe.adapters.sqlalchemy.tables import (
    CaregiverRow,
    CaregiverServiceRow,
    PhotoRow,
    ReviewRow,
)
from tailtribe.domain.model.caregivers import CaregiverStatus
from tailtribe.domain.model.photos import Photo, PhotoStatus, Subject
from tailtribe.domain.model.pricing import Service, ServicePrice
from tailtribe.domain.model.reviews import Rating, Review
from tailtribe.domain.ports.queries import ProfileView, ReviewsView
from tailtribe.domain.ports.storage import Page

_CATALOGUE = {s: i for i, s in enumerate(Service)}


def _uuid(value: Any) -> UUID:
    # asyncpg hands out its own UUID subclass; the rest of the app expects uuid.UUID.
    return value if type(value) is UUID else UUID(bytes=value.bytes)


class _Columns:
    """Attribute access to a record's columns, for the row mappers."""

    __slots__ = ("_row",)

    def __init__(self, row: Mapping[str, Any]) -> None:
        self._row = row

    def __getattr__(self, name: str) -> Any:
        return self._row[name]


def _services(rows: Sequence[tuple[str, int, int]]) -> tuple[ServicePrice, ...]:
    # In the catalogue's order, as Caregiver.set_services keeps them.
    prices = (ServicePrice(Service(s), p, e) for s, p, e in rows)
    return tuple(sorted(prices, key=lambda p: _CATALOGUE[p.service]))


def _profile(
    row: Any,
    services: Sequence[tuple[str, int, int]],
    rating: Rating,
    photos: tuple[Photo, ...],
) -> ProfileView:
    return ProfileView(
        id=_uuid(row["id"]),
        status=CaregiverStatus(row["status"]),
        profile=PROFILE_ROW.load(_Columns(row)),
        services=_services(services),
        rating=rating,
        photos=photos,
    )


def _review(row: Any) -> Review:
    return Review(
        id=_uuid(row["id"]),
        booking_id=_uuid(row["booking_id"]),
        caregiver_id=_uuid(row["caregiver_id"]),
        owner_id=_uuid(row["owner_id"]),
        rating=row["rating"],
        comment=row["comment"],
        created_at=row["created_at"],
        reply=row["reply"],
        replied_at=row["replied_at"],
    )


class _Sql:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @property
    def _postgres(self) -> bool:
        return self._session.bind.dialect.name == "postgresql"

    async def _driver(self) -> Any:
        """The asyncpg connection under the session (PostgreSQL only)."""
        pooled = await (await self._session.connection()).get_raw_connection()
        return pooled.driver_connection


class SqlCaregiverQueries(_Sql):
    async def profile(self, caregiver_id: UUID) -> ProfileView | None:
        if self._postgres:
            row = await (await self._driver()).fetchrow(PG_PROFILE, caregiver_id)
            if row is None:
                return None
            services = list(zip(row["ss"] or (), row["sp"] or (), row["se"] or (), strict=True))
            cid = _uuid(row["id"])
            photos = tuple(
                Photo(_uuid(i), _uuid(o), Subject.CAREGIVER, cid, at, PhotoStatus.READY, reason)
                for i, o, at, reason in zip(
                    row["pi"] or (), row["po"] or (), row["pc"] or (), row["pr"] or (), strict=True
                )
            )
            return _profile(row, services, Rating.of(row["average"], row["count"]), photos)
        return await self._sql_profile(caregiver_id)

    async def _sql_profile(self, caregiver_id: UUID) -> ProfileView | None:
        execute = self._session.execute
        row = (
            await execute(select(*_PROFILE_COLUMNS).where(CaregiverRow.id == caregiver_id))
        ).first()
        if row is None:
            return None
        services = await execute(
            select(
                CaregiverServiceRow.service,
                CaregiverServiceRow.price_cents,
                CaregiverServiceRow.extra_pet_price_cents,
            ).where(CaregiverServiceRow.caregiver_id == caregiver_id)
        )
        average, count = (
            await execute(
                select(func.avg(ReviewRow.rating), func.count()).where(
                    ReviewRow.caregiver_id == caregiver_id
                )
            )
        ).one()
        photos = await execute(
            select(PhotoRow.id, PhotoRow.owner_id, PhotoRow.created_at, PhotoRow.reason)
            .where(
                PhotoRow.subject == Subject.CAREGIVER.value,
                PhotoRow.subject_id == caregiver_id,
                PhotoRow.status == PhotoStatus.READY.value,
            )
            .order_by(PhotoRow.created_at, PhotoRow.id)
        )
        return _profile(
            row._mapping,
            [(s, p, e) for s, p, e in services],
            Rating.of(average, int(count)),
            tuple(
                Photo(i, o, Subject.CAREGIVER, caregiver_id, at, PhotoStatus.READY, reason)
                for i, o, at, reason in photos
            ),
        )

    async def reviews(self, caregiver_id: UUID, limit: int, offset: int) -> ReviewsView | None:
        if self._postgres:
            driver = await self._driver()
            rows = await driver.fetch(PG_REVIEWS, caregiver_id, limit, offset)
            if not rows:
                return None
            found = [r for r in rows if r["id"] is not None]
            total = found[0]["total"] if found else 0
            if not found and offset:  # past the last page: the window counted nothing
                total = await driver.fetchval(PG_REVIEW_COUNT, caregiver_id)
            page = Page([_review(r) for r in found], total)
            return ReviewsView(CaregiverStatus(rows[0]["status"]), page)
        execute = self._session.execute
        status = await self._session.scalar(
            select(CaregiverRow.status).where(CaregiverRow.id == caregiver_id)
        )
        if status is None:
            return None
        where = ReviewRow.caregiver_id == caregiver_id
        total = await self._session.scalar(select(func.count()).select_from(ReviewRow).where(where))
        rows = await execute(
            select(*_REVIEW_COLUMNS)
            .where(where)
            .order_by(ReviewRow.created_at.desc(), ReviewRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return ReviewsView(
            CaregiverStatus(status), Page([_review(r._mapping) for r in rows], total or 0)
        )


_PROFILE_COLUMNS = (
    CaregiverRow.id,
    CaregiverRow.status,
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
_REVIEW_COLUMNS = (
    ReviewRow.id,
    ReviewRow.booking_id,
    ReviewRow.caregiver_id,
    ReviewRow.owner_id,
    ReviewRow.rating,
    ReviewRow.comment,
    ReviewRow.created_at,
    ReviewRow.reply,
    ReviewRow.replied_at,
)
# The profile with its services, rating and ready photos (oldest first) as arrays.
PG_PROFILE = """
SELECT c.id, c.status, c.display_name, c.bio, c.postcode, c.city, c.latitude, c.longitude,
       c.service_radius_km, c.accepted_species, c.max_pets, c.cancellation_policy,
       s.ss, s.sp, s.se, r.average, r.count, p.pi, p.po, p.pc, p.pr
FROM caregiver_profile c
LEFT JOIN LATERAL (
    SELECT array_agg(service) AS ss, array_agg(price_cents) AS sp,
           array_agg(extra_pet_price_cents) AS se
    FROM caregiver_service WHERE caregiver_id = c.id
) s ON true
LEFT JOIN LATERAL (
    SELECT avg(rating) AS average, count(*) AS count FROM review WHERE caregiver_id = c.id
) r ON true
LEFT JOIN LATERAL (
    SELECT array_agg(id ORDER BY created_at, id) AS pi,
           array_agg(owner_id ORDER BY created_at, id) AS po,
           array_agg(created_at ORDER BY created_at, id) AS pc,
           array_agg(reason ORDER BY created_at, id) AS pr
    FROM photo WHERE subject = 'caregiver' AND subject_id = c.id AND status = 'ready'
) p ON true
WHERE c.id = $1
"""

# The caregiver's status and a page of its reviews with their total (one row
# with NULL review columns when the page is empty; no row without the caregiver).
PG_REVIEWS = """
SELECT c.status, r.*
FROM caregiver_profile c
LEFT JOIN LATERAL (
    SELECT id, booking_id, caregiver_id, owner_id, rating, comment, created_at, reply,
           replied_at, count(*) OVER () AS total
    FROM review WHERE caregiver_id = c.id
    ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3
) r ON true
WHERE c.id = $1
ORDER BY r.created_at DESC, r.id DESC
"""
PG_REVIEW_COUNT = "SELECT count(*) FROM review WHERE caregiver_id = $1"
