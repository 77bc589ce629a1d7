"""Pets and the species the platform knows."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from tailtribe.domain.errors import FieldError, InvalidInput
from tailtribe.domain.model.text import clean_name, clean_text

MAX_PET_NAME = 50
MAX_BREED = 80
MAX_NOTES = 2000
# The heaviest dogs weigh about 100 kg; anything above is a typo.
MAX_WEIGHT_KG = 150.0
MAX_AGE_YEARS = 60


class Species(enum.StrEnum):
    DOG = "dog"
    CAT = "cat"
    RABBIT = "rabbit"
    BIRD = "bird"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class PetDetails:
    """What an owner says about a pet; validated as a whole."""

    name: str
    species: Species
    breed: str | None = None
    birth_date: date | None = None
    weight_kg: float | None = None
    notes: str | None = None

    def validated(self, today: date) -> PetDetails:
        errors: list[FieldError] = []
        if self.birth_date is not None and not (
            date(today.year - MAX_AGE_YEARS, 1, 1) <= self.birth_date <= today
        ):
            errors.append(FieldError("birth_date", "not in the future, at most 60 years ago"))
        if self.weight_kg is not None and not 0 < self.weight_kg <= MAX_WEIGHT_KG:
            errors.append(FieldError("weight_kg", f"more than 0 and at most {MAX_WEIGHT_KG:g}"))
        if errors:
            raise InvalidInput("invalid pet details", errors)
        return PetDetails(
            name=clean_name(self.name, "name", max_length=MAX_PET_NAME),
            species=self.species,
            breed=_optional(self.breed, "breed", MAX_BREED),
            birth_date=self.birth_date,
            weight_kg=self.weight_kg,
            notes=_optional(self.notes, "notes", MAX_NOTES, multiline=True),
        )


def _optional(
    value: str | None, field: str, max_length: int, *, multiline: bool = False
) -> str | None:
    if value is None:
        return None
    return clean_text(value, field, max_length=max_length, multiline=multiline) or None


@dataclass(eq=False)
class Pet:
    id: UUID
    owner_id: UUID
    details: PetDetails
    created_at: datetime
    deleted_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.deleted_at is None

    def update(self, details: PetDetails, today: date) -> None:
        self.details = details.validated(today)

    def delete(self, now: datetime) -> None:
        # Kept for the bookings that name it; gone for everything else.
        self.deleted_at = now
