"""Persistence: the unit of work, its repositories, and the cache."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Generic, Protocol, Self, TypeVar
from uuid import UUID

from tailtribe.domain.model.audit import AuditCursor, AuditEntry, AuditFilter
from tailtribe.domain.model.availability import Occupancy
from tailtribe.domain.model.booking_payout import PayoutStatus
from tailtribe.domain.model.bookings import Booking, BookingStatus
from tailtribe.domain.model.caregivers import Caregiver, CaregiverStatus
from tailtribe.domain.model.conversations import Conversation, Message
from tailtribe.domain.model.dac7 import SellerMovement
from tailtribe.domain.model.exports import DataExport
from tailtribe.domain.model.favorites import Favorite
from tailtribe.domain.model.ledger import LedgerEntry
from tailtribe.domain.model.meet_and_greets import MeetAndGreet
from tailtribe.domain.model.notifications import Party
from tailtribe.domain.model.outbox import OutboxMessage, OutboxStatus
from tailtribe.domain.model.pets import Pet
from tailtribe.domain.model.photos import Photo, Subject
from tailtribe.domain.model.reviews import Rating, Review
from tailtribe.domain.model.security import SecurityEvent
from tailtribe.domain.model.series import BookingSeries
from tailtribe.domain.model.tax_details import SealedTaxDetails
from tailtribe.domain.model.tax_requests import TaxDetailsRequest
from tailtribe.domain.model.tokens import OneTimeToken, TokenPurpose
from tailtribe.domain.model.users import User
from tailtribe.domain.ports.calendar import CalendarFeedRepository
from tailtribe.domain.ports.documents import DocumentRepository
from tailtribe.domain.ports.privacy import PrivacyStore
from tailtribe.domain.ports.retention import RetentionRepository
from tailtribe.domain.ports.second_factor import SecondFactorRepository

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int


class DueWork(enum.StrEnum):
    """What the scheduled jobs look for."""

    EXPIRE = "expire"
    START = "start"
    COMPLETE = "complete"
    REMIND = "remind"
    PAYOUT = "payout"  # settled, scheduled, past its window and its retry time
    # Occurrences of weekly series (domain/model/series.py):
    CHARGE = "charge"  # accepted, not held yet (or held, not taken), 48 h before the start
    LAPSE = "lapse"  # accepted, still unpaid at its pay_by


class OutboxRepository(Protocol):
    async def add(self, message: OutboxMessage) -> None: ...

    async def due(self, now: datetime, limit: int) -> Sequence[OutboxMessage]:
        """Pending messages whose time has come, oldest first, locked until the
        transaction ends; rows another transaction holds are skipped."""
        ...

    async def get(self, message_id: UUID) -> OutboxMessage | None:
        """Locked until the transaction ends: one sender at a time."""
        ...

    async def list(
        self, status: OutboxStatus | None, limit: int, offset: int
    ) -> Page[OutboxMessage]:
        """Newest first."""
        ...

    async def save(self, message: OutboxMessage) -> None: ...


class UserRepository(Protocol):
    async def get(self, user_id: UUID) -> User | None: ...

    async def get_by_email(self, email: str) -> User | None:
        """`email` is normalized (lower case)."""
        ...

    async def add(self, user: User) -> None:
        """Raises EmailTaken when the address is registered already."""
        ...

    async def save(self, user: User) -> None: ...

    async def admin_ids(self) -> Sequence[UUID]: ...


class TokenRepository(Protocol):
    async def add(self, token: OneTimeToken) -> None: ...

    async def get_by_digest(self, digest: str) -> OneTimeToken | None: ...

    async def save(self, token: OneTimeToken) -> None: ...

    async def use_all(self, user_id: UUID, purpose: TokenPurpose, now: datetime) -> None:
        """Mark every unused token of the user for `purpose` used."""
        ...


class PetRepository(Protocol):
    async def get(self, pet_id: UUID) -> Pet | None:
        """Deleted pets too: bookings keep naming them."""
        ...

    async def list_active(self, owner_id: UUID, limit: int, offset: int) -> Page[Pet]:
        """The owner's pets that are not deleted, oldest first."""
        ...

    async def lock_owner(self, owner_id: UUID) -> None:
        """Serialize additions to one owner's pets until the transaction ends."""
        ...

    async def add(self, pet: Pet) -> None: ...

    async def save(self, pet: Pet) -> None: ...


