"""Erasing an account on SQL: bulk updates of what the person left behind."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy.photo_repository import PHOTO_ROW
from tailtribe.adapters.sqlalchemy.tables import (
    BookingRow,
    BookingSeriesRow,
    CalendarFeedRow,
    CaregiverRow,
    DataExportRow,
    FavoriteRow,
    MeetAndGreetRow,
    MessageRow,
    OutboxRow,
    PetRow,
    PhotoRow,
    ReviewRow,
    SecurityEventRow,
    TokenRow,
    UserRow,
)
from tailtribe.domain.model.booking_payout import PayoutStatus
from tailtribe.domain.model.bookings import BookingStatus
from tailtribe.domain.model.conversations import REMOVED_BODY
from tailtribe.domain.model.exports import ExportStatus
from tailtribe.domain.model.notifications import EMAIL_TOPIC_PREFIX
from tailtribe.domain.model.outbox import OutboxStatus
from tailtribe.domain.model.photos import Photo, PhotoStatus
from tailtribe.domain.model.privacy import ERASED_PET_NAME, NOT_SENT, BookingState


class SqlPrivacyStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock_account(self, user_id: UUID) -> bool:
        found = await self._session.scalar(
            select(UserRow.id).where(UserRow.id == user_id).with_for_update()
        )
        return found is not None

    async def hold_account(self, user_id: UUID) -> bool:
        erased_at = await self._session.execute(
            select(UserRow.erased_at).where(UserRow.id == user_id).with_for_update(read=True)
        )
        row = erased_at.first()
        return row is not None and row.erased_at is None

    async def bookings_of(self, user_id: UUID, caregiver_id: UUID | None) -> Sequence[BookingState]:
        party = BookingRow.owner_id == user_id
        if caregiver_id is not None:
            party = or_(party, BookingRow.caregiver_id == caregiver_id)
        rows = await self._session.execute(
            select(BookingRow.status, BookingRow.payout_status).where(party)
        )
        return [BookingState(BookingStatus(s), PayoutStatus(p)) for s, p in rows]

    async def anonymize(self, user_id: UUID, now: datetime) -> None:
        s = self._session
        await s.execute(delete(TokenRow).where(TokenRow.user_id == user_id))
        await s.execute(
            update(PetRow)
            .where(PetRow.owner_id == user_id)
            .values(name=ERASED_PET_NAME, breed=None, birth_date=None, weight_kg=None, notes=None)
        )
        await s.execute(
            update(PetRow)
            .where(PetRow.owner_id == user_id, PetRow.deleted_at.is_(None))
            .values(deleted_at=now)
        )
        await s.execute(
            update(MessageRow)
            .where(MessageRow.sender_id == user_id)
            .values(body=REMOVED_BODY, photo_ids=[], removed=True)
        )
        await s.execute(
            update(BookingRow).where(BookingRow.owner_id == user_id).values(message=None)
        )
        await s.execute(
            update(MeetAndGreetRow).where(MeetAndGreetRow.owner_id == user_id).values(message=None)
        )
        await s.execute(
            update(BookingSeriesRow)
            .where(BookingSeriesRow.owner_id == user_id)
            .values(message=None)
        )
        profile = select(CaregiverRow.id).where(CaregiverRow.user_id == user_id)
        await s.execute(
            update(ReviewRow)
            .where(ReviewRow.caregiver_id.in_(profile.scalar_subquery()))
            .values(reply=None, replied_at=None)
        )
        await s.execute(
            update(PhotoRow)
            .where(PhotoRow.owner_id == user_id)
            .values(status=PhotoStatus.DELETING.value, reason=None)
        )
        await s.execute(
            update(OutboxRow)
            .where(
                OutboxRow.status == OutboxStatus.PENDING.value,
                OutboxRow.topic.startswith(EMAIL_TOPIC_PREFIX),
                OutboxRow.payload["user_id"].as_string() == str(user_id),
            )
            .values(status=OutboxStatus.FAILED.value, last_error=NOT_SENT)
        )
        await s.execute(delete(SecurityEventRow).where(SecurityEventRow.user_id == user_id))
        # The user's favourites, and those naming the erased profile (it never returns).
        await s.execute(
            delete(FavoriteRow).where(
                or_(
                    FavoriteRow.user_id == user_id,
                    FavoriteRow.caregiver_id.in_(profile.scalar_subquery()),
                )
            )
        )
        # The calendar feed names the user's bookings: its address stops working.
        await s.execute(delete(CalendarFeedRow).where(CalendarFeedRow.user_id == user_id))
        # Exports: a ready one's file goes with the expiry job's next run
        # (every minute), which a crash cannot skip; the build job gives up a
        # pending one of an erased account, deleting any file a crash left.
        await s.execute(
            update(DataExportRow)
            .where(
                DataExportRow.user_id == user_id,
                DataExportRow.status == ExportStatus.READY.value,
            )
            .values(expires_at=now)
        )

    async def deleting_photos(self, limit: int) -> Sequence[Photo]:
        rows = await self._session.scalars(
            select(PhotoRow)
            .where(PhotoRow.status == PhotoStatus.DELETING.value)
            .order_by(PhotoRow.created_at, PhotoRow.id)
            .limit(limit)
        )
        return [PHOTO_ROW.load(r) for r in rows]
