"""What the core needs from the outside world, one Protocol per capability."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Generic, Protocol, Self, TypeVar
from uuid import UUID

from tailtribe.domain.model.availability import Occupancy
from tailtribe.domain.model.bookings import Booking, BookingStatus
from tailtribe.domain.model.caregivers import Caregiver, CaregiverStatus
from tailtribe.domain.model.conversations import Conversation, Message
from tailtribe.domain.model.ledger import LedgerEntry
from tailtribe.domain.model.notifications import EmailKind, Party
from tailtribe.domain.model.outbox import OutboxMessage, OutboxStatus
from tailtribe.domain.model.payment_events import PaymentEvent, ReceivedEvent
from tailtribe.domain.model.pets import Pet
from tailtribe.domain.model.photos import Photo, Subject
from tailtribe.domain.model.reviews import Rating, Review
from tailtribe.domain.model.tokens import OneTimeToken, TokenPurpose
from tailtribe.domain.model.users import Locale, User


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


class IdGenerator(Protocol):
    def new_id(self) -> UUID: ...


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


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int


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
    async def get(self, caregiver_id: UUID) -> Caregiver | None: ...

    async def get_by_user(self, user_id: UUID) -> Caregiver | None: ...

    async def get_by_stripe_account(self, account_id: str) -> Caregiver | None: ...

    async def list(
        self, status: CaregiverStatus | None, limit: int, offset: int
    ) -> Page[Caregiver]:
        """Oldest first; all statuses when `status` is None."""
        ...

    async def add(self, caregiver: Caregiver) -> None:
        """Raises Conflict when the user has a profile already."""
        ...

    async def save(self, caregiver: Caregiver) -> None: ...


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


class LedgerRepository(Protocol):
    async def add(self, entries: Sequence[LedgerEntry]) -> None: ...

    async def for_booking(self, booking_id: UUID) -> Sequence[LedgerEntry]:
        """Oldest first."""
        ...

    async def bookings_since(self, since: datetime | None, limit: int, offset: int) -> Page[UUID]:
        """Bookings with a movement at or after `since` (all when None), oldest first."""
        ...


class DueWork(enum.StrEnum):
    """What the scheduled jobs look for."""

    EXPIRE = "expire"
    START = "start"
    COMPLETE = "complete"
    REMIND = "remind"
    PAYOUT = "payout"  # settled, scheduled, past its window and its retry time


class BookingRepository(Protocol):
    async def get(self, booking_id: UUID) -> Booking | None: ...

    async def get_by_payment_intent(self, payment_intent_id: str) -> Booking | None: ...

    async def lock_calendar(self, caregiver_id: UUID) -> None:
        """Serialize bookings of one caregiver until the transaction ends."""
        ...

    async def active_overlapping(
        self, caregiver_id: UUID, start: datetime, end: datetime
    ) -> Sequence[Occupancy]:
        """Claims on [start, end) of the caregiver's requested, accepted, in-progress bookings."""
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
    ) -> Page[Booking]:
        """Newest first: the owner's bookings, the caregiver's, or (both None) everyone's."""
        ...

    async def due(self, work: DueWork, now: datetime, limit: int) -> Sequence[Booking]:
        """Bookings the scheduled job `work` has to act on at `now`, oldest first."""
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


@dataclass(frozen=True, slots=True)
class PaymentIntentRef:
    id: str
    client_secret: str


@dataclass(frozen=True, slots=True)
class Capture:
    """A captured PaymentIntent: its charge, and Stripe's fee once it is known."""

    charge_id: str | None
    fee_cents: int | None


@dataclass(frozen=True, slots=True)
class TransferRef:
    id: str
    amount_cents: int
    reversed_cents: int


@dataclass(frozen=True, slots=True)
class GatewayRecord:
    """What the provider holds for one booking, to reconcile the ledger with."""

    captured_cents: int
    refunded_cents: int
    transferred_cents: int
    reversed_cents: int
    fee_cents: int | None


