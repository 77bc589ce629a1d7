"""Payments: the payment provider and its signed webhooks."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from tailtribe.domain.model.booking_payment import PaymentMethod
from tailtribe.domain.model.payment_events import PaymentEvent, ReceivedEvent


@dataclass(frozen=True, slots=True)
class PaymentIntentRef:
    id: str
    client_secret: str


@dataclass(frozen=True, slots=True)
class SetupIntentRef:
    """A SetupIntent saving the owner's card for off-session payments."""

    id: str
    client_secret: str


class OffSessionOutcome(enum.StrEnum):
    """What an off-session payment came to at once."""

    AUTHORIZED = "authorized"  # held (requires_capture)
    AUTHENTICATION_REQUIRED = "authentication_required"  # the bank wants the owner
    DECLINED = "declined"  # refused: the owner pays with another card


@dataclass(frozen=True, slots=True)
class OffSessionCharge:
    """The PaymentIntent an off-session payment made, whatever its outcome:
    after a failure the owner confirms it with `client_secret` (on-session)."""

    payment_intent_id: str
    client_secret: str
    outcome: OffSessionOutcome
    amount_cents: int


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
    method: PaymentMethod | None = None  # how it was paid, when the provider says


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
        """EUR, card (held: manual capture) or Bancontact (captured at once),
        `transfer_group` and metadata naming the booking."""
        ...

    async def create_customer(self, owner_id: UUID, idempotency_key: str) -> str:
        """A Customer for the owner's saved cards: metadata names the owner;
        no name or email goes to the provider."""
        ...

    async def create_setup_intent(
        self, customer_id: str, series_id: UUID, idempotency_key: str
    ) -> SetupIntentRef:
        """Save a card for off-session use (`usage=off_session`, card only),
        metadata naming the series."""
        ...

    async def charge_off_session(
        self,
        booking_id: UUID,
        amount_cents: int,
        customer_id: str,
        payment_method_id: str,
        idempotency_key: str,
    ) -> OffSessionCharge:
        """Hold an occurrence's amount on the saved card without the owner
        (card, manual capture, `confirm` and `off_session`), `transfer_group`
        and metadata naming the booking. A refusal by the bank is an outcome,
        not an error; PaymentProviderError is for the provider failing."""
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

    def kind_of(self, message: type[PaymentEvent]) -> str:
        """The provider's name for the events decoded into `message`."""
        ...


class PaymentOutcome(enum.StrEnum):
    """What an owner's payment step can come to, as the provider tells it."""

    SUCCEEDED = "succeeded"  # the card is held (authorized, to be captured on acceptance)
    FAILED = "failed"  # the card was refused; the owner may try again
    ABANDONED = "abandoned"  # the payment was given up: the provider canceled it
    BANCONTACT = "bancontact"  # paid by Bancontact: captured at once, no hold


class SavedCard(enum.StrEnum):
    """The card an owner saves for a series in the simulated provider, named
    after Stripe's test payment methods: how its off-session payments go."""

    SUCCEEDS = "pm_card_visa"
    AUTHENTICATION_REQUIRED = "pm_card_authenticationRequired"
    DECLINED = "pm_card_chargeDeclined"


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    """A provider callback as it arrives: the body and its signature header."""

    payload: bytes
    signature: str


class PaymentSimulator(Protocol):
    """The simulated provider's side of a payment the owner would make in a
    browser: what the provider would send for an outcome, signed as it signs."""

    async def simulate(
        self,
        booking_id: UUID,
        payment_intent_id: str,
        amount_cents: int,
        outcome: PaymentOutcome,
        at: datetime,
    ) -> Sequence[WebhookDelivery]:
        """The signed deliveries for the outcome, created `at` (the app's clock)."""
        ...

    async def simulate_setup(
        self, series_id: UUID, setup_intent_id: str, card: SavedCard, at: datetime
    ) -> Sequence[WebhookDelivery]:
        """The signed `setup_intent.succeeded` delivery saving `card`."""
        ...
