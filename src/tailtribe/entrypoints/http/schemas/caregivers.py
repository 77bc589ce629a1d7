from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any
from uuid import UUID

import msgspec

from tailtribe.domain.model.availability import (
    MAX_BLOCKED,
    MAX_WINDOWS,
    Availability,
    BlockedPeriod,
    WeeklyWindow,
)
from tailtribe.domain.model.cancellation import CancellationPolicy
from tailtribe.domain.model.caregivers import (
    MAX_BIO_LENGTH,
    MAX_CITY,
    MAX_DISPLAY_NAME,
    MAX_PETS,
    MAX_RADIUS_KM,
    MIN_BIO_LENGTH,
    POSTCODE_PATTERN,
    Caregiver,
    CaregiverStatus,
    DecisionKind,
)
from tailtribe.domain.model.pets import Species
from tailtribe.domain.model.pricing import (
    MAX_PRICE_CENTS,
    MIN_PRICE_CENTS,
    UNIT_OF,
    Service,
    ServicePrice,
    Unit,
)
from tailtribe.entrypoints.http.schemas.common import (
    Instant,
    Strict,
    free_text,
    name_text,
    sent_fields,
    text,
)

Unset = msgspec.UnsetType
UNSET = msgspec.UNSET
Latitude = Annotated[float, msgspec.Meta(ge=-90, le=90, examples=[51.0543])]
Longitude = Annotated[float, msgspec.Meta(ge=-180, le=180, examples=[3.7174])]
Postcode = Annotated[
    str,
    msgspec.Meta(
        pattern=POSTCODE_PATTERN, description="Belgian postcode, 1000..9999.", examples=["9000"]
    ),
]
Radius = Annotated[
    int,
    msgspec.Meta(
        ge=1, le=MAX_RADIUS_KM, description="How far the caregiver travels, in km.", examples=[15]
    ),
]
PetCount = Annotated[
    int,
    msgspec.Meta(ge=1, le=MAX_PETS, description="Most pets cared for at once.", examples=[3]),
]
SpeciesList = Annotated[
    list[Species], msgspec.Meta(max_length=len(Species), examples=[["dog", "cat"]])
]
ClockTime = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
        description="Local time in Belgium, HH:MM.",
        examples=["08:00"],
    ),
]
Policy = Annotated[
    CancellationPolicy,
    msgspec.Meta(
        description="How much of the price an owner gets back when cancelling: "
        "see the cancellation rules in the product documentation.",
    ),
]
Cents = Annotated[
    int,
    msgspec.Meta(
        ge=MIN_PRICE_CENTS,
        le=MAX_PRICE_CENTS,
        description="Integer cents (EUR) per unit of the service: a walk, a visit, a night.",
        examples=[1500],
    ),
]
ExtraPetCents = Annotated[
    int,
    msgspec.Meta(
        ge=0,
        le=MAX_PRICE_CENTS,
        description="Integer cents (EUR) per unit for each pet after the first.",
        examples=[500],
    ),
]


class ProfilePatch(Strict):
    """Profile fields; on create every one is optional, on PATCH only the sent ones change."""

    display_name: (
        Annotated[str, name_text(MAX_DISPLAY_NAME), msgspec.Meta(examples=["Sofie's Dog Care"])]
        | Unset
    ) = UNSET
    bio: (
        Annotated[
            str,
            free_text(MAX_BIO_LENGTH, multiline=True),
            msgspec.Meta(
                description=f"At least {MIN_BIO_LENGTH} characters to submit the profile "
                "for review; no contact details.",
                examples=[
                    "Ervaren hondenoppas in Gent met een grote tuin en veel geduld voor elke hond."
                ],
            ),
        ]
        | Unset
    ) = UNSET
    postcode: Postcode | Unset | None = UNSET
    city: Annotated[str, free_text(MAX_CITY), msgspec.Meta(examples=["Gent"])] | Unset | None = (
        UNSET
    )
    latitude: Latitude | Unset | None = UNSET
    longitude: Longitude | Unset | None = UNSET
    service_radius_km: Radius | Unset = UNSET
    accepted_species: SpeciesList | Unset = UNSET
    max_pets: PetCount | Unset = UNSET
    cancellation_policy: Policy | Unset = UNSET

    def changes(self) -> dict[str, Any]:
        values = sent_fields(self)
        if "accepted_species" in values:
            values["accepted_species"] = frozenset(values["accepted_species"])
        return values


class ServiceIn(Strict):
    service: Service
    price_cents: Cents
    extra_pet_price_cents: ExtraPetCents = 0


ServicesBody = Annotated[
    list[ServiceIn],
    msgspec.Meta(
        max_length=len(Service),
        description="Every service offered, each at most once; replaces the previous list.",
    ),
]


