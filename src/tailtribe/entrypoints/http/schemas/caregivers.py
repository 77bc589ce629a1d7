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
    INSTANT,
    PAGE_ITEMS,
    Instant,
    PageLimit,
    PageOffset,
    ServiceKind,
    Strict,
    Total,
    free_text,
    name_text,
    sent_fields,
    text,
)

Unset = msgspec.UnsetType
UNSET = msgspec.UNSET
STATUS = (
    "draft -> pending_review (submitted) -> approved (found in search) or rejected; "
    "an approved caregiver may be suspended and reinstated."
)
SERVICES = "The services offered, with their prices."
RADIUS = "How far the caregiver travels, in km."
SPECIES = "The kinds of pets the caregiver takes."
PETS = "Most pets cared for at once."
POLICY = (
    "How much of the price an owner gets back when cancelling (flexible, moderate or strict); "
    "see the cancellation rules in the product documentation."
)

Latitude = Annotated[
    float,
    msgspec.Meta(
        ge=-90,
        le=90,
        description="Where the caregiver is: degrees north (WGS 84).",
        examples=[51.0543],
    ),
]
Longitude = Annotated[
    float,
    msgspec.Meta(
        ge=-180,
        le=180,
        description="Where the caregiver is: degrees east (WGS 84).",
        examples=[3.7174],
    ),
]
Postcode = Annotated[
    str,
    msgspec.Meta(
        pattern=POSTCODE_PATTERN, description="Belgian postcode, 1000..9999.", examples=["9000"]
    ),
]
Radius = Annotated[
    int,
    msgspec.Meta(ge=1, le=MAX_RADIUS_KM, description=RADIUS, examples=[15]),
]
PetCount = Annotated[
    int,
    msgspec.Meta(ge=1, le=MAX_PETS, description=PETS, examples=[3]),
]
SpeciesList = Annotated[
    list[Species],
    msgspec.Meta(
        max_length=len(Species),
        description=SPECIES,
        examples=[["dog", "cat"]],
    ),
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
    city: (
        Annotated[
            str,
            free_text(MAX_CITY),
            msgspec.Meta(description="The caregiver's town, shown publicly.", examples=["Gent"]),
        ]
        | Unset
        | None
    ) = UNSET
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
    service: ServiceKind
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
    """The whole availability: it replaces the previous one."""

    weekly: Annotated[
        list[WindowIn],
        msgspec.Meta(
            max_length=MAX_WINDOWS, description="The weekly windows bookings may fall in."
        ),
    ] = msgspec.field(default_factory=list)
    blocked: Annotated[
        list[PeriodIn],
        msgspec.Meta(max_length=MAX_BLOCKED, description="Periods with no bookings."),
    ] = msgspec.field(default_factory=list)

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
    service: ServiceKind
    unit: Annotated[Unit, msgspec.Meta(description="What one price counts: a visit, day or night.")]
    price_cents: Annotated[int, msgspec.Meta(description="Integer cents (EUR) per unit.")]
    extra_pet_price_cents: Annotated[
        int, msgspec.Meta(description="Integer cents (EUR) per unit for each further pet.")
    ]


class WindowOut(msgspec.Struct):
    weekday: Annotated[int, msgspec.Meta(description="0 = Monday .. 6 = Sunday.")]
    start: Annotated[str, msgspec.Meta(description="Local time in Belgium, HH:MM.")]
    end: Annotated[str, msgspec.Meta(description="Local time in Belgium, HH:MM; after start.")]


class PeriodOut(msgspec.Struct):
    start: Annotated[datetime, msgspec.Meta(description=f"Start of the period; {INSTANT}.")]
    end: Annotated[datetime, msgspec.Meta(description=f"End of the period; {INSTANT}.")]


class AvailabilityOut(msgspec.Struct):
    weekly: Annotated[
        list[WindowOut], msgspec.Meta(description="The weekly windows bookings may fall in.")
    ]
    blocked: Annotated[list[PeriodOut], msgspec.Meta(description="Periods with no bookings.")]


class DecisionOut(msgspec.Struct):
    decision: Annotated[
        DecisionKind,
        msgspec.Meta(description="An admin's decision: approve, reject, suspend or reinstate."),
    ]
    at: Annotated[datetime, msgspec.Meta(description=f"When it was taken; {INSTANT}.")]
    reason: Annotated[
        str | None, msgspec.Meta(description="The reason given to the caregiver; null if none.")
    ]
    admin_id: Annotated[
        UUID | None,
        msgspec.Meta(description="The deciding admin's user id; shown to admins only, else null."),
    ] = None


class ProfileOut(msgspec.Struct):
    """The profile as its caregiver and admins see it."""

    id: Annotated[UUID, msgspec.Meta(description="The caregiver profile's id.")]
    user_id: Annotated[UUID, msgspec.Meta(description="The caregiver's user id.")]
    display_name: Annotated[str, msgspec.Meta(description="The name shown to owners.")]
    bio: Annotated[str, msgspec.Meta(description="The caregiver's text about themselves.")]
    postcode: Annotated[
        str | None, msgspec.Meta(description="Belgian postcode, 1000..9999; null if not set.")
    ]
    city: Annotated[str | None, msgspec.Meta(description="The town; null if not set.")]
    latitude: Annotated[
        float | None, msgspec.Meta(description="Degrees north (WGS 84); null if not set.")
    ]
    longitude: Annotated[
        float | None, msgspec.Meta(description="Degrees east (WGS 84); null if not set.")
    ]
    service_radius_km: Annotated[int, msgspec.Meta(description=RADIUS)]
    accepted_species: Annotated[list[Species], msgspec.Meta(description=SPECIES)]
    max_pets: Annotated[int, msgspec.Meta(description=PETS)]
    cancellation_policy: Annotated[CancellationPolicy, msgspec.Meta(description=POLICY)]
    status: Annotated[CaregiverStatus, msgspec.Meta(description=STATUS)]
    services: Annotated[list[ServiceOut], msgspec.Meta(description=SERVICES)]
    availability: Annotated[
        AvailabilityOut, msgspec.Meta(description="When the caregiver takes bookings.")
    ]
    stripe_account_id: Annotated[
        str | None, msgspec.Meta(description="The Stripe connected account payouts go to.")
    ]
    payouts_enabled: Annotated[
        bool, msgspec.Meta(description="Stripe can pay out to the caregiver (onboarding done).")
    ]
    decisions: Annotated[
        list[DecisionOut], msgspec.Meta(description="The admins' decisions on the profile.")
    ]
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
    items: Annotated[list[ProfileOut], msgspec.Meta(description=PAGE_ITEMS)]
    total: Total
    limit: PageLimit
    offset: PageOffset


class ReasonBody(Strict):
    reason: Annotated[
        str,
        msgspec.Meta(min_length=1, max_length=2000, pattern=r"\S"),
        msgspec.Meta(description="Shown to the caregiver; not blank."),
    ]


class OptionalReasonBody(Strict):
    reason: (
        Annotated[
            str,
            text(2000),
            msgspec.Meta(description="Why, for the caregiver to read; null or absent: none."),
        ]
        | None
    ) = None
