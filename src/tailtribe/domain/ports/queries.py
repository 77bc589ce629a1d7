"""Read models for the views that only show what is stored.

A page that changes nothing needs neither the aggregates nor their locks nor
a transaction: these ports answer with plain frozen records, read in as few
round trips as the store allows. Every change still goes through the
aggregates and the unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from tailtribe.domain.model.caregivers import CaregiverStatus, ProfileDetails
from tailtribe.domain.model.photos import Photo
from tailtribe.domain.model.pricing import ServicePrice
from tailtribe.domain.model.reviews import Rating, Review
from tailtribe.domain.ports.storage import Page


@dataclass(frozen=True, slots=True)
class ProfileView:
    """A caregiver's profile as it is stored, with what its public page shows."""

    id: UUID
    status: CaregiverStatus
    profile: ProfileDetails
    services: tuple[ServicePrice, ...]  # in the catalogue's order, as Caregiver.services
    rating: Rating
    photos: tuple[Photo, ...]  # the ready ones, oldest first


@dataclass(frozen=True, slots=True)
class ReviewsView:
    """A page of a caregiver's reviews, newest first, and the caregiver's status."""

    status: CaregiverStatus
    page: Page[Review]


class CaregiverQueries(Protocol):
    async def profile(self, caregiver_id: UUID) -> ProfileView | None:
        """The caregiver in any status (None if there is none)."""
        ...

    async def reviews(self, caregiver_id: UUID, limit: int, offset: int) -> ReviewsView | None:
        """Its reviews ordered as ReviewRepository.list_for_caregiver (None: no such caregiver)."""
        ...
