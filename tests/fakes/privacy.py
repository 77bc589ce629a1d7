"""The privacy store in memory, on the memory unit of work's store."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from tailtribe.domain.model.conversations import REMOVED_BODY
from tailtribe.domain.model.exports import ExportStatus
from tailtribe.domain.model.notifications import EMAIL_TOPIC_PREFIX
from tailtribe.domain.model.outbox import OutboxStatus
from tailtribe.domain.model.pets import PetDetails
from tailtribe.domain.model.photos import Photo, PhotoStatus
from tailtribe.domain.model.privacy import ERASED_PET_NAME, NOT_SENT, BookingState
from tests.fakes.outbox_repository import MemoryOutboxRepository
from tests.fakes.repositories import MemoryStore


class MemoryPrivacyStore:
    def __init__(self, store: MemoryStore, outbox: MemoryOutboxRepository) -> None:
        self._store, self._outbox = store, outbox

    async def lock_account(self, user_id: UUID) -> bool:
        return user_id in self._store.users

    async def hold_account(self, user_id: UUID) -> bool:
        user = self._store.users.get(user_id)
        return user is not None and user.erased_at is None

    async def bookings_of(self, user_id: UUID, caregiver_id: UUID | None) -> Sequence[BookingState]:
        return [
            BookingState(b.status, b.payout.status)
            for b in self._store.bookings.values()
            if b.owner_id == user_id
            or (caregiver_id is not None and b.caregiver_id == caregiver_id)
        ]

    async def anonymize(self, user_id: UUID, now: datetime) -> None:
        s = self._store
        for key in [k for k, t in s.tokens.items() if t.user_id == user_id]:
            del s.tokens[key]
        for pet in s.pets.values():
            if pet.owner_id == user_id:
                pet.details = PetDetails(ERASED_PET_NAME, pet.details.species)
                pet.deleted_at = pet.deleted_at or now
        for key, m in s.messages.items():
            if m.sender_id == user_id:
                s.messages[key] = dataclasses.replace(
                    m, body=REMOVED_BODY, photo_ids=(), removed=True
                )
        for booking in s.bookings.values():
            if booking.owner_id == user_id:
                booking.message = None
        for meeting in s.meet_and_greets.values():
            if meeting.owner_id == user_id:
                meeting.message = None
        for series in s.series.values():
            if series.owner_id == user_id:
                series.message = None
        profiles = {c.id for c in s.caregivers.values() if c.user_id == user_id}
        for review in s.reviews.values():
            if review.caregiver_id in profiles:
                review.reply = review.replied_at = None
        for photo in s.photos.values():
            if photo.owner_id == user_id:
                photo.status, photo.reason = PhotoStatus.DELETING, None
        for row in self._outbox.rows.values():
            if (
                row.status is OutboxStatus.PENDING
                and row.topic.startswith(EMAIL_TOPIC_PREFIX)
                and row.payload.get("user_id") == str(user_id)
            ):
                row.status, row.last_error = OutboxStatus.FAILED, NOT_SENT
        s.security_events[:] = [e for e in s.security_events if e.user_id != user_id]
        for pair in [p for p in s.favorites if p[0] == user_id or p[1] in profiles]:
            del s.favorites[pair]
        s.calendar_feeds.pop(user_id, None)
        for export in s.exports.values():
            if export.user_id == user_id and export.status is ExportStatus.READY:
                export.expires_at = now

    async def deleting_photos(self, limit: int) -> Sequence[Photo]:
        found = [p for p in self._store.photos.values() if p.status is PhotoStatus.DELETING]
        return sorted(found, key=lambda p: (p.created_at, p.id))[:limit]
