"""Personal data export (GDPR articles 15 and 20): a user, or an admin on a
data subject's written request, asks for one ZIP of everything about the
user; a scheduled job builds it; the download address lives a day
(docs/privacy.md, Your data export)."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, TypeVar
from uuid import UUID

from tailtribe.domain.errors import NotFound, RateLimited
from tailtribe.domain.model.audit import AuditAction, AuditObject
from tailtribe.domain.model.bookings import Booking
from tailtribe.domain.model.caregivers import Caregiver
from tailtribe.domain.model.documents import StoredDocument
from tailtribe.domain.model.exports import (
    DataExport,
    ExportStatus,
    next_export_at,
    visible_entries,
)
from tailtribe.domain.model.favorites import Favorite
from tailtribe.domain.model.ledger import LedgerEntry
from tailtribe.domain.model.meet_and_greets import MeetAndGreet
from tailtribe.domain.model.notifications import EmailKind
from tailtribe.domain.model.pets import Pet
from tailtribe.domain.model.photos import Photo, PhotoStatus, Subject
from tailtribe.domain.model.reviews import Review
from tailtribe.domain.model.series import BookingSeries
from tailtribe.domain.model.tax_details import TaxDetails
from tailtribe.domain.model.tax_requests import TaxDetailsStatus
from tailtribe.domain.model.users import User
from tailtribe.domain.ports.documents import DocumentFilter
from tailtribe.domain.ports.files import ObjectStorage
from tailtribe.domain.ports.storage import Page, UnitOfWork
from tailtribe.domain.ports.tax_ids import TaxDetailsBox
from tailtribe.domain.ports.time import Clock, IdGenerator
from tailtribe.domain.services.audit import AdminAct, AuditTrail
from tailtribe.domain.services.conversations.manage_conversations import (
    ConversationView,
    ManageConversations,
    MessageView,
)
from tailtribe.domain.services.outbox import Outbox
from tailtribe.domain.services.terms import Actor

logger = logging.getLogger(__name__)
T = TypeVar("T")

BATCH = 20  # exports built or expired per run
PAGE = 100
# The longest a signed download address lives; never past the file's expiry.
LINK_SECONDS = 15 * 60
# The variant kept for the archive: the largest the platform stores.
ARCHIVE_VARIANT = "large"
# A build still failing after this long is given up: the export becomes
# failed, which does not count against the user's daily export.
GIVE_UP_AFTER = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class ConversationExport:
    view: ConversationView
    messages: list[MessageView]  # oldest first


@dataclass(frozen=True, slots=True)
class AccountData:
    """Everything about one user, as the platform shows it to them."""

    export: DataExport
    generated_at: datetime
    user: User
    pets: list[tuple[Pet, list[Photo]]]  # their pets and the pets' ready photos
    caregiver: Caregiver | None
    gallery: list[Photo]  # the caregiver profile's ready photos
    bookings_as_owner: list[Booking]
    bookings_as_caregiver: list[Booking]
    payments: dict[UUID, list[LedgerEntry]]  # by booking: the entries the user may see
    conversations: list[ConversationExport]
    reviews_written: list[Review]
    reviews_received: list[Review]
    photo_files: dict[UUID, bytes]  # by photo: its largest stored variant
    favorites: list[Favorite] = field(default_factory=list)  # every saved caregiver, newest first
    # As owner and as caregiver, newest first.
    meet_and_greets: list[MeetAndGreet] = field(default_factory=list)
    # Weekly series asked for and asked of the user, newest first; their
    # occurrences are among the bookings.
    series_as_owner: list[BookingSeries] = field(default_factory=list)
    series_as_caregiver: list[BookingSeries] = field(default_factory=list)
    # The caregiver's DAC7 due-diligence data: in no other export.
    tax_details: TaxDetails | None = None
    # When the caregiver was asked for those details and reminded (docs/dac7.md).
    tax_status: TaxDetailsStatus | None = None
    # The money documents issued to the user (docs/documents.md), newest first,
    # and their stored PDFs by document number.
    money_documents: list[StoredDocument] = field(default_factory=list)
    document_files: dict[str, bytes] = field(default_factory=dict)


class ArchiveWriter(Protocol):
    """Lays the data out as the ZIP's bytes (the entrypoints write it in the
    API's own representations)."""

    def __call__(self, data: AccountData) -> bytes: ...


