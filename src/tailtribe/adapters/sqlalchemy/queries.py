"""Read models on SQL: the public profile, a caregiver's reviews, the booking lists.

On PostgreSQL each view is one statement sent through the driver itself
(as search_store does): asyncpg keeps it prepared, nested parts come back as
arrays, and no ORM work nor transaction wraps a single read. SQLite (the
embedded mode) answers the same with a few Core selects of just the columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy.caregiver_repository import PROFILE_ROW
from tailtribe.adapters.sqlalchemy.tables import (
    BookingPetRow,
    BookingRow,
    CaregiverRow,
    CaregiverServiceRow,
    PhotoRow,
    ReviewRow,
)
from tailtribe.domain.model.booking_payment import PaymentMethod, PaymentStatus
from tailtribe.domain.model.booking_payout import PayoutStatus
from tailtribe.domain.model.bookings import BookingStatus
from tailtribe.domain.model.cancellation import CancellationPolicy
from tailtribe.domain.model.caregivers import CaregiverStatus
from tailtribe.domain.model.photos import Photo, PhotoStatus, Subject
from tailtribe.domain.model.pricing import Quote, Service, ServicePrice
from tailtribe.domain.model.reviews import Rating, Review
from tailtribe.domain.ports.queries import BookingView, ProfileView, ReviewsView
from tailtribe.domain.ports.storage import Page

_CATALOGUE = {s: i for i, s in enumerate(Service)}
# Enum members by stored value: a dict lookup, several times cheaper than
# calling the enum, for the many rows of a list.
_SERVICE = {m.value: m for m in Service}
_BOOKING_STATUS = {m.value: m for m in BookingStatus}
_PAYMENT_STATUS = {m.value: m for m in PaymentStatus}
_PAYOUT_STATUS = {m.value: m for m in PayoutStatus}
_POLICY = {m.value: m for m in CancellationPolicy}


def _uuid(value: Any) -> UUID:
    # asyncpg hands out its own UUID subclass; the rest of the app expects uuid.UUID.
    return value if type(value) is UUID else UUID(bytes=value.bytes)


def _maybe_uuid(value: Any) -> UUID | None:
    return None if value is None else _uuid(value)


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


def _booking(row: Any, pet_ids: Sequence[Any]) -> BookingView:
    return BookingView(
        id=_uuid(row["id"]),
        owner_id=_uuid(row["owner_id"]),
        caregiver_id=_uuid(row["caregiver_id"]),
        service=_SERVICE[row["service"]],
        pet_ids=tuple(_uuid(p) for p in pet_ids),
        start=row["start_at"],
        end=row["end_at"],
        status=_BOOKING_STATUS[row["status"]],
        payment_status=_PAYMENT_STATUS[row["payment_status"]],
        payout_status=_PAYOUT_STATUS[row["payout_status"]],
        price=Quote(
            row["units"],
            row["total_cents"],
            row["commission_cents"],
            row["caregiver_payout_cents"],
        ),
        cancellation_policy=_POLICY[row["cancellation_policy"]],
        created_at=row["created_at"],
        message=row["message"],
        conversation_id=_maybe_uuid(row["conversation_id"]),
        payment_intent_id=row["payment_intent_id"],
        client_secret=row["client_secret"],
        captured_cents=row["captured_cents"],
        refunded_cents=row["refunded_cents"],
        paid_out_cents=row["paid_out_cents"],
        dispute_deadline=row["dispute_deadline"],
        payment_method=PaymentMethod(row["payment_method"]) if row["payment_method"] else None,
        series_id=_maybe_uuid(row["series_id"]),
        pay_by=row["pay_by"],
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


class SqlBookingQueries(_Sql):
    async def of_owner(
        self, owner_id: UUID, status: BookingStatus | None, limit: int, offset: int
    ) -> Page[BookingView]:
        if self._postgres:
            args: list[Any] = [owner_id, limit, offset]
            sql = PG_OWNER_BOOKINGS
            if status is not None:
                sql, args = PG_OWNER_BOOKINGS_IN_STATUS, [*args, status.value]
            driver = await self._driver()
            rows = await driver.fetch(sql, *args)
            return await self._pg_page(driver, rows, PG_OWNER_COUNT, owner_id, status, offset)
        return await self._sql_page(BookingRow.owner_id == owner_id, status, limit, offset)

    async def of_caregiver_user(
        self, user_id: UUID, status: BookingStatus | None, limit: int, offset: int
    ) -> Page[BookingView] | None:
        if self._postgres:
            args: list[Any] = [user_id, limit, offset]
            sql = PG_CAREGIVER_BOOKINGS
            if status is not None:
                sql, args = PG_CAREGIVER_BOOKINGS_IN_STATUS, [*args, status.value]
            driver = await self._driver()
            rows = await driver.fetch(sql, *args)
            if not rows:
                return None
            cid = rows[0]["profile_id"]
            return await self._pg_page(driver, rows, PG_CAREGIVER_COUNT, cid, status, offset)
        caregiver_id = await self._session.scalar(
            select(CaregiverRow.id).where(CaregiverRow.user_id == user_id)
        )
        if caregiver_id is None:
            return None
        return await self._sql_page(BookingRow.caregiver_id == caregiver_id, status, limit, offset)

    @staticmethod
    async def _pg_page(
        driver: Any,
        rows: Sequence[Mapping[str, Any]],
        count: str,
        party_id: UUID,
        status: BookingStatus | None,
        offset: int,
    ) -> Page[BookingView]:
        found = [r for r in rows if r["id"] is not None]
        total = found[0]["total"] if found else 0
        if not found and offset:  # past the last page: the window counted nothing
            if status is None:
                total = await driver.fetchval(count, party_id)
            else:
                total = await driver.fetchval(count + PG_IN_STATUS_2, party_id, status.value)
        return Page([_booking(r, r["pet_ids"] or ()) for r in found], total)

    async def _sql_page(
        self, party: ColumnElement[bool], status: BookingStatus | None, limit: int, offset: int
    ) -> Page[BookingView]:
        where = [party] if status is None else [party, BookingRow.status == status.value]
        total = await self._session.scalar(
            select(func.count()).select_from(BookingRow).where(*where)
        )
        rows = (
            await self._session.execute(
                select(*_BOOKING_COLUMNS)
                .where(*where)
                .order_by(BookingRow.created_at.desc(), BookingRow.id.desc())
                .limit(limit)
                .offset(offset)
            )
        ).all()
        pets: dict[UUID, list[UUID]] = {}
        if rows:
            for booking_id, pet_id in await self._session.execute(
                select(BookingPetRow.booking_id, BookingPetRow.pet_id)
                .where(BookingPetRow.booking_id.in_([r.id for r in rows]))
                .order_by(BookingPetRow.booking_id, BookingPetRow.position)
            ):
                pets.setdefault(booking_id, []).append(pet_id)
        return Page([_booking(r._mapping, pets.get(r.id, ())) for r in rows], total or 0)


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
_BOOKING_NAMES = (
    "id",
    "owner_id",
    "caregiver_id",
    "service",
    "start_at",
    "end_at",
    "status",
    "payment_status",
    "payout_status",
    "units",
    "total_cents",
    "commission_cents",
    "caregiver_payout_cents",
    "cancellation_policy",
    "created_at",
    "message",
    "conversation_id",
    "payment_intent_id",
    "client_secret",
    "captured_cents",
    "refunded_cents",
    "paid_out_cents",
    "dispute_deadline",
    "payment_method",
    "series_id",
    "pay_by",
)
_BOOKING_COLUMNS = tuple(BookingRow.__table__.c[n] for n in _BOOKING_NAMES)

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

# A page of bookings with their total, then each one's pets in their order.
_PG_PAGE = """
    SELECT {columns}, count(*) OVER () AS total
    FROM booking WHERE {party} = {party_id}{status}
    ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3
