"""Services, their units, and the price of a booking."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from tailtribe.domain.errors import FieldError, InvalidInput
from tailtribe.domain.model.money import CommissionRate, split
from tailtribe.domain.model.time import local, local_date, require_aware, utc


class Service(enum.StrEnum):
    """Priced per visit (dog_walking, drop_in), per day (day_care) or per night
    (house_sitting, boarding)."""

    DOG_WALKING = "dog_walking"
    DROP_IN = "drop_in"
    DAY_CARE = "day_care"
    HOUSE_SITTING = "house_sitting"
    BOARDING = "boarding"


class Unit(enum.StrEnum):
    VISIT = "visit"
    DAY = "day"
    NIGHT = "night"


UNIT_OF: dict[Service, Unit] = {
    Service.DOG_WALKING: Unit.VISIT,
    Service.DROP_IN: Unit.VISIT,
    Service.DAY_CARE: Unit.DAY,
    Service.HOUSE_SITTING: Unit.NIGHT,
    Service.BOARDING: Unit.NIGHT,
}

VISIT_MIN = timedelta(minutes=15)
VISIT_MAX = timedelta(hours=3)
MAX_BOOKING = timedelta(days=30)
MIN_PRICE_CENTS = 100
# Sanity ceiling on any per-unit price: EUR 10,000 a night is far beyond the market.
MAX_PRICE_CENTS = 1_000_000
MAX_PETS_PER_BOOKING = 20


@dataclass(frozen=True, slots=True)
class ServicePrice:
    service: Service
    price_cents: int
    extra_pet_price_cents: int = 0

    def __post_init__(self) -> None:
        for name in ("price_cents", "extra_pet_price_cents"):
            if type(getattr(self, name)) is not int:  # no floats (or bools) on a money path
                raise InvalidInput(f"{name} must be whole cents", [FieldError(name, "integer")])
        errors: list[FieldError] = []
        if not MIN_PRICE_CENTS <= self.price_cents <= MAX_PRICE_CENTS:
            errors.append(
                FieldError("price_cents", f"must be within {MIN_PRICE_CENTS}..{MAX_PRICE_CENTS}")
            )
        if not 0 <= self.extra_pet_price_cents <= MAX_PRICE_CENTS:
            errors.append(
                FieldError("extra_pet_price_cents", f"must be within 0..{MAX_PRICE_CENTS}")
            )
        if errors:
            raise InvalidInput(f"invalid price for {self.service}", errors)


def validate_period(service: Service, start: datetime, end: datetime) -> None:
    """Shape rules of a booking period that do not depend on the clock."""
    start, end = utc(require_aware(start, "start")), utc(require_aware(end, "end"))
    if end <= start:
        raise InvalidInput("end must be after start", [FieldError("end", "must be after start")])
    if end - start > MAX_BOOKING:
        raise InvalidInput("a booking lasts at most 30 days", [FieldError("end", "too late")])
    unit = UNIT_OF[service]
    if unit is Unit.VISIT and not VISIT_MIN <= end - start <= VISIT_MAX:
        raise InvalidInput(
            "a visit lasts 15 minutes to 3 hours", [FieldError("end", "visit length")]
        )
    if unit is Unit.NIGHT and local_date(end) <= local_date(start):
        raise InvalidInput(
            "an overnight service ends on a later day", [FieldError("end", "at least one night")]
        )
    if service is Service.DAY_CARE and local(end).time() <= local(start).time():
        # Day care repeats the same daily slot on every day touched.
        raise InvalidInput(
            "day care ends later in the day than it starts",
            [FieldError("end", "daily end before daily start")],
        )


def units(service: Service, start: datetime, end: datetime) -> int:
    """How many units a booking has, counted on the Brussels calendar.

    Days and nights follow local dates, never 24-hour blocks, so the 23- and
    25-hour days of the DST changes count exactly once.
    """
    validate_period(service, start, end)
    unit = UNIT_OF[service]
    if unit is Unit.VISIT:
        return 1
    first, last = local_date(start), local_date(end)
    if unit is Unit.NIGHT:
        return (last - first).days
    # Day care: every calendar day touched (its daily slot never crosses midnight).
    return (last - first).days + 1


@dataclass(frozen=True, slots=True)
class Quote:
    units: int
    total_cents: int
    commission_cents: int
    caregiver_payout_cents: int


def quote(
    price: ServicePrice, pets: int, start: datetime, end: datetime, rate: CommissionRate
) -> Quote:
    """total = units * (price + extra * (pets - 1)), split by the commission rate."""
    if not 1 <= pets <= MAX_PETS_PER_BOOKING:
        raise InvalidInput(
            "a booking is for at least one pet", [FieldError("pet_ids", "pet count")]
        )
    n = units(price.service, start, end)
    total = n * (price.price_cents + price.extra_pet_price_cents * (pets - 1))
    parts = split(total, rate)
    return Quote(n, total, parts.commission_cents, parts.payout_cents)
