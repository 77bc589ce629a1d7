"""Finding caregivers: where, when, for which pets, at what price."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from tailtribe.domain.errors import FieldError, InvalidInput, NotFound
from tailtribe.domain.model.availability import Occupancy, fits
from tailtribe.domain.model.caregivers import bookable
from tailtribe.domain.model.geo import bounding_box, distance_km
from tailtribe.domain.model.pricing import MAX_PETS_PER_BOOKING, Service, validate_period
from tailtribe.domain.model.reviews import Rating
from tailtribe.domain.model.time import local
from tailtribe.domain.model.users import clean_text
from tailtribe.domain.ports.files import ObjectStorage
from tailtribe.domain.ports.queries import CaregiverQueries, ProfileView
from tailtribe.domain.ports.search import (
    Candidate,
    CaregiverSearchStore,
    SearchQuery,
    Sort,
)
from tailtribe.domain.ports.storage import Cache, Page
from tailtribe.domain.services.photos.manage_photos import PhotoView, photo_view

# The caregiver travels to the owner for these: the owner must be within its radius.
AT_OWNERS_HOME = frozenset({Service.DOG_WALKING, Service.DROP_IN, Service.HOUSE_SITTING})
CACHE_SECONDS = 10
GENERATION_KEY = "search:generation"
MAX_RADIUS_KM = 100
MAX_TEXT = 200


def period_weekdays(start: datetime, end: datetime) -> list[int]:
    """The Brussels weekdays from the start's local date to the end's: the only
    weekly windows `Availability.allows` can consult for [start, end)."""
    first, last = local(start).date(), local(end).date()
    days = min((last - first).days, 6)
    return sorted({(first + timedelta(days=i)).weekday() for i in range(days + 1)})


@dataclass(frozen=True, slots=True)
class SearchHit:
    caregiver: Candidate
    distance_km: float  # rounded to 10 m, as shown


def _plain(hit: SearchHit) -> dict[str, object]:
    """A hit for the cache (only searches without a period are cached: no schedule)."""
    c = hit.caregiver
    return {
        **{f.name: getattr(c, f.name) for f in fields(c) if f.name not in _NOT_CACHED},
        "id": str(c.id),
        "rating": [c.rating.average, c.rating.count],
        "distance_km": hit.distance_km,
    }


def _unplain(data: dict[str, Any]) -> SearchHit:
    distance = data.pop("distance_km")
    average, count = data.pop("rating")
    candidate = Candidate(
        **{
            **data,
            "id": UUID(data["id"]),
            "accepted_species": tuple(data["accepted_species"]),
            "rating": Rating(average, count),
        }
    )
    return SearchHit(candidate, distance)


_NOT_CACHED = frozenset({"id", "rating", "schedule"})


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


def _order(near: list[tuple[Candidate, float]], sort: Sort) -> list[tuple[Candidate, float]]:
    # Ties are broken on rounded distances, as the client sees them.
    if sort is Sort.RATING:
        return sorted(
            near,
            key=lambda h: (
                h[0].rating.average is None,
                -(h[0].rating.average or 0),
                round(h[1], 2),
            ),
        )
    if sort is Sort.PRICE:
        return sorted(near, key=lambda h: (h[0].price_cents, round(h[1], 2)))
    return sorted(near, key=lambda h: (round(h[1], 2), h[0].price_cents))


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
            return Page([_unplain(h) for h in data["items"]], data["total"])
        page = await self._search(q)
        payload = {
            "items": [_plain(h) for h in page.items],
            "total": page.total,
        }
        await self._cache.set(key, json.dumps(payload).encode(), CACHE_SECONDS)
        return page

    async def rendered_at_postcode(
        self, q: SearchQuery, postcode: str, render: Callable[[Page[SearchHit]], bytes]
    ) -> bytes:
        latitude, longitude = await locate(self._store, postcode)
        return await self.rendered(replace(q, latitude=latitude, longitude=longitude), render)

    async def rendered(self, q: SearchQuery, render: Callable[[Page[SearchHit]], bytes]) -> bytes:
        """The page as `render` encodes it (one encoding per process: the caller's
        response). Without a period the encoding itself is cached, stamped with the
        cache generation it was found in; the generation and the page are read in one
        round trip, and a page of an older generation is never returned."""
        _validate(q)
        if q.start is not None:
            return render(await self._search(q))
        key = f"search:rendered:{_fingerprint(q)}"
        generation, cached = await self._cache.get_many(GENERATION_KEY, key)
        stamp = (generation or b"0") + b"\n"  # a generation is hex: no newline in it
        if cached is not None and cached.startswith(stamp):
            return cached[len(stamp) :]
        body = render(await self._search(q))
        await self._cache.set(key, stamp + body, CACHE_SECONDS)
        return body

    async def _key(self, q: SearchQuery) -> str:
        generation = (await self._cache.get(GENERATION_KEY) or b"0").decode()
        return f"search:{generation}:{_fingerprint(q)}"

    async def _search(self, q: SearchQuery) -> Page[SearchHit]:
        box = bounding_box(q.latitude, q.longitude, q.radius_km)
        at_home = q.service in AT_OWNERS_HOME
        found = None if q.start is None else await self._store.available_page(q, box, at_home)
        if found is not None:
            # The store decided everything; the distances shown are computed here, as below.
            items, total = found
            return Page(
                [
                    SearchHit(
                        c, round(distance_km(q.latitude, q.longitude, c.latitude, c.longitude), 2)
                    )
                    for c in items
                ],
                total,
            )
        claim = (
            Occupancy(q.service, q.start, q.end, q.pets)
            if q.start is not None and q.end is not None
            else None
        )
        near: list[tuple[Candidate, float]] = []
        for c in await self._store.candidates(q, box):
            distance = distance_km(q.latitude, q.longitude, c.latitude, c.longitude)
            if distance > q.radius_km or (at_home and distance > c.service_radius_km):
                continue
            if claim is not None and not (
                (s := c.schedule) is not None
                and s.availability.allows(claim.service, claim.start, claim.end)
                and fits(claim, s.claims, c.max_pets)
            ):
                continue
            near.append((c, distance))
        page = _order(near, q.sort)[q.offset : q.offset + q.limit]
        return Page([SearchHit(c, round(d, 2)) for c, d in page], len(near))


def _fingerprint(q: SearchQuery) -> str:
    return hashlib.sha256(repr(q).encode()).hexdigest()[:32]


async def invalidate_search(cache: Cache) -> None:
    """Start a new cache generation: older cached results are never read again."""
    await cache.set(GENERATION_KEY, uuid4().hex.encode(), 24 * 3600)


class GetPublicProfile:
    """An approved caregiver as anyone may see it, with its rating and its
    ready photos (404 otherwise). A read model in one query: no aggregate, no lock."""

    def __init__(self, queries: CaregiverQueries, storage: ObjectStorage) -> None:
        self._queries, self._storage = queries, storage

    async def __call__(self, caregiver_id: UUID) -> tuple[ProfileView, list[PhotoView]]:
        found = await self._queries.profile(caregiver_id)
        if found is None or not bookable(found.status):
            raise NotFound("no such caregiver")
        return found, [photo_view(self._storage, p) for p in found.photos]
