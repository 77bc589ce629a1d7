from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec

from tailtribe.domain.model.caregivers import shown_publicly
from tailtribe.domain.model.pricing import UNIT_OF
from tailtribe.domain.ports.queries import ProfileView
from tailtribe.domain.services.caregivers.search import SearchHit
from tailtribe.domain.services.photos.manage_photos import PhotoView
from tailtribe.entrypoints.http.schemas.caregivers import ServiceOut
from tailtribe.entrypoints.http.schemas.photos import PhotoOut


class RatingOut(msgspec.Struct):
    average: Annotated[
        float | None, msgspec.Meta(description="Mean of the review ratings (1..5); null: none yet.")
    ]
    count: Annotated[int, msgspec.Meta(description="How many reviews.")]


class SearchItem(msgspec.Struct):
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
    distance_km: Annotated[
        float, msgspec.Meta(description="From the point or postcode searched from, in km.")
    ]
    price_cents: Annotated[
        int,
        msgspec.Meta(description="The service's price per unit for one pet, integer cents (EUR)."),
    ]
    rating: RatingOut

    @classmethod
    def of(cls, h: SearchHit) -> SearchItem:
        c = h.caregiver
        return cls(
            c.id,
            shown_publicly(c.display_name),
            shown_publicly(c.bio),
            None if c.city is None else shown_publicly(c.city),
            c.postcode,
            c.latitude,
            c.longitude,
            list(c.accepted_species),
            c.max_pets,
            c.cancellation_policy,
            h.distance_km,
            c.price_cents,
            RatingOut(c.rating.average, c.rating.count),
        )


class SearchList(msgspec.Struct):
    items: list[SearchItem]
    total: int
    limit: int
    offset: int


class PublicProfile(msgspec.Struct):
    """A caregiver as anyone sees it: no payout details, no decisions."""

    id: UUID
    display_name: str
    bio: str
    postcode: str | None
    city: str | None
    latitude: float | None
    longitude: float | None
    service_radius_km: int
    accepted_species: list[str]
    max_pets: int
    cancellation_policy: str
    status: str
    services: list[ServiceOut]
    rating: RatingOut
    photos: list[PhotoOut] = msgspec.field(default_factory=list)  # the ready ones

    @classmethod
    def of(cls, c: ProfileView, photos: list[PhotoView] | None = None) -> PublicProfile:
        p, rating = c.profile, c.rating
        return cls(
            id=c.id,
            display_name=shown_publicly(p.display_name),
            bio=shown_publicly(p.bio),
            postcode=p.postcode,
            city=None if p.city is None else shown_publicly(p.city),
            latitude=p.latitude,
            longitude=p.longitude,
            service_radius_km=p.service_radius_km,
            accepted_species=sorted(s.value for s in p.accepted_species),
            max_pets=p.max_pets,
            cancellation_policy=p.cancellation_policy.value,
            status=c.status.value,
            services=[
                ServiceOut(p.service, UNIT_OF[p.service], p.price_cents, p.extra_pet_price_cents)
                for p in c.services
            ],
            rating=RatingOut(rating.average, rating.count),
            photos=[PhotoOut.of(p) for p in photos or []],
        )
