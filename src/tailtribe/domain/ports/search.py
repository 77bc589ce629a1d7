"""Caregiver search: the store that finds candidates, and what it is asked and answers."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from tailtribe.domain.model.availability import Availability, Occupancy
from tailtribe.domain.model.geo import BoundingBox
from tailtribe.domain.model.pets import Species
from tailtribe.domain.model.pricing import Service
from tailtribe.domain.model.reviews import Rating


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
class Schedule:
    """A caregiver's calendar around one period: the weekly windows of the
    weekdays the period touches, the blocked periods and the active claims
    that overlap it."""

    availability: Availability
    claims: Sequence[Occupancy]


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the search store found in the box: what a result shows, and what
    the exact checks need. No domain aggregate: this is the hot path."""

    id: UUID
    display_name: str
    bio: str
    city: str | None
    postcode: str | None
    latitude: float
    longitude: float
    service_radius_km: int
    accepted_species: tuple[str, ...]  # sorted
    max_pets: int
    cancellation_policy: str
    price_cents: int
    rating: Rating
    schedule: Schedule | None = None


class CaregiverSearchStore(Protocol):
    async def candidates(self, query: SearchQuery, box: BoundingBox) -> Sequence[Candidate]:
        """Approved caregivers in the box offering the service, with the species,
        pet count, price bounds and text matching; when the query has a period,
        each with its schedule around it (see `services.caregivers.search.period_weekdays`)."""
        ...

    async def available_page(
        self, query: SearchQuery, box: BoundingBox, at_owners_home: bool
    ) -> tuple[Sequence[Candidate], int] | None:
        """For a query with a period, the page itself and the total: every rule of
        `SearchCaregivers` decided by the store (distance, radii, windows, blocked
        periods, capacity, order, offset and limit), without schedules. None
        when the store cannot, and the service decides on `candidates`."""
        ...

    async def locate_postcode(self, postcode: str) -> tuple[float, float] | None:
        """A point for a Belgian postcode, or None when it is unknown."""
        ...
