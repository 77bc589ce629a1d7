from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

import msgspec

from tailtribe.domain.model.pets import (
    MAX_AGE_YEARS,
    MAX_BREED,
    MAX_NOTES,
    MAX_PET_NAME,
    MAX_WEIGHT_KG,
    Pet,
    PetDetails,
    Species,
)
from tailtribe.domain.services.photos.manage_photos import PhotoView
from tailtribe.entrypoints.http.schemas.common import (
    PAGE_ITEMS,
    PageLimit,
    PageOffset,
    Strict,
    Total,
    free_text,
    name_text,
)
from tailtribe.entrypoints.http.schemas.photos import PhotoOut

Name = Annotated[str, name_text(MAX_PET_NAME), msgspec.Meta(examples=["Bruno"])]
Breed = Annotated[
    str,
    free_text(MAX_BREED),
    msgspec.Meta(description="The breed, if known.", examples=["Labrador"]),
]
Kind = Annotated[Species, msgspec.Meta(description="What kind of animal the pet is.")]
Notes = Annotated[
    str,
    free_text(MAX_NOTES, multiline=True),
    msgspec.Meta(
        description="For the caregiver: food, medication, habits.",
        examples=["Two walks a day; afraid of bicycles."],
    ),
]
Weight = Annotated[
    float,
    msgspec.Meta(gt=0, le=MAX_WEIGHT_KG, description="The weight in kilograms.", examples=[30.5]),
]
BirthDate = Annotated[
    date,
    msgspec.Meta(
        description=f"Not in the future, and no earlier than 1 January {MAX_AGE_YEARS} "
        "years ago (checked against today's date).",
        examples=["2021-04-12"],
    ),
]


class PetBody(Strict):
    name: Name
    species: Kind
    breed: Breed | None = None
    birth_date: BirthDate | None = None
    weight_kg: Weight | None = None
    notes: Notes | None = None

    def details(self) -> PetDetails:
        return PetDetails(
            name=self.name,
            species=self.species,
            breed=self.breed,
            birth_date=self.birth_date,
            weight_kg=self.weight_kg,
            notes=self.notes,
        )


class PetPatch(Strict):
    """Only the fields sent change; null clears an optional field."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    species: Kind | msgspec.UnsetType = msgspec.UNSET
    breed: Breed | msgspec.UnsetType | None = msgspec.UNSET
    birth_date: BirthDate | msgspec.UnsetType | None = msgspec.UNSET
    weight_kg: Weight | msgspec.UnsetType | None = msgspec.UNSET
    notes: Notes | msgspec.UnsetType | None = msgspec.UNSET


class PetOut(msgspec.Struct):
    id: Annotated[UUID, msgspec.Meta(description="The pet's id.")]
    name: Annotated[str, msgspec.Meta(description="The pet's name.")]
    species: Kind
    breed: Annotated[str | None, msgspec.Meta(description="The breed; null if not given.")]
    birth_date: Annotated[
        date | None, msgspec.Meta(description="The birth date, YYYY-MM-DD; null if not given.")
    ]
    weight_kg: Annotated[
        float | None, msgspec.Meta(description="The weight in kilograms; null if not given.")
    ]
    notes: Annotated[
        str | None,
        msgspec.Meta(description="For the caregiver: food, medication, habits; null if none."),
    ]
    photos: Annotated[
        list[PhotoOut], msgspec.Meta(description="The pet's photos that are ready.")
    ] = msgspec.field(default_factory=list)

    @classmethod
    def of(cls, pet: Pet, photos: list[PhotoView] | None = None) -> PetOut:
        d = pet.details
        shown = [PhotoOut.of(p) for p in photos or []]
        return cls(pet.id, d.name, d.species, d.breed, d.birth_date, d.weight_kg, d.notes, shown)


class PetList(msgspec.Struct):
    items: Annotated[list[PetOut], msgspec.Meta(description=PAGE_ITEMS)]
    total: Total
    limit: PageLimit
    offset: PageOffset