class PaymentGateway(Protocol):
    """Stripe Connect, separate charges and transfers.

    Every mutating call is idempotent by key; a refused or failed call raises
    PaymentProviderError and moved no money.
    """

    async def create_connected_account(self, email: str, idempotency_key: str) -> str: ...

    async def onboarding_link(self, account_id: str, return_url: str, refresh_url: str) -> str: ...

    async def create_payment_intent(
        self, booking_id: UUID, amount_cents: int, idempotency_key: str
    ) -> PaymentIntentRef:
        """EUR, manual capture, `transfer_group` and metadata naming the booking."""
        ...

    async def capture(self, payment_intent_id: str, idempotency_key: str) -> Capture: ...

    async def cancel(self, payment_intent_id: str, idempotency_key: str) -> None:
        """Release the hold; a PaymentIntent canceled already is no error."""
        ...

    async def refund(
        self, payment_intent_id: str, amount_cents: int, idempotency_key: str
    ) -> str: ...

    async def transfer(
        self,
        account_id: str,
        amount_cents: int,
        booking_id: UUID,
        source_charge_id: str | None,
        idempotency_key: str,
    ) -> str:
        """Pay the caregiver's connected account; `transfer_group` names the booking."""
        ...

    async def find_transfer(self, booking_id: UUID) -> TransferRef | None:
        """The booking's transfer, if one was made (whatever became of its key)."""
        ...

    async def reverse_transfer(
        self, transfer_id: str, amount_cents: int, idempotency_key: str
    ) -> str: ...

    async def record(self, payment_intent_id: str, booking_id: UUID) -> GatewayRecord:
        """The provider's totals for the booking's payment and transfers."""
        ...


@dataclass(frozen=True, slots=True)
class Email:
    to: str
    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


class EmailRenderer(Protocol):
    def render(
        self, kind: EmailKind, locale: Locale, variables: Mapping[str, object]
    ) -> RenderedEmail:
        """The email in the locale. Variables are plain values: str, int,
        `Money` (formatted as currency), aware `datetime` (Brussels time),
        `Service` (its name in the locale). Raises KeyError for a missing one."""
        ...


class Mailer(Protocol):
    async def send(self, email: Email, idempotency_key: str) -> str:
        """Returns the provider's message id; the same key never sends twice."""
        ...


class TaskQueue(Protocol):
    async def enqueue(self, job: str, key: str | None = None, **kwargs: object) -> None:
        """Run `job` in the background; a key already queued is not queued again."""
        ...


class Cache(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def take(self, key: str) -> bytes | None:
        """Get and delete at once: of two concurrent takers, one gets the value."""
        ...


class ObjectStorage(Protocol):
    """Bytes by key: a local folder embedded, an S3-compatible store in production."""

    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes | None: ...

    async def delete(self, keys: Sequence[str]) -> None:
        """Gone afterwards; keys that never existed are fine."""
        ...

    def url(self, key: str, *, private: bool) -> str:
        """Where a client fetches it: the public media address, or for a
        private object a short-lived signed one."""
        ...


class ImageProcessor(Protocol):
    def inspect(self, data: bytes) -> str:
        """The image's format, read from its bytes; InvalidInput for anything
        that is not a JPEG, PNG, WebP or HEIC image within the size limits."""
        ...

    def variants(self, data: bytes) -> dict[str, bytes]:
        """WebP variants (see VARIANTS), upright, with no metadata at all."""
        ...


@dataclass(frozen=True, slots=True)
class ExternalIdentity:
    """Who the identity provider vouches for, from its verified ID token."""

    subject: str
    email: str
    email_verified: bool
    name: str | None


class IdentityProvider(Protocol):
    """An OpenID Connect provider (Google), authorization code flow with PKCE."""

    async def authorization_url(
        self, redirect_uri: str, state: str, nonce: str, code_verifier: str
    ) -> str: ...

    async def identify(
        self, code: str, redirect_uri: str, code_verifier: str, nonce: str
    ) -> ExternalIdentity:
        """Exchange the code and verify the ID token (signature against the
        provider's keys, issuer, audience, expiry, nonce); SignInFailed otherwise."""
        ...


class PasswordHasher(Protocol):
    """Deliberately slow hashing: implementations keep it off the event loop."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool:
        """False for a wrong password; never raises for one."""
        ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class TokenSecrets(Protocol):
    """The secret behind a one-time token, derived from its id with a server key.

    The database keeps only a hash of it and the outbox only the id, so
    neither alone can be used to take over an account.
    """

    def secret_for(self, token_id: UUID) -> str: ...


class WebhookVerifier(Protocol):
    def parse(self, payload: bytes, signature: str | None) -> ReceivedEvent:
        """The verified event; raises InvalidWebhook for a bad signature or body."""
        ...


class PaymentEventDecoder(Protocol):
    def decode(self, raw: str) -> PaymentEvent | None:
        """The message a stored event body says; None for a kind the core
        does not act on. Raises ValueError, KeyError or TypeError for a body
        that is not an event."""
        ...


class HealthCheck(Protocol):
    name: str

    async def check(self) -> None:
        """Raises when the dependency is unusable."""
        ...