class CaregiverRepository(Protocol):
    async def get(self, caregiver_id: UUID) -> Caregiver | None:
        """Locked until the transaction ends."""
        ...

    async def find(self, caregiver_id: UUID) -> Caregiver | None:
        """Not locked: for a use case that only looks (a quote)."""
        ...

    async def get_by_user(self, user_id: UUID) -> Caregiver | None: ...

    async def get_by_stripe_account(self, account_id: str) -> Caregiver | None: ...

    async def list(
        self, status: CaregiverStatus | None, limit: int, offset: int
    ) -> Page[Caregiver]:
        """Submitted ones (pending_review) first, then oldest first; all
        statuses when `status` is None."""
        ...

    async def add(self, caregiver: Caregiver) -> None:
        """Raises Conflict when the user has a profile already."""
        ...

    async def save(self, caregiver: Caregiver) -> None: ...


@dataclass(frozen=True, slots=True)
class FailedPaymentEvent:
    """A stored provider event whose processing failed at least once."""

    id: str
    kind: str
    received_at: datetime
    attempts: int
    last_error: str | None


class WebhookEventRepository(Protocol):
    async def add_if_new(self, event_id: str, event_type: str, payload: str, now: datetime) -> bool:
        """Store a provider event once; False when that id was stored before."""
        ...

    async def mark_processed(self, event_id: str, now: datetime) -> None: ...

    async def unprocessed(self, event_id: str) -> str | None:
        """The stored payload of an event not processed yet, locked until the
        transaction ends (one processor at a time); None otherwise."""
        ...

    async def pending(
        self, received_before: datetime, max_attempts: int, limit: int
    ) -> Sequence[str]:
        """Ids of events stored before then, not processed, tried fewer than
        `max_attempts` times; oldest first."""
        ...

    async def mark_failed(self, event_id: str, error: str) -> None:
        """Count a failed processing; the event stays pending."""
        ...

    async def failed(self, limit: int, offset: int) -> Page[FailedPaymentEvent]:
        """Events not processed whose processing failed at least once, oldest first."""
        ...

    async def of_kind(self, kind: str, limit: int) -> Sequence[str]:
        """The stored payloads of processed events of the provider's `kind`, newest first."""
        ...


class LedgerRepository(Protocol):
    async def add(self, entries: Sequence[LedgerEntry]) -> None: ...

    async def for_booking(self, booking_id: UUID) -> Sequence[LedgerEntry]:
        """Oldest first."""
        ...

    async def bookings_since(self, since: datetime | None, limit: int, offset: int) -> Page[UUID]:
        """Bookings with a movement at or after `since` (all when None), oldest first."""
        ...

    async def seller_movements(self, start: datetime, end: datetime) -> Sequence[SellerMovement]:
        """Transfers, reversals, commissions and commission returns in [start, end),
        each with its booking's caregiver; oldest first (DAC7)."""
        ...


class BookingRepository(Protocol):
    async def get(self, booking_id: UUID) -> Booking | None: ...

    async def get_by_payment_intent(
        self, payment_intent_id: str, *, lock: bool = True
    ) -> Booking | None:
        """Locked until the transaction ends unless `lock` is False (a page only reads)."""
        ...

    async def lock_calendar(self, caregiver_id: UUID) -> None:
        """Serialize bookings of one caregiver until the transaction ends."""
        ...

    async def active_overlapping(
        self, caregiver_id: UUID, start: datetime, end: datetime
    ) -> Sequence[Occupancy]:
        """Claims on [start, end) of the caregiver's requested, accepted, in-progress
        bookings, and of their requested or accepted meet-and-greets (a walk's claim)."""
        ...

    async def add(self, booking: Booking) -> None:
        """Raises SlotTaken when the database refuses the overlap."""
        ...

    async def save(self, booking: Booking) -> None: ...

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
        """Newest first: the owner's bookings, the caregiver's, or (both None)
        everyone's; `series_id` one series' occurrences; the start
        in [starts_from, starts_before) when given."""
        ...

    async def of_series(self, series_id: UUID, *, lock: bool = True) -> Sequence[Booking]:
        """The series' occurrences by start; locked until the transaction ends
        unless `lock` is False (a view or an email only reads)."""
        ...

    async def withheld_of(self, caregiver_id: UUID) -> Sequence[Booking]:
        """The caregiver's withheld payouts' bookings, each locked until the transaction ends."""
        ...

    async def with_payout(self, status: PayoutStatus, limit: int, offset: int) -> Page[Booking]:
        """Bookings whose payout is in `status`, oldest first (an admin's queue)."""
        ...

    async def due(self, work: DueWork, now: datetime, limit: int) -> Sequence[Booking]:
        """Bookings the scheduled job `work` has to act on at `now`, oldest first."""
        ...


