from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from tailtribe.domain.model.caregivers import shown_publicly
from tailtribe.domain.model.pricing import UNIT_OF
from tailtribe.domain.ports.queries import ProfileView
from tailtribe.domain.services.caregivers.favorites import FavoriteView
from tailtribe.domain.services.caregivers.search import SearchHit
from tailtribe.domain.services.photos.manage_photos import PhotoView
from tailtribe.entrypoints.http.schemas.caregivers import (
    PETS,
    POLICY,
    RADIUS,
    SERVICES,
    SPECIES,
    STATUS,
    ServiceOut,
)
from tailtribe.entrypoints.http.schemas.common import PAGE_ITEMS, PageLimit, PageOffset, Total
from tailtribe.entrypoints.http.schemas.photos import PhotoOut

_MASKED = "contact details in it are masked."
Id = Annotated[UUID, msgspec.Meta(description="The caregiver profile's id, as bookings take it.")]
DisplayName = Annotated[str, msgspec.Meta(description=f"The name shown to owners; {_MASKED}")]
Bio = Annotated[str, msgspec.Meta(description=f"The caregiver's text; {_MASKED}")]
City = Annotated[str | None, msgspec.Meta(description=f"The town; {_MASKED} Null if not set.")]
Postcode = Annotated[
    str | None, msgspec.Meta(description="Belgian postcode, 1000..9999; null if not set.")
]
SpeciesNames = Annotated[list[str], msgspec.Meta(description=SPECIES)]
MaxPets = Annotated[int, msgspec.Meta(description=PETS)]
PolicyName = Annotated[str, msgspec.Meta(description=POLICY)]


class RatingOut(msgspec.Struct):
    average: Annotated[
        float | None, msgspec.Meta(description="Mean of the review ratings (1..5); null: none yet.")
    ]
    count: Annotated[int, msgspec.Meta(description="How many reviews.")]


Rating = Annotated[RatingOut, msgspec.Meta(description="The caregiver's reviews.")]


class SearchItem(msgspec.Struct):
    id: Id
    display_name: DisplayName
    bio: Bio
    city: City
    postcode: Postcode
    latitude: Annotated[float, msgspec.Meta(description="Degrees north (WGS 84).")]
    longitude: Annotated[float, msgspec.Meta(description="Degrees east (WGS 84).")]
    accepted_species: SpeciesNames
    max_pets: MaxPets
    cancellation_policy: PolicyName
    distance_km: Annotated[
        float, msgspec.Meta(description="From the point or postcode searched from, in km.")
    ]
    price_cents: Annotated[
        int,
        msgspec.Meta(description="The service's price per unit for one pet, integer cents (EUR)."),
    ]
    rating: Rating
    # Per caller, set after the shared cache (controllers/search.py): false there.
    favorite: Annotated[
        bool,
        msgspec.Meta(
            description="Whether the signed-in caller saved this caregiver; "
            "false without a bearer token."
        ),
    ] = False

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
    items: Annotated[list[SearchItem], msgspec.Meta(description=PAGE_ITEMS)]
    total: Total
    limit: PageLimit
    offset: PageOffset


class PublicProfile(msgspec.Struct):
    """A caregiver as anyone sees it: no payout details, no decisions."""

    id: Id
    display_name: DisplayName
    bio: Bio
    postcode: Postcode
    city: City
    latitude: Annotated[
        float | None, msgspec.Meta(description="Degrees north (WGS 84); null if not set.")
    ]
    longitude: Annotated[
        float | None, msgspec.Meta(description="Degrees east (WGS 84); null if not set.")
    ]
    service_radius_km: Annotated[int, msgspec.Meta(description=RADIUS)]
    accepted_species: SpeciesNames
    max_pets: MaxPets
    cancellation_policy: PolicyName
    status: Annotated[str, msgspec.Meta(description=STATUS)]
    services: Annotated[list[ServiceOut], msgspec.Meta(description=SERVICES)]
    rating: Rating
    photos: Annotated[
        list[PhotoOut], msgspec.Meta(description="The caregiver's photos that are ready.")
    ] = msgspec.field(default_factory=list)

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


class FavoriteItem(msgspec.Struct):
    saved_at: Annotated[datetime, msgspec.Meta(description="When the caller saved the caregiver.")]
    caregiver: Annotated[
        PublicProfile, msgspec.Meta(description="The caregiver as its public profile shows it.")
    ]

    @classmethod
    def of(cls, f: FavoriteView) -> FavoriteItem:
        return cls(f.saved_at, PublicProfile.of(f.caregiver, f.photos))


class FavoriteList(msgspec.Struct):
    items: Annotated[list[FavoriteItem], msgspec.Meta(description=PAGE_ITEMS)]
    total: Total
    limit: PageLimit
    offset: PageOffset
