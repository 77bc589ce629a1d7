"""Finding caregivers: where, when, for which pets, at what price."""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Protocol
from uuid import UUID, uuid4

from tailtribe.domain.errors import FieldError, InvalidInput, NotFound
from tailtribe.domain.model.availability import Availability, Occupancy, fits
from tailtribe.domain.model.caregivers import Caregiver
from tailtribe.domain.model.geo import BoundingBox, bounding_box, distance_km
from tailtribe.domain.model.pets import Species
from tailtribe.domain.model.pricing import MAX_PETS_PER_BOOKING, Service, validate_period
from tailtribe.domain.model.reviews import Rating
from tailtribe.domain.model.users import clean_text
from tailtribe.domain.ports import Cache, Page, UnitOfWork

# The caregiver travels to the owner for these: the owner must be within its radius.
AT_OWNERS_HOME = frozenset({Service.DOG_WALKING, Service.DROP_IN, Service.HOUSE_SITTING})
CACHE_SECONDS = 10
GENERATION_KEY = "search:generation"
MAX_RADIUS_KM = 100
MAX_TEXT = 200


class Sort(enum.StrEnum):
    DISTANCE = "distance"
    RATING = "rating"
    PRICE = "price"


@dataclass(frozen=True, slots=True)
class SearchQuery:
    service: Service
    latitude: float
    longitude: float
    radius_km: float = 10
    start: datetime | None = None
    end: datetime | None = None
    species: Species | None = None
    pets: int = 1
    min_price_cents: int | None = None
    max_price_cents: int | None = None
    text: str | None = None
    sort: Sort = Sort.DISTANCE
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the search store found in the box (without availability)."""

    caregiver: Caregiver
    price_cents: int
    rating: Rating


@dataclass(frozen=True, slots=True)
class Schedule:
    availability: Availability
    claims: Sequence[Occupancy]


class CaregiverSearchStore(Protocol):
    async def candidates(self, query: SearchQuery, box: BoundingBox) -> Sequence[Candidate]:
        """Approved caregivers in the box offering the service, with the species,
        pet count, price bounds and text matching."""
        ...

    async def schedules(
        self, caregiver_ids: Sequence[UUID], start: datetime, end: datetime
    ) -> dict[UUID, Schedule]:
        """Weekly windows, blocked periods and active claims on [start, end)."""
        ...

    async def locate_postcode(self, postcode: str) -> tuple[float, float] | None:
        """A point for a Belgian postcode, or None when it is unknown."""
        ...


@dataclass(frozen=True, slots=True)
class SearchHit:
    id: UUID
    display_name: str
    bio: str
    city: str | None
    postcode: str | None
    latitude: float
    longitude: float
    accepted_species: list[str]
    max_pets: int
    cancellation_policy: str
    distance_km: float
    price_cents: int
    rating_average: float | None
    rating_count: int


def _hit(c: Candidate, distance: float) -> SearchHit:
    cg = c.caregiver
    return SearchHit(
        id=cg.id,
        display_name=cg.display_name,
        bio=cg.bio,
        city=cg.city,
        postcode=cg.postcode,
        latitude=cg.latitude or 0.0,
        longitude=cg.longitude or 0.0,
        accepted_species=sorted(s.value for s in cg.accepted_species),
        max_pets=cg.max_pets,
        cancellation_policy=cg.cancellation_policy.value,
        distance_km=round(distance, 2),
        price_cents=c.price_cents,
        rating_average=c.rating.average,
        rating_count=c.rating.count,
    )


def _plain(hit: SearchHit) -> dict[str, object]:
    return {name: getattr(hit, name) for name in _HIT_FIELDS} | {"id": str(hit.id)}


_HIT_FIELDS = tuple(f.name for f in fields(SearchHit))


def _validate(q: SearchQuery) -> None:
    errors: list[FieldError] = []
    if not -90 <= q.latitude <= 90 or not -180 <= q.longitude <= 180:
        errors.append(FieldError("latitude", "a point on Earth"))
    if not 0 < q.radius_km <= MAX_RADIUS_KM:
        errors.append(FieldError("radius_km", f"more than 0, at most {MAX_RADIUS_KM}"))
    if not 1 <= q.pets <= MAX_PETS_PER_BOOKING:
        errors.append(FieldError("pets", f"1..{MAX_PETS_PER_BOOKING}"))
    if (q.start is None) != (q.end is None):
        errors.append(FieldError("end", "start and end go together"))
    if errors:
        raise InvalidInput("invalid search", errors)
    if q.text is not None:
        clean_text(q.text, "q", max_length=MAX_TEXT)
    if q.start is not None and q.end is not None:
        validate_period(q.service, q.start, q.end)


def _order(hits: list[SearchHit], sort: Sort) -> list[SearchHit]:
    if sort is Sort.RATING:
        return sorted(
            hits, key=lambda h: (h.rating_average is None, -(h.rating_average or 0), h.distance_km)
        )
    if sort is Sort.PRICE:
        return sorted(hits, key=lambda h: (h.price_cents, h.distance_km))
    return sorted(hits, key=lambda h: (h.distance_km, h.price_cents))


async def locate(store: CaregiverSearchStore, postcode: str) -> tuple[float, float]:
    """No well-kept package ships Belgian postcode coordinates for offline use:
    a postcode is placed at the centre of the profiles that carry it."""
    point = await store.locate_postcode(postcode)
    if point is None:
        raise InvalidInput(
            "unknown postcode: send latitude and longitude",
            [FieldError("postcode", "unknown; send latitude and longitude")],
        )
    return point


class SearchCaregivers:
    """Approved caregivers offering the service within the radius (great-circle),
    free for [start, end) (their windows, minus blocked periods, minus what is
    booked), accepting the species and the pet count, within the price bounds,
    matching the text; sorted and paged.

    Results are cached for seconds, and every change that can remove a
    caregiver from results (a decision, a profile edit) starts a new cache
    generation, so a suspended caregiver is never served from the cache.
    """

    def __init__(self, store: CaregiverSearchStore, cache: Cache) -> None:
        self._store, self._cache = store, cache

    async def at_postcode(self, q: SearchQuery, postcode: str) -> Page[SearchHit]:
        latitude, longitude = await locate(self._store, postcode)
        return await self(replace(q, latitude=latitude, longitude=longitude))

    async def __call__(self, q: SearchQuery) -> Page[SearchHit]:
        _validate(q)
        if q.start is not None:
            # Calendars change with every booking: periods are never served from the cache.
            return await self._search(q)
        key = await self._key(q)
        if (cached := await self._cache.get(key)) is not None:
            data = json.loads(cached)
            return Page(
                [SearchHit(**{**h, "id": UUID(h["id"])}) for h in data["items"]], data["total"]
            )
        page = await self._search(q)
        payload = {
            "items": [_plain(h) for h in page.items],
            "total": page.total,
        }
        await self._cache.set(key, json.dumps(payload).encode(), CACHE_SECONDS)
        return page

    async def _key(self, q: SearchQuery) -> str:
        generation = (await self._cache.get(GENERATION_KEY) or b"0").decode()
        fingerprint = hashlib.sha256(repr(q).encode()).hexdigest()[:32]
        return f"search:{generation}:{fingerprint}"

    async def _search(self, q: SearchQuery) -> Page[SearchHit]:
        box = bounding_box(q.latitude, q.longitude, q.radius_km)
        near: list[tuple[Candidate, float]] = []
        for c in await self._store.candidates(q, box):
            cg = c.caregiver
            if cg.latitude is None or cg.longitude is None:
                continue
            distance = distance_km(q.latitude, q.longitude, cg.latitude, cg.longitude)
            if distance > q.radius_km:
                continue
            if q.service in AT_OWNERS_HOME and distance > cg.service_radius_km:
                continue
            near.append((c, distance))
        if q.start is not None and q.end is not None and near:
            # Only the caregivers close enough get their calendars loaded.
            schedules = await self._store.schedules(
                [c.caregiver.id for c, _ in near], q.start, q.end
            )
            claim = Occupancy(q.service, q.start, q.end, q.pets)
            near = [
                (c, d)
                for c, d in near
                if (s := schedules.get(c.caregiver.id)) is not None
                and s.availability.allows(q.service, q.start, q.end)
                and fits(claim, s.claims, c.caregiver.max_pets)
            ]
        hits = [_hit(c, d) for c, d in near]
        ordered = _order(hits, q.sort)
        return Page(ordered[q.offset : q.offset + q.limit], len(ordered))


async def invalidate_search(cache: Cache) -> None:
    """Start a new cache generation: older cached results are never read again."""
    await cache.set(GENERATION_KEY, uuid4().hex.encode(), 24 * 3600)


class GetPublicProfile:
    """An approved caregiver as anyone may see it, with its rating (404 otherwise)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, caregiver_id: UUID) -> tuple[Caregiver, Rating]:
        async with self._uow as uow:
            caregiver = await uow.caregivers.get(caregiver_id)
            if caregiver is None or not caregiver.bookable:
                raise NotFound("no such caregiver")
            return caregiver, await uow.reviews.rating(caregiver_id)