class SeriesRepository(Protocol):
    async def get(self, series_id: UUID) -> BookingSeries | None:
        """Locked until the transaction ends."""
        ...

    async def get_by_setup_intent(self, setup_intent_id: str) -> BookingSeries | None:
        """Locked until the transaction ends."""
        ...

    async def add(self, series: BookingSeries) -> None: ...

    async def save(self, series: BookingSeries) -> None: ...

    async def list_for(
        self, *, owner_id: UUID | None, caregiver_id: UUID | None, limit: int, offset: int
    ) -> Page[BookingSeries]:
        """Newest first: the owner's series, the caregiver's, or (both None) everyone's."""
        ...

    async def due_to_expire(self, now: datetime, limit: int) -> Sequence[UUID]:
        """Requested series past their response deadline, or past their setup
        deadline without a saved card; oldest first."""
        ...

    async def customer_of(self, owner_id: UUID) -> str | None:
        """The Stripe Customer an earlier series of the owner created, if any."""
        ...


class MeetAndGreetRepository(Protocol):
    async def get(self, meet_id: UUID) -> MeetAndGreet | None:
        """Locked until the transaction ends."""
        ...

    async def add(self, meeting: MeetAndGreet) -> None: ...

    async def save(self, meeting: MeetAndGreet) -> None: ...

    async def open_overlapping(
        self, caregiver_id: UUID, start: datetime, end: datetime
    ) -> Sequence[MeetAndGreet]:
        """The caregiver's requested or accepted meet-and-greets on [start, end)."""
        ...

    async def open_for_pair(self, owner_id: UUID, caregiver_id: UUID) -> MeetAndGreet | None:
        """The pair's requested or accepted meet-and-greet, if one is open."""
        ...

    async def has_open(self, user_id: UUID, caregiver_id: UUID | None, now: datetime) -> bool:
        """Has the user, as owner or as this caregiver, a requested or accepted
        meet-and-greet not over at `now`? (It holds up an erasure.)"""
        ...

    async def pair_has_booked(self, owner_id: UUID, caregiver_id: UUID) -> bool:
        """Has the pair a booking that was accepted (accepted, in progress,
        completed or disputed)? Requested and unanswered ones do not count."""
        ...

    async def list_for(
        self, owner_id: UUID, caregiver_id: UUID | None, limit: int, offset: int
    ) -> Page[MeetAndGreet]:
        """Those the user asked for as owner or, with `caregiver_id`, got as
        that caregiver; soonest start last (newest request first)."""
        ...

    async def due(self, work: DueWork, now: datetime, limit: int) -> Sequence[MeetAndGreet]:
        """EXPIRE: requested past the response deadline; REMIND: accepted,
        unreminded, starting within the reminder lead. Oldest start first."""
        ...


class ReviewRepository(Protocol):
    async def add(self, review: Review) -> None:
        """Raises Conflict when the booking has a review already."""
        ...

    async def get(self, review_id: UUID) -> Review | None: ...

    async def save_reply(self, review: Review) -> None:
        """Store the review's reply if the stored review has none yet; raises
        Conflict otherwise (a concurrent reply was stored first)."""
        ...

    async def list_for_caregiver(self, caregiver_id: UUID, limit: int, offset: int) -> Page[Review]:
        """Newest first."""
        ...

    async def rating(self, caregiver_id: UUID) -> Rating: ...

    async def of_bookings(self, booking_ids: Sequence[UUID]) -> Sequence[Review]:
        """The reviews of these bookings, oldest first."""
        ...


