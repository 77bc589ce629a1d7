"""What erasing an account needs of storage, beyond the aggregates' repositories."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from tailtribe.domain.model.photos import Photo
from tailtribe.domain.model.privacy import BookingState


class PrivacyStore(Protocol):
    async def lock_account(self, user_id: UUID) -> bool:
        """Lock the user's row until the transaction ends (an erasure against
        a booking request); False when there is no such user."""
        ...

    async def hold_account(self, user_id: UUID) -> bool:
        """Keep the user's row from being erased until the transaction ends
        (a shared lock: concurrent requests do not wait on each other); False
        when the user is erased or gone."""
        ...

    async def bookings_of(self, user_id: UUID, caregiver_id: UUID | None) -> Sequence[BookingState]:
        """The bookings the user is a party to, as owner or as this caregiver."""
        ...

    async def anonymize(self, user_id: UUID, now: datetime) -> None:
        """Everything but the user and caregiver rows: one-time tokens go,
        pets lose their details (and are deleted), the user's message bodies
        and their booking requests' and meet-and-greets' messages are
        replaced, review replies the user wrote go, the user's photos are
        marked deleting, emails not sent to the user yet are dropped, the
        user's favourites go with those of other users naming the user's
        caregiver profile, and their calendar feed is deleted."""
        ...

    async def deleting_photos(self, limit: int) -> Sequence[Photo]:
        """Photos whose files and rows are to be deleted, oldest first."""
        ...
