"""What the core needs from the outside world, one Protocol per capability."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from tailtribe.domain.model.bookings import Booking
from tailtribe.domain.model.caregivers import Caregiver
from tailtribe.domain.model.outbox import OutboxMessage


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


class IdGenerator(Protocol):
    def new_id(self) -> UUID: ...


class OutboxRepository(Protocol):
    async def add(self, message: OutboxMessage) -> None: ...

    async def due(self, now: datetime, limit: int) -> Sequence[OutboxMessage]:
        """Pending messages whose time has come, oldest first."""
        ...

    async def save(self, message: OutboxMessage) -> None: ...


class CaregiverRepository(Protocol):
    async def get(self, caregiver_id: UUID) -> Caregiver | None: ...

    async def add(self, caregiver: Caregiver) -> None: ...

    async def save(self, caregiver: Caregiver) -> None: ...


class BookingRepository(Protocol):
    async def get(self, booking_id: UUID) -> Booking | None: ...

    async def add(self, booking: Booking) -> None:
        """Raises SlotTaken when the calendar cannot take it."""
        ...

    async def save(self, booking: Booking) -> None: ...


class UnitOfWork(Protocol):
    """One transaction: state, ledger and outbox rows commit together or not at all."""

    @property
    def outbox(self) -> OutboxRepository: ...

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


class PaymentGateway(Protocol):
    """Stripe Connect, separate charges and transfers. Every call is idempotent by key."""

    async def create_connected_account(self, email: str, idempotency_key: str) -> str: ...

    async def onboarding_link(self, account_id: str, return_url: str, refresh_url: str) -> str: ...

    async def create_payment_intent(
        self, booking_id: UUID, amount_cents: int, idempotency_key: str
    ) -> PaymentIntentRef: ...

    async def capture(self, payment_intent_id: str, idempotency_key: str) -> None: ...

    async def cancel(self, payment_intent_id: str, idempotency_key: str) -> None: ...

    async def refund(
        self, payment_intent_id: str, amount_cents: int, idempotency_key: str
    ) -> str: ...

    async def transfer(
        self,
        account_id: str,
        amount_cents: int,
        booking_id: UUID,
        source_payment_intent_id: str,
        idempotency_key: str,
    ) -> str: ...

    async def reverse_transfer(
        self, transfer_id: str, amount_cents: int, idempotency_key: str
    ) -> str: ...


@dataclass(frozen=True, slots=True)
class Email:
    to: str
    subject: str
    text: str
    html: str


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


class HealthCheck(Protocol):
    name: str

    async def check(self) -> None:
        """Raises when the dependency is unusable."""
        ...