class PhotoRepository(Protocol):
    async def add(self, photo: Photo) -> None: ...

    async def get(self, photo_id: UUID) -> Photo | None: ...

    async def save(self, photo: Photo) -> None: ...

    async def remove(self, photo_id: UUID) -> None: ...

    async def of(self, subject: Subject, subject_ids: Sequence[UUID]) -> Sequence[Photo]:
        """Every photo of these pets or profiles (any status), oldest first."""
        ...

    async def processing(self, limit: int) -> Sequence[Photo]:
        """Photos still waiting for their variants, oldest first."""
        ...


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    conversation: Conversation
    last_message: Message | None
    owner_name: str
    caregiver_name: str


@dataclass(frozen=True, slots=True)
class UnreadCandidate:
    """A party who may be owed the unread-message email, and when the oldest
    message they were not yet told about was posted."""

    conversation_id: UUID
    party: Party
    first_unnotified_at: datetime


class ConversationRepository(Protocol):
    async def get(self, conversation_id: UUID) -> Conversation | None:
        """Locked until the transaction ends: messages are numbered one at a time."""
        ...

    async def find(self, conversation_id: UUID) -> Conversation | None:
        """Not locked: for reading only."""
        ...

    async def get_for_pair(self, owner_id: UUID, caregiver_id: UUID) -> Conversation | None:
        """Locked like `get`."""
        ...

    async def add(self, conversation: Conversation) -> None:
        """Raises Conflict when the pair has a conversation already."""
        ...

    async def save(self, conversation: Conversation) -> None: ...

    async def add_message(self, message: Message) -> None: ...

    async def message(self, message_id: UUID) -> Message | None: ...

    async def messages(
        self, conversation_id: UUID, before_seq: int | None, limit: int
    ) -> Sequence[Message]:
        """Newest first; only those numbered below `before_seq` when given."""
        ...

    async def list_for(self, user_id: UUID, limit: int, offset: int) -> Page[ConversationSummary]:
        """The user's conversations as owner or caregiver, latest activity first."""
        ...

    async def unread_candidates(
        self, posted_before: datetime, notified_before: datetime, limit: int
    ) -> Sequence[UnreadCandidate]:
        """Parties with messages they have neither read nor been emailed about,
        the oldest posted by `posted_before`, and no unread email since
        `notified_before`; oldest first."""
        ...


class SecurityEventRepository(Protocol):
    async def add(self, event: SecurityEvent) -> None: ...

    async def list_for(self, user_id: UUID, limit: int, offset: int) -> Page[SecurityEvent]:
        """The user's events, newest first."""
        ...

    async def last_sign_in(self, user_id: UUID, client: str | None = None) -> datetime | None:
        """When the user last signed in (from `client` when given); None if never."""
        ...

    async def purge_before(self, cutoff: datetime, limit: int | None = None) -> int:
        """Remove every user's events older than `cutoff` (at most `limit` of
        them, any, when given: a batch); how many went."""
        ...


class DataExportRepository(Protocol):
    async def add(self, export: DataExport) -> None: ...

    async def get(self, export_id: UUID) -> DataExport | None:
        """Locked until the transaction ends: one build or expiry at a time."""
        ...

    async def lock_user(self, user_id: UUID) -> None:
        """Serialize one user's requests until the transaction ends."""
        ...

    async def of_user(self, user_id: UUID) -> Sequence[DataExport]:
        """The user's exports, newest first."""
        ...

    async def pending(self, limit: int) -> Sequence[UUID]:
        """Exports waiting to be built, oldest first."""
        ...

    async def expiring(self, now: datetime, limit: int) -> Sequence[UUID]:
        """Ready exports whose file is past its expiry at `now`, oldest first."""
        ...

    async def save(self, export: DataExport) -> None: ...


class FavoriteRepository(Protocol):
    async def add(self, user_id: UUID, caregiver_id: UUID, at: datetime) -> None:
        """Save the pair once: saving it again changes nothing (it keeps its time)."""
        ...

    async def remove(self, user_id: UUID, caregiver_id: UUID) -> None:
        """Nothing happens when the pair is not saved."""
        ...

    async def list_for(
        self,
        user_id: UUID,
        statuses: frozenset[CaregiverStatus] | None,
        limit: int,
        offset: int,
    ) -> Page[Favorite]:
        """The user's favourites, newest first (then by caregiver id); only those
        whose caregiver is in `statuses` when given, and `total` counts only those."""
        ...

    async def among(self, user_id: UUID, caregiver_ids: Sequence[UUID]) -> frozenset[UUID]:
        """Which of these caregivers the user saved, in one query."""
        ...