@dataclass(frozen=True, slots=True)
class ExportView:
    export: DataExport
    status: ExportStatus  # expired as soon as its day is over, job or not
    download_url: str | None  # while ready: a signed address, short-lived


async def _all(fetch: Callable[[int, int], Awaitable[Page[T]]]) -> list[T]:
    items: list[T] = []
    while True:
        page = await fetch(PAGE, len(items))
        items.extend(page.items)
        if not page.items or len(items) >= page.total:
            return items


class RequestExport:
    """- A user asks for their own export at most once a day (failed ones do
      not count): another within the day is refused with the time to wait.
    - An admin asks on a data subject's behalf (a request by letter) at any
      time; the user is not emailed and does not see it.
    The build is left to the scheduled job."""

    def __init__(self, uow: UnitOfWork, ids: IdGenerator, clock: Clock, audit: AuditTrail) -> None:
        self._uow, self._ids, self._clock, self._audit = uow, ids, clock, audit

    async def __call__(self, user_id: UUID) -> DataExport:
        now = self._clock.now()
        async with self._uow as uow:
            await uow.exports.lock_user(user_id)  # two requests at once: one waits
            allowed = next_export_at(await uow.exports.of_user(user_id))
            if allowed is not None and allowed > now:
                wait = math.ceil((allowed - now).total_seconds())
                raise RateLimited(
                    f"one data export a day: the next from {allowed.isoformat()}", wait
                )
            export = DataExport(self._ids.new_id(), user_id, now)
            await uow.exports.add(export)
            await uow.commit()
        return export

    async def for_admin(
        self, admin_id: UUID, user_id: UUID, reason: str | None = None
    ) -> DataExport:
        act = AdminAct(admin_id, AuditAction.EXPORT_ACCOUNT, AuditObject.USER, user_id, reason)
        async with self._audit.refusals(act), self._uow as uow:
            if await uow.users.get(user_id) is None:
                raise NotFound("no such user")
            export = DataExport(self._ids.new_id(), user_id, self._clock.now(), admin_id)
            await uow.exports.add(export)
            await self._audit.record(uow, act, f"export {export.id} requested")
            await uow.commit()
        return export


class ReadExport:
    """A user sees their own exports (404 for anyone else's, and for those an
    admin asked for); admins see any. Ready: a signed address that lives at
    most LINK_SECONDS and never past the file's expiry."""

    def __init__(self, uow: UnitOfWork, storage: ObjectStorage, clock: Clock) -> None:
        self._uow, self._storage, self._clock = uow, storage, clock

    async def __call__(self, actor: Actor, export_id: UUID) -> ExportView:
        async with self._uow as uow:
            export = await uow.exports.get(export_id)
        if export is None or not (
            actor.is_admin or (export.user_id == actor.user_id and not export.by_admin)
        ):
            raise NotFound("no such export")
        now = self._clock.now()
        status = ExportStatus.EXPIRED if export.expired_at(now) else export.status
        seconds = export.link_seconds(now, LINK_SECONDS)
        url = (
            self._storage.url(export.object_key, private=True, max_seconds=seconds)
            if seconds > 0
            else None
        )
        return ExportView(export, status, url)


