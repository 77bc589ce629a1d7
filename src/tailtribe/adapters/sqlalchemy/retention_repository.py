"""The retention purges on SQL: select a batch of ids (locked, skipping rows
another transaction holds), then delete or clear exactly those.

A batch is in no particular order unless an index gives one (users and
photos by creation): sorting on an unindexed time would read every candidate
for each batch, where an unsorted LIMIT stops at the first `limit` found."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy.photo_repository import PHOTO_ROW
from tailtribe.adapters.sqlalchemy.tables import (
    BookingPetRow,
    BookingRow,
    BookingSeriesRow,
    CaregiverDecisionRow,
    CaregiverRow,
    ConversationRow,
    DataExportRow,
    MessageRow,
    OutboxRow,
    PetRow,
    PhotoRow,
    ReviewRow,
    TokenRow,
    UserRow,
    WebhookEventRow,
)
from tailtribe.domain.model.exports import ExportStatus
from tailtribe.domain.model.outbox import OutboxStatus
from tailtribe.domain.model.photos import Photo, PhotoStatus, Subject
from tailtribe.domain.model.users import Role
from tailtribe.domain.ports.retention import Purged

CLEARED = ""  # a webhook event's body once retention has cleared it


# Exports whose file may exist.
WITH_FILE = (ExportStatus.PENDING.value, ExportStatus.READY.value)


class SqlRetentionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _ids(self, stmt: Any) -> list[Any]:
        return list(await self._session.scalars(stmt.with_for_update(skip_locked=True)))

    async def _remove_photos(self, *where: Any) -> list[str]:
        rows = await self._session.scalars(select(PhotoRow).where(*where))
        photos: list[Photo] = [PHOTO_ROW.load(row) for row in rows]
        if photos:
            await self._session.execute(
                delete(PhotoRow).where(PhotoRow.id.in_([p.id for p in photos]))
            )
        return [key for photo in photos for key in photo.keys]

    async def purge_unverified_accounts(self, registered_before: datetime, limit: int) -> Purged:
        u = UserRow
        # Whatever an unverified account may have done that others see or that
        # a record keeps (it can book and apply as a caregiver): such an account
        # stays. Its pets, tokens and pet photos are its own and go with it.
        ids: list[UUID] = await self._ids(
            select(u.id)
            .where(
                u.email_verified.is_(False),
                u.created_at < registered_before,
                ~u.roles.contains(Role.ADMIN.value),
                ~exists().where(BookingRow.owner_id == u.id),
                ~exists().where(BookingSeriesRow.owner_id == u.id),
                ~exists().where(CaregiverRow.user_id == u.id),
                ~exists().where(ReviewRow.owner_id == u.id),
                ~exists().where(
                    or_(ConversationRow.owner_id == u.id, ConversationRow.caregiver_user_id == u.id)
                ),
                ~exists().where(MessageRow.sender_id == u.id),
                ~exists().where(CaregiverDecisionRow.admin_id == u.id),
                ~exists().where(BookingPetRow.pet_id == PetRow.id, PetRow.owner_id == u.id),
                # An export with a file: the expiry job deletes the file first.
                ~exists().where(
                    DataExportRow.user_id == u.id,
                    DataExportRow.status.in_(
                        [ExportStatus.PENDING.value, ExportStatus.READY.value]
                    ),
                ),
            )
            .order_by(u.created_at, u.id)
            .limit(limit)
        )
        if not ids:
            return Purged(0)
        files = await self._remove_photos(PhotoRow.owner_id.in_(ids))
        await self._session.execute(delete(TokenRow).where(TokenRow.user_id.in_(ids)))
        await self._session.execute(delete(PetRow).where(PetRow.owner_id.in_(ids)))
        await self._session.execute(delete(UserRow).where(UserRow.id.in_(ids)))
        return Purged(len(ids), files)

    async def purge_failed_photos(self, uploaded_before: datetime, limit: int) -> Purged:
        ids: list[UUID] = await self._ids(
            select(PhotoRow.id)
            .where(
                PhotoRow.status == PhotoStatus.FAILED.value,
                PhotoRow.created_at < uploaded_before,
            )
            .order_by(PhotoRow.created_at, PhotoRow.id)
            .limit(limit)
        )
        if not ids:
            return Purged(0)
        return Purged(len(ids), await self._remove_photos(PhotoRow.id.in_(ids)))

    async def purge_deleted_pets(self, deleted_before: datetime, limit: int) -> Purged:
        ids: list[UUID] = await self._ids(
            select(PetRow.id)
            .where(
                PetRow.deleted_at.is_not(None),
                PetRow.deleted_at < deleted_before,
                ~exists().where(BookingPetRow.pet_id == PetRow.id),
            )
            .limit(limit)
        )
        if not ids:
            return Purged(0)
        # Deleting a pet deletes its photos already; any left behind go now.
        files = await self._remove_photos(
            PhotoRow.subject == Subject.PET.value, PhotoRow.subject_id.in_(ids)
        )
        await self._session.execute(delete(PetRow).where(PetRow.id.in_(ids)))
        return Purged(len(ids), files)

    async def purge_spent_tokens(self, spent_before: datetime, limit: int) -> int:
        ids: list[UUID] = await self._ids(
            select(TokenRow.id)
            .where(
                or_(
                    and_(TokenRow.used_at.is_not(None), TokenRow.used_at < spent_before),
                    TokenRow.expires_at < spent_before,
                )
            )
            .limit(limit)
        )
        if ids:
            await self._session.execute(delete(TokenRow).where(TokenRow.id.in_(ids)))
        return len(ids)

    async def clear_webhook_payloads(self, received_before: datetime, limit: int) -> int:
        ids: list[str] = await self._ids(
            select(WebhookEventRow.id)
            .where(
                WebhookEventRow.processed_at.is_not(None),
                WebhookEventRow.received_at < received_before,
                WebhookEventRow.payload != CLEARED,
            )
            .limit(limit)
        )
        if ids:
            await self._session.execute(
                update(WebhookEventRow)
                .where(WebhookEventRow.id.in_(ids))
                .values(payload=CLEARED)
                .execution_options(synchronize_session=False)
            )
        return len(ids)

    async def purge_sent_outbox(
        self, sent_before: datetime, keep_topics: Collection[str], limit: int
    ) -> int:
        ids: list[UUID] = await self._ids(
            select(OutboxRow.id)
            .where(
                or_(
                    and_(
                        OutboxRow.status == OutboxStatus.SENT.value, OutboxRow.sent_at < sent_before
                    ),
                    # An email its recipient turned off never went out: no
                    # sent_at, and as final as a sent one.
                    and_(
                        OutboxRow.status == OutboxStatus.SUPPRESSED.value,
                        OutboxRow.available_at < sent_before,
                    ),
                ),
                OutboxRow.topic.not_in(sorted(keep_topics)),
            )
            .limit(limit)
        )
        if ids:
            await self._session.execute(delete(OutboxRow).where(OutboxRow.id.in_(ids)))
        return len(ids)