@dataclass(frozen=True, slots=True)
class AuditPage:
    items: Sequence[AuditEntry]
    next: AuditCursor | None  # None: the last page


class AuditRepository(Protocol):
    """Only adds and reads: the database refuses the app changing a row."""

    async def add(self, entry: AuditEntry) -> None: ...

    async def list(self, criteria: AuditFilter, limit: int, after: AuditCursor | None) -> AuditPage:
        """Newest first (by time, then id); with `after`, the entries before it."""
        ...


class TaxDetailsRepository(Protocol):
    """One sealed row per caregiver: storage never sees the details in clear."""

    async def get(self, caregiver_id: UUID) -> SealedTaxDetails | None: ...

    async def save(self, details: SealedTaxDetails) -> None:
        """Insert or replace the caregiver's row."""
        ...

    async def delete(self, caregiver_id: UUID) -> None: ...


class TaxRequestRepository(Protocol):
    """When each caregiver was asked for their DAC7 details and reminded
    (domain/model/tax_requests.py); one row per caregiver."""

    async def get(self, caregiver_id: UUID, *, lock: bool = False) -> TaxDetailsRequest | None:
        """With `lock`, the row stays locked until the transaction ends."""
        ...

    async def add(self, request: TaxDetailsRequest) -> None: ...

    async def save(self, request: TaxDetailsRequest) -> None: ...

    async def delete(self, caregiver_id: UUID) -> None: ...

    async def unrequested(self, limit: int) -> Sequence[UUID]:
        """Approved caregivers never asked, whose details are missing."""
        ...

    async def due(self, now: datetime, limit: int) -> Sequence[UUID]:
        """Caregivers whose details are missing and whose next step (a reminder,
        the withholding notice) is due at `now`, oldest request first."""
        ...


class Dac7CopyRepository(Protocol):
    """Which sellers were sent their copy of a year's DAC7 figures."""

    async def sent(self, year: int) -> set[UUID]: ...

    async def add(self, caregiver_id: UUID, year: int, at: datetime) -> None:
        """Once per seller and year: a second one fails the transaction."""
        ...


class UnitOfWork(Protocol):
    """One transaction: state, ledger and outbox rows commit together or not at all."""

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def users(self) -> UserRepository: ...

    @property
    def tokens(self) -> TokenRepository: ...

    @property
    def pets(self) -> PetRepository: ...

    @property
    def caregivers(self) -> CaregiverRepository: ...

    @property
    def webhook_events(self) -> WebhookEventRepository: ...

    @property
    def bookings(self) -> BookingRepository: ...

    @property
    def reviews(self) -> ReviewRepository: ...

    @property
    def photos(self) -> PhotoRepository: ...

    @property
    def conversations(self) -> ConversationRepository: ...

    @property
    def ledger(self) -> LedgerRepository: ...

    @property
    def retention(self) -> RetentionRepository: ...

    @property
    def security_events(self) -> SecurityEventRepository: ...

    @property
    def exports(self) -> DataExportRepository: ...

    @property
    def audit(self) -> AuditRepository: ...

    @property
    def privacy(self) -> PrivacyStore: ...

    @property
    def favorites(self) -> FavoriteRepository: ...

    @property
    def calendar_feeds(self) -> CalendarFeedRepository: ...

    @property
    def meet_and_greets(self) -> MeetAndGreetRepository: ...

    @property
    def series(self) -> SeriesRepository: ...

    @property
    def second_factors(self) -> SecondFactorRepository: ...

    @property
    def tax_details(self) -> TaxDetailsRepository: ...

    @property
    def tax_requests(self) -> TaxRequestRepository: ...

    @property
    def dac7_copies(self) -> Dac7CopyRepository: ...

    @property
    def documents(self) -> DocumentRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Rolls back whatever was not committed."""
        ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class Cache(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def get_many(self, *keys: str) -> list[bytes | None]:
        """The values of `keys`, in order, read in one round trip."""
        ...

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def take(self, key: str) -> bytes | None:
        """Get and delete at once: of two concurrent takers, one gets the value."""
        ...