class BuildExports:
    """The job: each pending export becomes its ZIP, then is marked ready
    (and its user emailed, unless an admin asked) in one transaction.

    Crash-safe: the file is written under a key derived from the export's id
    before the row changes, so a crash anywhere leaves the row pending and the
    next run writes the same key again; no file is left for a row that is no
    longer pending."""

    def __init__(
        self,
        uow: UnitOfWork,
        storage: ObjectStorage,
        conversations: ManageConversations,
        outbox: Outbox,
        clock: Clock,
        tax_box: TaxDetailsBox,
    ) -> None:
        self._uow, self._storage, self._conversations = uow, storage, conversations
        self._outbox, self._clock, self._tax_box = outbox, clock, tax_box

    async def __call__(self, write: ArchiveWriter) -> int:
        async with self._uow as uow:
            pending = await uow.exports.pending(BATCH)
        built = 0
        for export_id in pending:
            try:
                built += await self.build(export_id, write)
            except Exception:  # this export only: it stays pending for the next run
                logger.exception("building data export %s failed", export_id)
        return built

    async def build(self, export_id: UUID, write: ArchiveWriter) -> bool:
        async with self._uow as uow:
            export = await uow.exports.get(export_id)
        if export is None or export.status is not ExportStatus.PENDING:
            return False
        if export.requested_at + GIVE_UP_AFTER <= self._clock.now():
            logger.error("data export %s kept failing for a day: given up", export_id)
            return await self._fail(export_id)
        data = await self._gather(export)
        if data is None:
            return await self._fail(export_id)
        archive = await asyncio.to_thread(write, data)
        await self._storage.put(export.object_key, archive, "application/zip")
        async with self._uow as uow:
            current = await uow.exports.get(export_id)
            if current is None or current.status is not ExportStatus.PENDING:
                if current is None or current.status is not ExportStatus.READY:
                    # Gone, failed or expired meanwhile: leave no file behind.
                    await self._storage.delete([export.object_key])
                return False  # or another run made it ready with the same file
            current.mark_ready(self._clock.now(), len(archive))
            await uow.exports.save(current)
            if not current.by_admin:
                assert current.expires_at is not None
                await self._outbox.add(
                    uow,
                    EmailKind.EXPORT_READY.topic,
                    user_id=str(current.user_id),
                    export_id=str(current.id),
                    expires_at=current.expires_at.isoformat(),
                )
            await uow.commit()
        return True

    async def _fail(self, export_id: UUID) -> bool:
        async with self._uow as uow:
            export = await uow.exports.get(export_id)
            if export is not None and export.status is ExportStatus.PENDING:
                export.mark_failed()
                await uow.exports.save(export)
                await uow.commit()
        if export is not None:
            # A run that crashed after writing the file left it: it goes now.
            await self._storage.delete([export.object_key])
        return False

    async def _gather(self, export: DataExport) -> AccountData | None:
        user_id = export.user_id
        async with self._uow as uow:
            user = await uow.users.get(user_id)
            if user is None or user.erased:  # nothing left to export
                return None
            pets = await _all(lambda limit, offset: uow.pets.list_active(user_id, limit, offset))
            caregiver = await uow.caregivers.get_by_user(user_id)
            as_owner = await _all(
                lambda limit, offset: uow.bookings.list_for(
                    owner_id=user_id, caregiver_id=None, status=None, limit=limit, offset=offset
                )
            )
            as_caregiver: list[Booking] = []
            received: list[Review] = []
            gallery: list[Photo] = []
            tax_details: TaxDetails | None = None
            tax_status: TaxDetailsStatus | None = None
            if caregiver is not None:
                caregiver_id = caregiver.id
                sealed = await uow.tax_details.get(caregiver_id)
                if sealed is not None:
                    tax_details = TaxDetails.from_seal_text(self._tax_box.open(sealed.sealed))
                tax_status = TaxDetailsStatus.of(
                    await uow.tax_requests.get(caregiver_id), sealed is not None, self._clock.now()
                )
                as_caregiver = await _all(
                    lambda limit, offset: uow.bookings.list_for(
                        owner_id=None,
                        caregiver_id=caregiver_id,
                        status=None,
                        limit=limit,
                        offset=offset,
                    )
                )
                received = await _all(
                    lambda limit, offset: uow.reviews.list_for_caregiver(
                        caregiver_id, limit, offset
                    )
                )
                gallery = _ready(await uow.photos.of(Subject.CAREGIVER, [caregiver_id]))
            written = list(await uow.reviews.of_bookings([b.id for b in as_owner]))
            payments = {
                b.id: visible_entries(await uow.ledger.for_booking(b.id), as_owner=as_owner_)
                for bookings, as_owner_ in ((as_owner, True), (as_caregiver, False))
                for b in bookings
            }
            pet_photos = _ready(await uow.photos.of(Subject.PET, [p.id for p in pets]))
            # Suspended caregivers too: the saved rows are the user's data.
            favorites = await _all(
                lambda limit, offset: uow.favorites.list_for(user_id, None, limit, offset)
            )
            profile_id = None if caregiver is None else caregiver.id
            meetings = await _all(
                lambda limit, offset: uow.meet_and_greets.list_for(
                    user_id, profile_id, limit, offset
                )
            )
            series_as_owner = await _all(
                lambda limit, offset: uow.series.list_for(
                    owner_id=user_id, caregiver_id=None, limit=limit, offset=offset
                )
            )
            series_as_caregiver: list[BookingSeries] = []
            if profile_id is not None:
                series_as_caregiver = await _all(
                    lambda limit, offset: uow.series.list_for(
                        owner_id=None, caregiver_id=profile_id, limit=limit, offset=offset
                    )
                )
        conversations = await self._conversations_of(user)
        async with self._uow as uow:
            money_documents: list[StoredDocument] = []
            while True:
                page = await uow.documents.list(
                    DocumentFilter(recipient_id=user.id), PAGE, len(money_documents)
                )
                # Newest first: one issued meanwhile shifts the pages by one,
                # which repeats a document (kept once), never skips one.
                seen = {d.document.id for d in money_documents}
                fresh = [d for d in page.items if d.document.id not in seen]
                money_documents.extend(fresh)
                if not fresh or len(money_documents) >= page.total:
                    break
        document_files: dict[str, bytes] = {}
        for stored in money_documents:
            if stored.file_key is not None:
                pdf = await self._storage.get(stored.file_key)
                if pdf is not None:
                    document_files[stored.document.number] = pdf
        photos = [
            *pet_photos,
            *gallery,
            *(p.photo for c in conversations for m in c.messages for p in m.photos),
        ]
        files = {}
        for photo in photos:
            if photo.status is PhotoStatus.READY and photo.id not in files:
                blob = await self._storage.get(photo.variant_key(ARCHIVE_VARIANT))
                if blob is not None:
                    files[photo.id] = blob
        return AccountData(
            export=export,
            generated_at=self._clock.now(),
            user=user,
            pets=[(p, [f for f in pet_photos if f.subject_id == p.id]) for p in pets],
            caregiver=caregiver,
            gallery=gallery,
            bookings_as_owner=as_owner,
            bookings_as_caregiver=as_caregiver,
            payments=payments,
            conversations=conversations,
            reviews_written=written,
            reviews_received=received,
            photo_files=files,
            favorites=favorites,
            meet_and_greets=meetings,
            series_as_owner=series_as_owner,
            series_as_caregiver=series_as_caregiver,
            tax_details=tax_details,
            tax_status=tax_status,
            money_documents=money_documents,
            document_files=document_files,
        )

    async def _conversations_of(self, user: User) -> list[ConversationExport]:
        actor = Actor(user.id, user.roles)
        views = await _all(
            lambda limit, offset: self._conversations.of_user(user.id, limit, offset)
        )
        found = []
        for view in views:
            messages: list[MessageView] = []
            before = None
            while True:
                page = await self._conversations.messages(actor, view.conversation.id, PAGE, before)
                messages.extend(page.items)
                if page.next_before is None:
                    break
                before = page.next_before
            found.append(ConversationExport(view, messages[::-1]))
        return found


def _ready(photos: Iterable[Photo]) -> list[Photo]:
    return [p for p in photos if p.status is PhotoStatus.READY]


class ExpireExports:
    """The job: a ready export past its day loses its file and is marked
    expired. The file goes first, so a crash in between leaves the row ready
    and past its expiry (no address is handed out for it), to be finished by
    the next run; deleting a file twice is harmless."""

    def __init__(self, uow: UnitOfWork, storage: ObjectStorage, clock: Clock) -> None:
        self._uow, self._storage, self._clock = uow, storage, clock

    async def __call__(self) -> int:
        now = self._clock.now()
        async with self._uow as uow:
            due = await uow.exports.expiring(now, BATCH)
        expired = 0
        for export_id in due:
            async with self._uow as uow:
                export = await uow.exports.get(export_id)
                if export is None or not export.expired_at(now):
                    continue
                await self._storage.delete([export.object_key])
                export.mark_expired()
                await uow.exports.save(export)
                await uow.commit()
            expired += 1
        return expired