"""
_PG_PETS = (
    "(SELECT array_agg(p.pet_id ORDER BY p.position) FROM booking_pet p"
    " WHERE p.booking_id = b.id) AS pet_ids"
)


_PG_OWNER = "SELECT b.*, {pets} FROM ({page}) b ORDER BY b.created_at DESC, b.id DESC"
# One row with NULL booking columns when the page is empty; no row without a profile.
_PG_CAREGIVER = """SELECT c.id AS profile_id, b.*, {pets} FROM caregiver_profile c
LEFT JOIN LATERAL ({page}) b ON true
WHERE c.user_id = $1 ORDER BY b.created_at DESC, b.id DESC"""


def _pg_bookings(outer: str, party: str, party_id: str, status: str) -> str:
    page = _PG_PAGE.format(
        columns=", ".join(_BOOKING_NAMES), party=party, party_id=party_id, status=status
    )
    return outer.format(pets=_PG_PETS, page=page)


PG_OWNER_BOOKINGS = _pg_bookings(_PG_OWNER, "owner_id", "$1", "")
PG_OWNER_BOOKINGS_IN_STATUS = _pg_bookings(_PG_OWNER, "owner_id", "$1", " AND status = $4")
PG_CAREGIVER_BOOKINGS = _pg_bookings(_PG_CAREGIVER, "caregiver_id", "c.id", "")
PG_CAREGIVER_BOOKINGS_IN_STATUS = _pg_bookings(
    _PG_CAREGIVER, "caregiver_id", "c.id", " AND status = $4"
)
# The total when the page asked for lies past the last booking.
PG_OWNER_COUNT = "SELECT count(*) FROM booking WHERE owner_id = $1"
PG_CAREGIVER_COUNT = "SELECT count(*) FROM booking WHERE caregiver_id = $1"
PG_IN_STATUS_2 = " AND status = $2"
