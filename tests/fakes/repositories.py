"""In-memory repositories: copies in, copies out, the same rules as the SQL ones."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TypeVar
from uuid import UUID

from tailtribe.domain.errors import Conflict, EmailTaken, SlotTaken
from tailtribe.domain.model.availability import EXCLUSIVE, Occupancy
from tailtribe.domain.model.booking_payout import PayoutStatus
from tailtribe.domain.model.bookings import ACTIVE, Booking, BookingStatus
from tailtribe.domain.model.calendar import CalendarFeed
from tailtribe.domain.model.caregivers import Caregiver, CaregiverStatus
from tailtribe.domain.model.conversations import Conversation, Message
from tailtribe.domain.model.dac7 import REPORTED, SellerMovement
from tailtribe.domain.model.documents import Document, DocumentKind, StoredDocument
from tailtribe.domain.model.exports import DataExport, ExportStatus
from tailtribe.domain.model.favorites import Favorite
from tailtribe.domain.model.ledger import LedgerEntry, Movement
from tailtribe.domain.model.meet_and_greets import OPEN as MEET_OPEN
from tailtribe.domain.model.meet_and_greets import MeetAndGreet
from tailtribe.domain.model.notifications import Party
from tailtribe.domain.model.pets import Pet
from tailtribe.domain.model.photos import Photo, PhotoStatus, Subject
from tailtribe.domain.model.reviews import Rating, Review
from tailtribe.domain.model.second_factor import SecondFactor
from tailtribe.domain.model.security import SecurityEvent, SecurityEventKind
from tailtribe.domain.model.series import BookingSeries
from tailtribe.domain.model.tax_details import SealedTaxDetails
from tailtribe.domain.model.tax_requests import TaxDetailsRequest
from tailtribe.domain.model.tokens import OneTimeToken, TokenPurpose
from tailtribe.domain.model.users import Role, User
from tailtribe.domain.ports.documents import DocumentFilter, DocumentPage
from tailtribe.domain.ports.storage import (
    ConversationSummary,
    DueWork,
    FailedPaymentEvent,
    Page,
    UnreadCandidate,
)

T = TypeVar("T")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _page(items: list[T], limit: int, offset: int) -> Page[T]:
    return Page([copy.deepcopy(i) for i in items[offset : offset + limit]], len(items))


@dataclass
class StoredEvent:
    type: str
    payload: str
    received_at: datetime
    processed_at: datetime | None = None
    attempts: int = 0
    last_error: str | None = None


class MemoryStore:
    """Everything the memory unit of work keeps between transactions."""

    def __init__(self) -> None:
        self.bookings: dict[UUID, Booking] = {}
        self.reviews: dict[UUID, Review] = {}
        self.users: dict[UUID, User] = {}
        self.tokens: dict[UUID, OneTimeToken] = {}
        self.pets: dict[UUID, Pet] = {}
        self.photos: dict[UUID, Photo] = {}
        self.caregivers: dict[UUID, Caregiver] = {}
        self.webhook_events: dict[str, StoredEvent] = {}
        self.ledger: list[LedgerEntry] = []
        self.conversations: dict[UUID, Conversation] = {}
        self.messages: dict[UUID, Message] = {}
        self.security_events: list[SecurityEvent] = []
        self.exports: dict[UUID, DataExport] = {}
        self.favorites: dict[tuple[UUID, UUID], datetime] = {}  # (user, caregiver): saved at
        self.calendar_feeds: dict[UUID, CalendarFeed] = {}
        self.meet_and_greets: dict[UUID, MeetAndGreet] = {}
        self.series: dict[UUID, BookingSeries] = {}
        self.second_factors: dict[UUID, SecondFactor] = {}
        self.tax_details: dict[UUID, SealedTaxDetails] = {}
        self.tax_requests: dict[UUID, TaxDetailsRequest] = {}
        self.dac7_copies: dict[tuple[UUID, int], datetime] = {}
        self.documents: dict[UUID, StoredDocument] = {}
        self.document_sequences: dict[tuple[DocumentKind, int], int] = {}


class MemoryUserRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._rows = store.users

    async def get(self, user_id: UUID) -> User | None:
        return copy.deepcopy(self._rows.get(user_id))

    async def admin_ids(self) -> list[UUID]:
        return sorted(u.id for u in self._rows.values() if Role.ADMIN in u.roles)

    async def get_by_email(self, email: str) -> User | None:
        return copy.deepcopy(next((u for u in self._rows.values() if u.email == email), None))

    async def add(self, user: User) -> None:
        if any(u.email == user.email for u in self._rows.values()):
            raise EmailTaken()
        self._rows[user.id] = copy.deepcopy(user)

    async def save(self, user: User) -> None:
        if user.id not in self._rows:
            raise LookupError(f"user {user.id} is not stored")
        self._rows[user.id] = copy.deepcopy(user)


class MemoryTokenRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._rows = store.tokens

    async def add(self, token: OneTimeToken) -> None:
        self._rows[token.id] = copy.deepcopy(token)

    async def get_by_digest(self, digest: str) -> OneTimeToken | None:
        found = next((t for t in self._rows.values() if t.digest == digest), None)
        return copy.deepcopy(found)

    async def save(self, token: OneTimeToken) -> None:
        if token.id not in self._rows:
            raise LookupError(f"token {token.id} is not stored")
        self._rows[token.id] = copy.deepcopy(token)

    async def use_all(self, user_id: UUID, purpose: TokenPurpose, now: datetime) -> None:
        for token in self._rows.values():
            if token.user_id == user_id and token.purpose is purpose and token.used_at is None:
                token.used_at = now


class MemoryPetRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._rows = store.pets

    async def get(self, pet_id: UUID) -> Pet | None:
        return copy.deepcopy(self._rows.get(pet_id))

    async def list_active(self, owner_id: UUID, limit: int, offset: int) -> Page[Pet]:
        mine = [p for p in self._rows.values() if p.owner_id == owner_id and p.active]
        mine.sort(key=lambda p: (p.created_at, p.id))
        return _page(mine, limit, offset)

    async def lock_owner(self, owner_id: UUID) -> None:
        """One event loop, one transaction at a time: nothing to lock."""

    async def add(self, pet: Pet) -> None:
        self._rows[pet.id] = copy.deepcopy(pet)

    async def save(self, pet: Pet) -> None:
        if pet.id not in self._rows:
            raise LookupError(f"pet {pet.id} is not stored")
        self._rows[pet.id] = copy.deepcopy(pet)


class MemoryCaregiverRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._rows = store.caregivers

    def _find(self, match: object, attribute: str) -> Caregiver | None:
        found = next((c for c in self._rows.values() if getattr(c, attribute) == match), None)
        return copy.deepcopy(found)

    async def get(self, caregiver_id: UUID) -> Caregiver | None:
        return copy.deepcopy(self._rows.get(caregiver_id))

    async def find(self, caregiver_id: UUID) -> Caregiver | None:
        return copy.deepcopy(self._rows.get(caregiver_id))

    async def get_by_user(self, user_id: UUID) -> Caregiver | None:
        return self._find(user_id, "user_id")

    async def get_by_stripe_account(self, account_id: str) -> Caregiver | None:
        return self._find(account_id, "stripe_account_id")

    async def list(
        self, status: CaregiverStatus | None, limit: int, offset: int
    ) -> Page[Caregiver]:
        rows = [c for c in self._rows.values() if status is None or c.status is status]
        waiting = CaregiverStatus.PENDING_REVIEW
        rows.sort(key=lambda c: (c.status is not waiting, c.created_at or _EPOCH, c.id))
        return _page(rows, limit, offset)

    async def add(self, caregiver: Caregiver) -> None:
        if any(c.user_id == caregiver.user_id for c in self._rows.values()):
            raise Conflict("you have a caregiver profile already")
        self._rows[caregiver.id] = _stored(caregiver)

    async def save(self, caregiver: Caregiver) -> None:
        if caregiver.id not in self._rows:
            raise LookupError(f"caregiver {caregiver.id} is not stored")
        self._rows[caregiver.id] = _stored(caregiver)


def _stored(caregiver: Caregiver) -> Caregiver:
    """A copy without pending events: events leave through the outbox, not storage."""
    stored = copy.deepcopy(caregiver)
    stored.pull_events()
    return stored


class MemoryWebhookEventRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._rows = store.webhook_events

    async def add_if_new(self, event_id: str, event_type: str, payload: str, now: datetime) -> bool:
        if event_id in self._rows:
            return False
        self._rows[event_id] = StoredEvent(event_type, payload, now)
        return True

    async def mark_processed(self, event_id: str, now: datetime) -> None:
        self._rows[event_id].processed_at = now

    async def unprocessed(self, event_id: str) -> str | None:
        row = self._rows.get(event_id)
        return None if row is None or row.processed_at is not None else row.payload

    async def pending(self, received_before: datetime, max_attempts: int, limit: int) -> list[str]:
        rows = sorted(
            (r.received_at, i)
            for i, r in self._rows.items()
            if r.processed_at is None
            and r.received_at < received_before
            and r.attempts < max_attempts
        )
        return [i for _, i in rows[:limit]]

    async def mark_failed(self, event_id: str, error: str) -> None:
        row = self._rows[event_id]
        row.attempts += 1
        row.last_error = error[:2000]

    async def failed(self, limit: int, offset: int) -> Page[FailedPaymentEvent]:
        rows = sorted(
            (
                FailedPaymentEvent(i, r.type, r.received_at, r.attempts, r.last_error)
                for i, r in self._rows.items()
                if r.processed_at is None and r.attempts > 0
            ),
            key=lambda e: (e.received_at, e.id),
        )
        return _page(rows, limit, offset)

    async def of_kind(self, kind: str, limit: int) -> list[str]:
        rows = sorted(
            (
                (r.received_at, i, r.payload)
                for i, r in self._rows.items()
                if r.type == kind and r.processed_at is not None
            ),
            reverse=True,
        )
        return [payload for _, _, payload in rows[:limit]]


class MemoryLedgerRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._rows, self._bookings = store.ledger, store.bookings

    async def seller_movements(self, start: datetime, end: datetime) -> list[SellerMovement]:
        rows = sorted(
            (e for e in self._rows if start <= e.occurred_at < end and e.movement in REPORTED),
            key=lambda e: (e.occurred_at, e.id),
        )
        return [
            SellerMovement(
                self._bookings[e.booking_id].caregiver_id,
                e.booking_id,
                e.movement,
                e.amount_cents,
                e.occurred_at,
            )
            for e in rows
        ]

    async def add(self, entries: Sequence[LedgerEntry]) -> None:
        self._rows.extend(entries)

    async def for_booking(self, booking_id: UUID) -> list[LedgerEntry]:
        rows = [e for e in self._rows if e.booking_id == booking_id]
        return sorted(rows, key=lambda e: (e.occurred_at, e.id))

    async def bookings_since(self, since: datetime | None, limit: int, offset: int) -> Page[UUID]:
        first: dict[UUID, datetime] = {}
        last: dict[UUID, datetime] = {}
        for e in self._rows:
            first[e.booking_id] = min(first.get(e.booking_id, e.occurred_at), e.occurred_at)
            last[e.booking_id] = max(last.get(e.booking_id, e.occurred_at), e.occurred_at)
        ids = sorted(
            (b for b in first if since is None or last[b] >= since), key=lambda b: (first[b], b)
        )
        return _page(ids, limit, offset)


def _is_due(b: Booking, work: DueWork, now: datetime) -> bool:
    if work is DueWork.EXPIRE:
        return b.is_due_to_expire(now)
    if work is DueWork.START:
        return b.is_due_to_start(now)
    if work is DueWork.COMPLETE:
        return b.is_due_to_complete(now)
    if work is DueWork.PAYOUT:
        return b.is_payout_due(now) and (b.payout.retry_at is None or b.payout.retry_at <= now)
    if work is DueWork.CHARGE:
        return b.is_due_for_charge(now)
    if work is DueWork.LAPSE:
        return b.is_due_to_lapse(now)
    return b.is_due_for_reminder(now)


class MemoryBookingRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._rows = store.bookings
        self._meets = store.meet_and_greets

    async def get(self, booking_id: UUID) -> Booking | None:
        return _fresh(self._rows.get(booking_id))

    async def get_by_payment_intent(
        self, payment_intent_id: str, *, lock: bool = True
    ) -> Booking | None:
        found = (b for b in self._rows.values() if b.payment.intent_id == payment_intent_id)
        return _fresh(next(found, None))

    async def lock_calendar(self, caregiver_id: UUID) -> None:
        """One event loop, one transaction at a time: nothing to lock."""

    def _bookings_overlapping(
        self, caregiver_id: UUID, start: datetime, end: datetime
    ) -> list[Occupancy]:
        return [
            b.occupancy
            for b in self._rows.values()
            if b.caregiver_id == caregiver_id
            and b.status in ACTIVE
            and b.start < end
            and start < b.end
        ]

    async def active_overlapping(
        self, caregiver_id: UUID, start: datetime, end: datetime
    ) -> list[Occupancy]:
        meets = [
            m.occupancy
            for m in self._meets.values()
            if m.caregiver_id == caregiver_id
            and m.status in MEET_OPEN
            and m.start < end
            and start < m.end
        ]
        return self._bookings_overlapping(caregiver_id, start, end) + meets

    async def add(self, booking: Booking) -> None:
        # What PostgreSQL's exclusion constraint (on bookings only) refuses, refused here too.
        if booking.service in EXCLUSIVE and any(
            c.service in EXCLUSIVE
            for c in self._bookings_overlapping(booking.caregiver_id, booking.start, booking.end)
        ):
            raise SlotTaken("the caregiver is booked at that time")
        self._rows[booking.id] = _stored_booking(booking)

    async def save(self, booking: Booking) -> None:
        if booking.id not in self._rows:
            raise LookupError(f"booking {booking.id} is not stored")
        self._rows[booking.id] = _stored_booking(booking)

    async def list_for(
        self,
        *,
        owner_id: UUID | None,
        caregiver_id: UUID | None,
        status: BookingStatus | None,
        limit: int,
        offset: int,
        series_id: UUID | None = None,
        starts_from: datetime | None = None,
        starts_before: datetime | None = None,
    ) -> Page[Booking]:
        rows = [
            b
            for b in self._rows.values()
            if (owner_id is None or b.owner_id == owner_id)
            and (series_id is None or b.series_id == series_id)
            and (starts_from is None or b.start >= starts_from)
            and (starts_before is None or b.start < starts_before)
            and (caregiver_id is None or b.caregiver_id == caregiver_id)
            and (status is None or b.status is status)
        ]
        rows.sort(key=lambda b: (b.created_at, b.id), reverse=True)
        return _page(rows, limit, offset)

    async def withheld_of(self, caregiver_id: UUID) -> list[Booking]:
        found = [
            b
            for b in self._rows.values()
            if b.caregiver_id == caregiver_id and b.payout.status is PayoutStatus.WITHHELD
        ]
        return [copy.deepcopy(b) for b in sorted(found, key=lambda b: b.id)]

    async def with_payout(self, status: PayoutStatus, limit: int, offset: int) -> Page[Booking]:
        rows = [b for b in self._rows.values() if b.payout.status is status]
        return _page(sorted(rows, key=lambda b: (b.created_at, b.id)), limit, offset)

    async def of_series(self, series_id: UUID, *, lock: bool = True) -> list[Booking]:
        found = [b for b in self._rows.values() if b.series_id == series_id]
        return [copy.deepcopy(b) for b in sorted(found, key=lambda b: (b.start, b.id))]

    async def due(self, work: DueWork, now: datetime, limit: int) -> list[Booking]:
        rows = sorted(
            (b for b in self._rows.values() if _is_due(b, work, now)), key=lambda b: b.start
        )
        return [copy.deepcopy(b) for b in rows[:limit]]


def _fresh(booking: Booking | None) -> Booking | None:
    return copy.deepcopy(booking)


def _stored_booking(booking: Booking) -> Booking:
    stored = copy.deepcopy(booking)
    stored.pull_events()
    return stored


class MemoryReviewRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._rows = store.reviews

    async def add(self, review: Review) -> None:
        if any(r.booking_id == review.booking_id for r in self._rows.values()):
            raise Conflict("this booking has a review already")
        self._rows[review.id] = copy.deepcopy(review)

    async def get(self, review_id: UUID) -> Review | None:
        return copy.deepcopy(self._rows.get(review_id))

    async def save_reply(self, review: Review) -> None:
        stored = self._rows.get(review.id)
        if stored is None:
            raise LookupError(f"review {review.id} is not stored")
        if stored.reply is not None:
            raise Conflict("this review has a reply already")
        stored.reply, stored.replied_at = review.reply, review.replied_at

    async def list_for_caregiver(self, caregiver_id: UUID, limit: int, offset: int) -> Page[Review]:
        rows = [r for r in self._rows.values() if r.caregiver_id == caregiver_id]
        rows.sort(key=lambda r: (r.created_at, r.id), reverse=True)
        return _page(rows, limit, offset)

    async def rating(self, caregiver_id: UUID) -> Rating:
        stars = [r.rating for r in self._rows.values() if r.caregiver_id == caregiver_id]
        return Rating.of(sum(stars) / len(stars) if stars else None, len(stars))

    async def of_bookings(self, booking_ids: Sequence[UUID]) -> Sequence[Review]:
        wanted = set(booking_ids)
        rows = [r for r in self._rows.values() if r.booking_id in wanted]
        return [copy.deepcopy(r) for r in sorted(rows, key=lambda r: (r.created_at, r.id))]


class MemoryDataExportRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._rows = store.exports

    async def add(self, export: DataExport) -> None:
        self._rows[export.id] = copy.deepcopy(export)

    async def get(self, export_id: UUID) -> DataExport | None:
        return copy.deepcopy(self._rows.get(export_id))

    async def lock_user(self, user_id: UUID) -> None:
        return None  # one transaction at a time here

    async def of_user(self, user_id: UUID) -> Sequence[DataExport]:
        rows = [e for e in self._rows.values() if e.user_id == user_id]
        rows.sort(key=lambda e: (e.requested_at, e.id), reverse=True)
        return [copy.deepcopy(e) for e in rows]

    async def pending(self, limit: int) -> Sequence[UUID]:
        rows = [e for e in self._rows.values() if e.status is ExportStatus.PENDING]
        return [e.id for e in sorted(rows, key=lambda e: (e.requested_at, e.id))][:limit]

    async def expiring(self, now: datetime, limit: int) -> Sequence[UUID]:
        rows = [
            e
            for e in self._rows.values()
            if e.status is ExportStatus.READY and e.expires_at is not None and e.expires_at <= now
        ]
        return [e.id for e in sorted(rows, key=lambda e: (e.requested_at, e.id))][:limit]

    async def save(self, export: DataExport) -> None:
        if export.id not in self._rows:
            raise LookupError(f"export {export.id} is not stored")
        self._rows[export.id] = copy.deepcopy(export)


class MemoryPhotoRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._rows = store.photos

    async def add(self, photo: Photo) -> None:
        self._rows[photo.id] = copy.deepcopy(photo)

    async def get(self, photo_id: UUID) -> Photo | None:
        return copy.deepcopy(self._rows.get(photo_id))

    async def save(self, photo: Photo) -> None:
        if photo.id not in self._rows:
            raise LookupError(f"photo {photo.id} is not stored")
        self._rows[photo.id] = copy.deepcopy(photo)

    async def remove(self, photo_id: UUID) -> None:
        self._rows.pop(photo_id, None)

    async def of(self, subject: Subject, subject_ids: Sequence[UUID]) -> Sequence[Photo]:
        found = [
            p for p in self._rows.values() if p.subject is subject and p.subject_id in subject_ids
        ]
        return [copy.deepcopy(p) for p in sorted(found, key=lambda p: (p.created_at, p.id))]

    async def processing(self, limit: int) -> Sequence[Photo]:
        found = [p for p in self._rows.values() if p.status is PhotoStatus.PROCESSING]
        found.sort(key=lambda p: (p.created_at, p.id))
        return [copy.deepcopy(p) for p in found[:limit]]


class MemoryConversationRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._rows, self._messages = store.conversations, store.messages
        self._store = store

    async def get(self, conversation_id: UUID) -> Conversation | None:
        return copy.deepcopy(self._rows.get(conversation_id))

    async def find(self, conversation_id: UUID) -> Conversation | None:
        return await self.get(conversation_id)

    async def get_for_pair(self, owner_id: UUID, caregiver_id: UUID) -> Conversation | None:
        found = (
            c
            for c in self._rows.values()
            if c.owner_id == owner_id and c.caregiver_id == caregiver_id
        )
        return copy.deepcopy(next(found, None))

    async def add(self, conversation: Conversation) -> None:
        if await self.get_for_pair(conversation.owner_id, conversation.caregiver_id):
            raise Conflict("the pair has a conversation already")
        self._rows[conversation.id] = copy.deepcopy(conversation)

    async def save(self, conversation: Conversation) -> None:
        if conversation.id not in self._rows:
            raise LookupError(f"conversation {conversation.id} is not stored")
        self._rows[conversation.id] = copy.deepcopy(conversation)

    async def add_message(self, message: Message) -> None:
        if any(
            m.conversation_id == message.conversation_id and m.seq == message.seq
            for m in self._messages.values()
        ):
            raise Conflict("that message number is taken")
        self._messages[message.id] = message

    async def message(self, message_id: UUID) -> Message | None:
        return self._messages.get(message_id)

    async def messages(
        self, conversation_id: UUID, before_seq: int | None, limit: int
    ) -> Sequence[Message]:
        found = [
            m
            for m in self._messages.values()
            if m.conversation_id == conversation_id and (before_seq is None or m.seq < before_seq)
        ]
        return sorted(found, key=lambda m: m.seq, reverse=True)[:limit]

    async def list_for(self, user_id: UUID, limit: int, offset: int) -> Page[ConversationSummary]:
        mine = [c for c in self._rows.values() if c.party_of(user_id) is not None]
        mine.sort(key=lambda c: (c.last_message_at or c.created_at, c.id), reverse=True)
        last = {(m.conversation_id, m.seq): m for m in self._messages.values()}
        return Page(
            [
                ConversationSummary(
                    copy.deepcopy(c),
                    last.get((c.id, c.last_seq)),
                    self._store.users[c.owner_id].full_name,
                    self._store.caregivers[c.caregiver_id].profile.display_name,
                )
                for c in mine[offset : offset + limit]
            ],
            len(mine),
        )

    async def unread_candidates(
        self, posted_before: datetime, notified_before: datetime, limit: int
    ) -> Sequence[UnreadCandidate]:
        by_seq = {(m.conversation_id, m.seq): m for m in self._messages.values()}
        found = []
        for c in self._rows.values():
            for party in (Party.OWNER, Party.CAREGIVER):
                first = c.first_unnotified_seq(party)
                notified_at = c.side(party).notified_at
                message = by_seq.get((c.id, first)) if first is not None else None
                if (
                    message is not None
                    and message.created_at <= posted_before
                    and (notified_at is None or notified_at <= notified_before)
                ):
                    found.append(UnreadCandidate(c.id, party, message.created_at))
        return sorted(found, key=lambda f: f.first_unnotified_at)[:limit]


class MemorySecurityEventRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def add(self, event: SecurityEvent) -> None:
        self._store.security_events.append(event)

    async def list_for(self, user_id: UUID, limit: int, offset: int) -> Page[SecurityEvent]:
        mine = [e for e in self._store.security_events if e.user_id == user_id]
        return _page(sorted(mine, key=lambda e: (e.at, e.id), reverse=True), limit, offset)

    async def last_sign_in(self, user_id: UUID, client: str | None = None) -> datetime | None:
        return max(
            (
                e.at
                for e in self._store.security_events
                if e.user_id == user_id
                and e.kind is SecurityEventKind.SIGN_IN
                and client in (None, e.client)
            ),
            default=None,
        )

    async def purge_before(self, cutoff: datetime, limit: int | None = None) -> int:
        events = self._store.security_events
        old = [e for e in events if e.at < cutoff][:limit]
        events[:] = [e for e in events if e not in old]
        return len(old)


class MemoryFavoriteRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def add(self, user_id: UUID, caregiver_id: UUID, at: datetime) -> None:
        self._store.favorites.setdefault((user_id, caregiver_id), at)

    async def remove(self, user_id: UUID, caregiver_id: UUID) -> None:
        self._store.favorites.pop((user_id, caregiver_id), None)

    async def list_for(
        self,
        user_id: UUID,
        statuses: frozenset[CaregiverStatus] | None,
        limit: int,
        offset: int,
    ) -> Page[Favorite]:
        found = []
        for (owner, caregiver_id), at in self._store.favorites.items():
            c = self._store.caregivers[caregiver_id]
            if owner == user_id and (statuses is None or c.status in statuses):
                found.append(Favorite(c.id, c.profile.display_name, at))
        found.sort(key=lambda f: (-f.created_at.timestamp(), f.caregiver_id))
        return Page(found[offset : offset + limit], len(found))

    async def among(self, user_id: UUID, caregiver_ids: Sequence[UUID]) -> frozenset[UUID]:
        return frozenset(c for c in caregiver_ids if (user_id, c) in self._store.favorites)


class MemoryMeetAndGreetRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._rows, self._bookings = store.meet_and_greets, store.bookings

    async def get(self, meet_id: UUID) -> MeetAndGreet | None:
        return copy.deepcopy(self._rows.get(meet_id))

    async def add(self, meeting: MeetAndGreet) -> None:
        stored = copy.deepcopy(meeting)
        stored.pull_events()
        self._rows[meeting.id] = stored

    async def save(self, meeting: MeetAndGreet) -> None:
        if meeting.id not in self._rows:
            raise LookupError(f"meet-and-greet {meeting.id} is not stored")
        await self.add(meeting)

    async def open_overlapping(
        self, caregiver_id: UUID, start: datetime, end: datetime
    ) -> list[MeetAndGreet]:
        return sorted(
            (
                copy.deepcopy(m)
                for m in self._rows.values()
                if m.caregiver_id == caregiver_id
                and m.status in MEET_OPEN
                and m.start < end
                and start < m.end
            ),
            key=lambda m: m.start,
        )

    async def open_for_pair(self, owner_id: UUID, caregiver_id: UUID) -> MeetAndGreet | None:
        found = [
            m
            for m in self._rows.values()
            if m.owner_id == owner_id and m.caregiver_id == caregiver_id and m.status in MEET_OPEN
        ]
        return copy.deepcopy(min(found, key=lambda m: m.start)) if found else None

    async def has_open(self, user_id: UUID, caregiver_id: UUID | None, now: datetime) -> bool:
        return any(
            (m.owner_id == user_id or m.caregiver_id == caregiver_id) and m.is_open(now)
            for m in self._rows.values()
        )

    async def pair_has_booked(self, owner_id: UUID, caregiver_id: UUID) -> bool:
        met = {
            BookingStatus.ACCEPTED,
            BookingStatus.IN_PROGRESS,
            BookingStatus.COMPLETED,
            BookingStatus.DISPUTED,
        }
        return any(
            b.owner_id == owner_id and b.caregiver_id == caregiver_id and b.status in met
            for b in self._bookings.values()
        )

    async def list_for(
        self, owner_id: UUID, caregiver_id: UUID | None, limit: int, offset: int
    ) -> Page[MeetAndGreet]:
        rows = [
            m
            for m in self._rows.values()
            if m.owner_id == owner_id
            or (caregiver_id is not None and m.caregiver_id == caregiver_id)
        ]
        rows.sort(key=lambda m: (m.created_at, m.id), reverse=True)
        return _page([copy.deepcopy(m) for m in rows], limit, offset)

    async def due(self, work: DueWork, now: datetime, limit: int) -> list[MeetAndGreet]:
        def due(m: MeetAndGreet) -> bool:
            if work is DueWork.EXPIRE:
                return m.is_due_to_expire(now)
            return work is DueWork.REMIND and m.is_due_for_reminder(now)

        rows = sorted((m for m in self._rows.values() if due(m)), key=lambda m: m.start)
        return [copy.deepcopy(m) for m in rows[:limit]]


class MemorySeriesRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._rows = store.series

    async def get(self, series_id: UUID) -> BookingSeries | None:
        return copy.deepcopy(self._rows.get(series_id))

    async def get_by_setup_intent(self, setup_intent_id: str) -> BookingSeries | None:
        found = (s for s in self._rows.values() if s.setup_intent_id == setup_intent_id)
        return copy.deepcopy(next(found, None))

    async def add(self, series: BookingSeries) -> None:
        stored = copy.deepcopy(series)
        stored.pull_events()
        self._rows[series.id] = stored

    async def save(self, series: BookingSeries) -> None:
        if series.id not in self._rows:
            raise LookupError(f"series {series.id} is not stored")
        await self.add(series)

    async def list_for(
        self, *, owner_id: UUID | None, caregiver_id: UUID | None, limit: int, offset: int
    ) -> Page[BookingSeries]:
        rows = [
            s
            for s in self._rows.values()
            if (owner_id is None or s.owner_id == owner_id)
            and (caregiver_id is None or s.caregiver_id == caregiver_id)
        ]
        rows.sort(key=lambda s: (s.created_at, s.id), reverse=True)
        return _page(rows, limit, offset)

    async def due_to_expire(self, now: datetime, limit: int) -> list[UUID]:
        due = sorted(
            (s for s in self._rows.values() if s.is_due_to_expire(now)),
            key=lambda s: (s.created_at, s.id),
        )
        return [s.id for s in due[:limit]]

    async def customer_of(self, owner_id: UUID) -> str | None:
        found = [s for s in self._rows.values() if s.owner_id == owner_id and s.customer_id]
        return max(found, key=lambda s: (s.created_at, s.id)).customer_id if found else None


class MemorySecondFactorRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._rows = store.second_factors

    async def get(self, user_id: UUID) -> SecondFactor | None:
        return copy.deepcopy(self._rows.get(user_id))

    async def save(self, factor: SecondFactor) -> None:
        self._rows[factor.user_id] = copy.deepcopy(factor)


class MemoryTaxDetailsRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._rows = store.tax_details

    async def get(self, caregiver_id: UUID) -> SealedTaxDetails | None:
        return self._rows.get(caregiver_id)

    async def save(self, details: SealedTaxDetails) -> None:
        self._rows[details.caregiver_id] = details

    async def delete(self, caregiver_id: UUID) -> None:
        self._rows.pop(caregiver_id, None)


class MemoryTaxRequestRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._rows = store.tax_requests

    async def get(self, caregiver_id: UUID, *, lock: bool = False) -> TaxDetailsRequest | None:
        return copy.deepcopy(self._rows.get(caregiver_id))

    async def add(self, request: TaxDetailsRequest) -> None:
        if request.caregiver_id in self._rows:
            raise RuntimeError("duplicate key: caregiver_tax_request")
        await self.save(request)

    async def save(self, request: TaxDetailsRequest) -> None:
        stored = copy.deepcopy(request)
        stored.pull_events()  # a row holds no events, as on SQL
        self._rows[request.caregiver_id] = stored

    async def delete(self, caregiver_id: UUID) -> None:
        self._rows.pop(caregiver_id, None)

    async def unrequested(self, limit: int) -> list[UUID]:
        found = [
            c.id
            for c in self._store.caregivers.values()
            if c.status is CaregiverStatus.APPROVED
            and c.id not in self._rows
            and c.id not in self._store.tax_details
        ]
        return sorted(found)[:limit]

    async def due(self, now: datetime, limit: int) -> list[UUID]:
        found = [
            r
            for r in self._rows.values()
            if r.next_step(now, complete=r.caregiver_id in self._store.tax_details) is not None
        ]
        found.sort(key=lambda r: (r.requested_at, r.caregiver_id))
        return [r.caregiver_id for r in found[:limit]]


class MemoryDac7CopyRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._rows = store.dac7_copies

    async def sent(self, year: int) -> set[UUID]:
        return {cid for cid, y in self._rows if y == year}

    async def add(self, caregiver_id: UUID, year: int, at: datetime) -> None:
        if (caregiver_id, year) in self._rows:
            raise Conflict("this seller's copy was sent already")
        self._rows[(caregiver_id, year)] = at


class MemoryDocumentRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._rows = store.documents

    async def next_sequence(self, kind: DocumentKind, year: int) -> int:
        # The unit of work's private copy: a rollback gives the number back.
        taken = self._store.document_sequences.get((kind, year), 0) + 1
        self._store.document_sequences[(kind, year)] = taken
        return taken

    async def add(self, document: Document) -> None:
        for stored in self._rows.values():
            d = stored.document
            if (
                d.number == document.number
                or (d.kind, d.year, d.sequence) == (document.kind, document.year, document.sequence)
                or (
                    document.ledger_entry_id is not None
                    and d.ledger_entry_id == document.ledger_entry_id
                )
                or (
                    document.period is not None
                    and (d.kind, d.recipient_id, d.period)
                    == (document.kind, document.recipient_id, document.period)
                )
            ):
                raise Conflict("the ledger entry has its document already")
        self._rows[document.id] = StoredDocument(document)

    async def get(self, document_id: UUID) -> StoredDocument | None:
        return self._rows.get(document_id)

    async def latest(self, booking_id: UUID, kind: DocumentKind) -> Document | None:
        found = [
            s.document
            for s in self._rows.values()
            if s.document.kind is kind
            and s.document.booking is not None
            and s.document.booking.booking_id == booking_id
        ]
        return max(found, key=lambda d: (d.issued_at, d.sequence), default=None)

    async def undocumented(
        self,
        movements: Sequence[Movement],
        limit: int,
        *,
        after: tuple[datetime, UUID] | None = None,
        since: datetime | None = None,
    ) -> Sequence[LedgerEntry]:
        done = {s.document.ledger_entry_id for s in self._rows.values()}
        entries = [
            e
            for e in self._store.ledger
            if e.movement in movements
            and e.id not in done
            and (after is None or (e.occurred_at, e.id) > after)
            and (since is None or e.occurred_at >= since)
        ]
        return sorted(entries, key=lambda e: (e.occurred_at, e.id))[:limit]

    async def earliest(self, movements: Sequence[Movement]) -> datetime | None:
        return min(
            (e.occurred_at for e in self._store.ledger if e.movement in movements), default=None
        )

    async def unstated(
        self, movements: Sequence[Movement], start: datetime, end: datetime, period: date
    ) -> Sequence[UUID]:
        stated = {
            s.document.recipient_id
            for s in self._rows.values()
            if s.document.kind is DocumentKind.STATEMENT and s.document.period == period
        }
        found = {
            self._store.bookings[e.booking_id].caregiver_id
            for e in self._store.ledger
            if e.movement in movements and start <= e.occurred_at < end
        }
        return sorted(
            (c for c in found if self._store.caregivers[c].user_id not in stated), key=str
        )

    async def unsent(self, limit: int, *, after: UUID | None = None) -> Sequence[UUID]:
        waiting = [s.document for s in self._rows.values() if s.notified_at is None]
        if after is not None:
            mark = self._rows[after].document
            waiting = [d for d in waiting if (d.issued_at, d.id) > (mark.issued_at, mark.id)]
        return [d.id for d in sorted(waiting, key=lambda d: (d.issued_at, d.id))][:limit]

    async def mark_sent(self, document_id: UUID, file_key: str, at: datetime) -> bool:
        stored = self._rows[document_id]
        if stored.notified_at is not None:
            return False
        self._rows[document_id] = StoredDocument(stored.document, file_key, at, at)
        return True

    async def list(self, criteria: DocumentFilter, limit: int, offset: int) -> DocumentPage:
        def matches(d: Document) -> bool:
            booking_id = None if d.booking is None else d.booking.booking_id
            return (
                criteria.recipient_id in (None, d.recipient_id)
                and criteria.kind in (None, d.kind)
                and criteria.year in (None, d.year)
                and criteria.booking_id in (None, booking_id)
            )

        found = [s for s in self._rows.values() if matches(s.document)]
        found.sort(key=lambda s: (s.document.issued_at, s.document.number), reverse=True)
        return DocumentPage(found[offset : offset + limit], len(found))

    async def issued(
        self,
        start: datetime,
        end: datetime,
        kinds: Sequence[DocumentKind],
        after: tuple[str, int, int] | None,
        limit: int,
    ) -> Sequence[Document]:
        def key(d: Document) -> tuple[str, int, int]:
            return (d.kind.value, d.year, d.sequence)

        found = sorted(
            (
                s.document
                for s in self._rows.values()
                if start <= s.document.issued_at < end
                and s.document.kind in kinds
                and (after is None or key(s.document) > after)
            ),
            key=key,
        )
        return found[:limit]
