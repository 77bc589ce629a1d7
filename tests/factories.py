"""Test data: the users, caregivers, pets and bookings most tests start from.

Two levels. The domain builders make objects in memory, for tests that store
them through a unit of work. The `Api` ones drive the HTTP API as a client
would: an admin, an approved caregiver, an owner with a pet, a booking.
Everything the tests assert on stays in the tests; these only set the scene.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from tailtribe.domain.model.bookings import Booking
from tailtribe.domain.model.cancellation import CancellationPolicy
from tailtribe.domain.model.caregivers import Caregiver, ProfileDetails
from tailtribe.domain.model.money import CommissionRate
from tailtribe.domain.model.pets import Pet, PetDetails, Species
from tailtribe.domain.model.pricing import Quote, Service
from tailtribe.domain.model.users import Locale, User
from tailtribe.domain.ports.storage import UnitOfWork
from tests.support import Api

BRUSSELS = ZoneInfo("Europe/Brussels")
Json = dict[str, Any]
Headers = dict[str, str]

# A one-hour walk: 15 EUR, of which 3 EUR commission.
WALK_PRICE = Quote(1, 1500, 300, 1200)

# -- domain objects ---------------------------------------------------------


def user(name: str, now: datetime, *, email: str | None = None, locale: Locale = Locale.NL) -> User:
    """A registered user; without `email`, a fresh address from the name."""
    return User.register(
        id=uuid.uuid4(),
        email=email or f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.be",
        full_name=name,
        password_hash="h",
        locale=locale,
        now=now,
    )


def caregiver(carer: User, now: datetime, display_name: str = "C", **profile: Any) -> Caregiver:
    """The caregiver profile of `carer`: a draft unless `profile` says more."""
    return Caregiver(
        id=uuid.uuid4(),
        user_id=carer.id,
        profile=ProfileDetails(display_name=display_name, **profile),
        created_at=now,
    )


def pet(owner: User, now: datetime, name: str = "Rex", species: Species = Species.DOG) -> Pet:
    return Pet(uuid.uuid4(), owner.id, PetDetails(name, species), now)


def booking_request(
    owner_id: UUID,
    caregiver_id: UUID,
    pet_ids: tuple[UUID, ...],
    start: datetime,
    *,
    now: datetime,
    hours: int = 1,
    service: Service = Service.DOG_WALKING,
    price: Quote = WALK_PRICE,
) -> Booking:
    """A requested booking at 20% commission under the flexible policy."""
    return Booking.request(
        id=uuid.uuid4(),
        owner_id=owner_id,
        caregiver_id=caregiver_id,
        service=service,
        pet_ids=pet_ids,
        start=start,
        end=start + timedelta(hours=hours),
        price=price,
        rate=CommissionRate(Decimal(20)),
        policy=CancellationPolicy.FLEXIBLE,
        now=now,
    )


@dataclass(frozen=True)
class Booked:
    """An owner, a caregiver and the owner's pet, with one walk booked."""

    owner: User
    carer: User
    caregiver: Caregiver
    pet: Pet
    booking: Booking

    async def store(self, uow: UnitOfWork) -> None:
        await uow.users.add(self.owner)
        await uow.users.add(self.carer)
        await uow.caregivers.add(self.caregiver)
        await uow.pets.add(self.pet)
        await uow.bookings.add(self.booking)


def booked_walk(created: datetime, start: datetime, *, requested: datetime | None = None) -> Booked:
    """Everyone made at `created`; a one-hour walk at `start`, requested at
    `requested` (else `created`)."""
    owner, carer = user("owner", created), user("carer", created)
    cg = caregiver(carer, created)
    rex = pet(owner, created)
    booking = booking_request(
        owner.id, cg.id, (rex.id,), start, now=created if requested is None else requested
    )
    return Booked(owner, carer, cg, rex, booking)


def complete(booking: Booking) -> Booking:
    """Take a requested booking a minute to be paid and accepted, then done on time."""
    created = booking.created_at
    booking.attach_payment(f"pi_{uuid.uuid4().hex}", "secret")
    booking.authorize(created + timedelta(minutes=1), booking.price.total_cents)
    booking.accept(created + timedelta(minutes=2))
    booking.record_capture(created + timedelta(minutes=2), f"ch_{uuid.uuid4().hex}", 50)
    booking.start_service(booking.start)
    booking.complete(booking.end, timedelta(hours=48))
    return booking


def _ten_days_ago() -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(days=10)


def completed_walk() -> Booked:
    """A paid 15 EUR walk ten days ago, done: its owner may review it."""
    created = _ten_days_ago()
    booked = booked_walk(created, created + timedelta(days=1))
    complete(booked.booking)
    return booked


def completed_booking(owner_id: UUID, caregiver_id: UUID, pet_id: UUID) -> Booking:
    """A paid 15 EUR walk of the pet ten days ago, done: its owner may review it."""
    created = _ten_days_ago()
    start = created + timedelta(days=1)
    return complete(booking_request(owner_id, caregiver_id, (pet_id,), start, now=created))


# -- through the API --------------------------------------------------------


def next_monday(hour: int, weeks: int = 1) -> datetime:
    """`hour` o'clock in Brussels on the Monday `weeks` weeks ahead."""
    today = datetime.now(BRUSSELS).replace(hour=hour, minute=0, second=0, microsecond=0)
    return today + timedelta(days=(7 - today.weekday()) % 7 + 7 * weeks)


def walk(profile: Json, pet: str, start: datetime, minutes: int = 60) -> Json:
    """The body that books a dog walk of the pet with the caregiver."""
    return {
        "caregiver_id": profile["id"],
        "service": "dog_walking",
        "pet_ids": [pet],
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=minutes)).isoformat(),
    }


async def marketplace(api: Api) -> tuple[Json, Headers, Headers, Headers, str]:
    """An approved caregiver, an owner with a dog and the admin who approved:
    (caregiver profile, caregiver headers, owner headers, admin headers, pet id)."""
    admin = await api.new_admin()
    profile, caregiver = await api.approved_caregiver(admin)
    _, owner = await api.new_user()
    pet = (
        await api.client.post("/api/v1/pets", json={"name": "Rex", "species": "dog"}, headers=owner)
    ).json()
    return profile, caregiver, owner, admin, pet["id"]


async def requested_walk(
    api: Api, profile: Json, pet: str, owner: Headers, start: datetime, minutes: int = 60
) -> Json:
    """The owner books a walk; the booking as the API answers it."""
    created = await api.client.post(
        "/api/v1/bookings", json=walk(profile, pet, start, minutes), headers=owner
    )
    assert created.status_code == 201, created.text
    booking: Json = created.json()
    return booking