class WindowIn(Strict):
    """A weekly window the caregiver works in; it ends after it starts."""

    weekday: Annotated[int, msgspec.Meta(ge=0, le=6, description="0 = Monday .. 6 = Sunday.")]
    start: ClockTime
    end: ClockTime


class PeriodIn(Strict):
    """A period the caregiver takes no bookings in; it ends after it starts."""

    start: Instant
    end: Instant


class AvailabilityBody(Strict):
    weekly: Annotated[list[WindowIn], msgspec.Meta(max_length=MAX_WINDOWS)] = msgspec.field(
        default_factory=list
    )
    blocked: Annotated[list[PeriodIn], msgspec.Meta(max_length=MAX_BLOCKED)] = msgspec.field(
        default_factory=list
    )

    def availability(self) -> Availability:
        return Availability(
            weekly=tuple(
                WeeklyWindow(w.weekday, time.fromisoformat(w.start), time.fromisoformat(w.end))
                for w in self.weekly
            ),
            blocked=tuple(BlockedPeriod(b.start, b.end) for b in self.blocked),
        )


def service_prices(body: list[ServiceIn]) -> tuple[ServicePrice, ...]:
    return tuple(ServicePrice(s.service, s.price_cents, s.extra_pet_price_cents) for s in body)


class ServiceOut(msgspec.Struct):
    service: Service
    unit: Annotated[Unit, msgspec.Meta(description="What one price counts: a visit, day or night.")]
    price_cents: Annotated[int, msgspec.Meta(description="Integer cents (EUR) per unit.")]
    extra_pet_price_cents: Annotated[
        int, msgspec.Meta(description="Integer cents (EUR) per unit for each further pet.")
    ]


class WindowOut(msgspec.Struct):
    weekday: int
    start: str
    end: str


class PeriodOut(msgspec.Struct):
    start: datetime
    end: datetime


class AvailabilityOut(msgspec.Struct):
    weekly: list[WindowOut]
    blocked: list[PeriodOut]


class DecisionOut(msgspec.Struct):
    decision: DecisionKind
    at: datetime
    reason: str | None
    admin_id: UUID | None = None  # to admins only


class ProfileOut(msgspec.Struct):
    """The profile as its caregiver and admins see it."""

    id: UUID
    user_id: UUID
    display_name: str
    bio: str
    postcode: str | None
    city: str | None
    latitude: float | None
    longitude: float | None
    service_radius_km: int
    accepted_species: list[Species]
    max_pets: int
    cancellation_policy: CancellationPolicy
    status: CaregiverStatus
    services: list[ServiceOut]
    availability: AvailabilityOut
    stripe_account_id: Annotated[
        str | None, msgspec.Meta(description="The Stripe connected account payouts go to.")
    ]
    payouts_enabled: Annotated[
        bool, msgspec.Meta(description="Stripe can pay out to the caregiver (onboarding done).")
    ]
    decisions: list[DecisionOut]
    missing_for_submission: Annotated[
        list[str],
        msgspec.Meta(description="What the profile still needs before it can be submitted."),
    ]

    @classmethod
    def of(cls, c: Caregiver, *, for_admin: bool = False) -> ProfileOut:
        species_order = list(Species)
        p = c.profile
        return cls(
            id=c.id,
            user_id=c.user_id,
            display_name=p.display_name,
            bio=p.bio,
            postcode=p.postcode,
            city=p.city,
            latitude=p.latitude,
            longitude=p.longitude,
            service_radius_km=p.service_radius_km,
            accepted_species=sorted(p.accepted_species, key=species_order.index),
            max_pets=p.max_pets,
            cancellation_policy=p.cancellation_policy,
            status=c.status,
            services=[
                ServiceOut(p.service, UNIT_OF[p.service], p.price_cents, p.extra_pet_price_cents)
                for p in c.services
            ],
            availability=AvailabilityOut(
                weekly=[
                    WindowOut(w.weekday, w.start.strftime("%H:%M"), w.end.strftime("%H:%M"))
                    for w in c.availability.weekly
                ],
                blocked=[PeriodOut(b.start, b.end) for b in c.availability.blocked],
            ),
            stripe_account_id=c.stripe_account_id,
            payouts_enabled=c.payouts_enabled,
            decisions=[
                DecisionOut(d.kind, d.at, d.reason, d.admin_id if for_admin else None)
                for d in c.decisions
            ],
            missing_for_submission=c.missing_for_submission(),
        )


class ProfileList(msgspec.Struct):
    items: list[ProfileOut]
    total: int
    limit: int
    offset: int


class ReasonBody(Strict):
    reason: Annotated[
        str,
        msgspec.Meta(min_length=1, max_length=2000, pattern=r"\S"),
        msgspec.Meta(description="Shown to the caregiver; not blank."),
    ]


class OptionalReasonBody(Strict):
    reason: Annotated[str, text(2000)] | None = None
