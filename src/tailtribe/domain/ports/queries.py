"""Read models for the views that only show what is stored.

A page that changes nothing needs neither the aggregates nor their locks nor
a transaction: these ports answer with plain frozen records, read in as few
round trips as the store allows. Every change still goes through the
aggregates and the unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from tailtribe.domain.model.booking_payment import PaymentMethod, PaymentStatus
from tailtribe.domain.model.booking_payout import PayoutStatus
from tailtribe.domain.model.bookings import BookingStatus, shown_text, was_accepted
from tailtribe.domain.model.cancellation import CancellationPolicy
from tailtribe.domain.model.caregivers import CaregiverStatus, ProfileDetails
from tailtribe.domain.model.photos import Photo
from tailtribe.domain.model.pricing import Quote, Service, ServicePrice
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


@dataclass(frozen=True, slots=True)
class BookingView:
    """A booking as its parties see it in a list: the stored columns, no behaviour."""

    id: UUID
    owner_id: UUID
    caregiver_id: UUID
    service: Service
    pet_ids: tuple[UUID, ...]
    start: datetime
    end: datetime
    status: BookingStatus
    payment_status: PaymentStatus
    payout_status: PayoutStatus
    price: Quote
    cancellation_policy: CancellationPolicy
    created_at: datetime
    message: str | None  # as stored; shown_message is what the parties see
    conversation_id: UUID | None
    payment_intent_id: str | None
    client_secret: str | None
    captured_cents: int
    refunded_cents: int
    paid_out_cents: int
    dispute_deadline: datetime | None
    payment_method: PaymentMethod | None = None
    series_id: UUID | None = None
    pay_by: datetime | None = None

    @property
    def shown_message(self) -> str | None:
        """The request's message as the parties see it, as Booking.shown_message."""
        if self.message is not None and self.series_id is not None:
            return shown_text(self.message, self.pay_by is not None)
        accepted = was_accepted(
            self.status, self.captured_cents, self.refunded_cents, self.payment_method
        )
        return None if self.message is None else shown_text(self.message, accepted)


class CaregiverQueries(Protocol):
    async def profile(self, caregiver_id: UUID) -> ProfileView | None:
        """The caregiver in any status (None if there is none)."""
        ...

    async def reviews(self, caregiver_id: UUID, limit: int, offset: int) -> ReviewsView | None:
        """Its reviews ordered as ReviewRepository.list_for_caregiver (None: no such caregiver)."""
        ...


class BookingQueries(Protocol):
    async def of_owner(
        self, owner_id: UUID, status: BookingStatus | None, limit: int, offset: int
    ) -> Page[BookingView]:
        """The owner's bookings, newest first, as BookingRepository.list_for orders them."""
        ...

    async def of_caregiver_user(
        self, user_id: UUID, status: BookingStatus | None, limit: int, offset: int
    ) -> Page[BookingView] | None:
        """The bookings of the user's caregiver profile, ordered likewise (None: no profile)."""
        ...
