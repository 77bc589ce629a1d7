"""A payment gateway that plays Stripe without the network.

It hands out ids and client secrets and accepts every capture, cancel, refund
and transfer. Like Stripe, it never reports authorizations in its answers:
those arrive as signed Stripe webhooks (adapters/stripe/events.py reads them
into the core's payment messages). Where a browser would confirm the card
with Stripe.js, `simulate` plays Stripe's side instead: it writes the events
Stripe sends for the outcome, signed with the webhook secret, for the app to
receive through its webhook path (the PaymentSimulator port);
`simulate_setup` does the same for an owner saving a card for a series.

Off-session payments go as Stripe's test cards do, keyed on the saved card's
id (SavedCard): pm_card_visa is held at once, pm_card_authenticationRequired
wants the owner, pm_card_chargeDeclined is refused. Either failure leaves a
PaymentIntent the owner can still confirm (`simulate`).

Idempotency keys behave as Stripe's: repeating a call with the same key and
the same parameters returns the first answer (a refusal too) and moves
nothing more; a key seen before with another call or other parameters is
refused and moves nothing. It keeps the totals of each payment in memory,
so that reconciliation has something to compare with while the process lives.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from tailtribe.adapters.stripe.events import StripeEvent
from tailtribe.adapters.stripe.webhooks import sign
from tailtribe.domain.errors import PaymentProviderError
from tailtribe.domain.model.booking_payment import PaymentMethod
from tailtribe.domain.ports.payments import (
    Capture,
    GatewayRecord,
    OffSessionCharge,
    OffSessionOutcome,
    PaymentIntentRef,
    PaymentOutcome,
    SavedCard,
    SetupIntentRef,
    TransferRef,
    WebhookDelivery,
)

T = TypeVar("T")


@dataclass
class _Intent:
    booking_id: UUID
    amount_cents: int
    captured_cents: int = 0
    refunded_cents: int = 0
    canceled: bool = False
    method: PaymentMethod | None = None
    off_session: bool = False  # made on a saved card: card only, held


@dataclass
class _Setup:
    customer_id: str | None
    series_id: UUID
    payment_method_id: str | None = None


@dataclass
class _Transfer:
    id: str
    booking_id: UUID
    amount_cents: int
    reversed_cents: int = 0


class _Unknown(PaymentProviderError):
    """No such object: refused before anything ran, so not kept for the key."""


@dataclass(frozen=True, slots=True)
class _Answer:
    request: tuple[object, ...]  # the verb and the parameters the key was first used with
    result: object
    refusal: PaymentProviderError | None


@dataclass
class _State:
    answers: dict[str, _Answer] = field(default_factory=dict)
    intents: dict[str, _Intent] = field(default_factory=dict)
    customers: dict[str, UUID] = field(default_factory=dict)
    setups: dict[str, _Setup] = field(default_factory=dict)
    transfers: dict[str, _Transfer] = field(default_factory=dict)


# What a refused test card looks like in Stripe's payment_failed event.
_DECLINED = {
    "type": "card_error",
    "code": "card_declined",
    "decline_code": "generic_decline",
    "message": "Your card was declined.",
}


# How an off-session payment on each of Stripe's test cards goes.
_OFF_SESSION = {
    SavedCard.SUCCEEDS: OffSessionOutcome.AUTHORIZED,
    SavedCard.AUTHENTICATION_REQUIRED: OffSessionOutcome.AUTHENTICATION_REQUIRED,
    SavedCard.DECLINED: OffSessionOutcome.DECLINED,
}


class SimulatedPaymentGateway:
    def __init__(self, webhook_secret: str | None = None) -> None:
        """`webhook_secret` signs the simulated events; without it, `simulate` is refused."""
        self._state = _State()
        self._webhook_secret = webhook_secret
        self.calls: list[tuple[str, str]] = []

    def _once(self, key: str, request: tuple[object, ...], make: Callable[[], T]) -> T:
        """The first answer for a key; `make` runs (and moves money) only once.

        `request` is the verb and the parameters: as at Stripe, a key is one
        request, and using it for another is an error (HTTP 400
        idempotency_error), never the first request's answer."""
        verb = str(request[0])
        self.calls.append((verb, key))
        answer = self._state.answers.get(key)
        if answer is None:
            try:
                answer = _Answer(request, make(), None)
            except _Unknown:
                raise
            except PaymentProviderError as exc:
                answer = _Answer(request, None, exc)
            self._state.answers[key] = answer
        elif answer.request != request:
            raise PaymentProviderError(
                f"Stripe refused to {verb} (idempotency_error, HTTP 400): keys for "
                "idempotent requests can only be used with the same parameters they "
                "were first used with"
            )
        if answer.refusal is not None:
            raise answer.refusal
        result: T = answer.result  # type: ignore[assignment]
        return result

    @staticmethod
    def _id(prefix: str) -> str:
        return f"{prefix}_sim_{secrets.token_hex(12)}"

    def _intent(self, payment_intent_id: str) -> _Intent:
        intent = self._state.intents.get(payment_intent_id)
        if intent is None:
            raise _Unknown(f"no such payment intent: {payment_intent_id}")
        return intent

    async def create_connected_account(self, email: str, idempotency_key: str) -> str:
        return self._once(idempotency_key, ("account", email), lambda: self._id("acct"))

    async def onboarding_link(self, account_id: str, return_url: str, refresh_url: str) -> str:
        return f"{return_url}?simulated_onboarding={account_id}"

    async def create_payment_intent(
        self, booking_id: UUID, amount_cents: int, idempotency_key: str
    ) -> PaymentIntentRef:
        def make() -> PaymentIntentRef:
            pi = self._id("pi")
            self._state.intents[pi] = _Intent(booking_id, amount_cents)
            return PaymentIntentRef(pi, f"{pi}_secret_{secrets.token_hex(8)}")

        return self._once(idempotency_key, ("payment_intent", booking_id, amount_cents), make)

    async def create_customer(self, owner_id: UUID, idempotency_key: str) -> str:
        def make() -> str:
            customer = self._id("cus")
            self._state.customers[customer] = owner_id
            return customer

        return self._once(idempotency_key, ("customer", owner_id), make)

    async def create_setup_intent(
        self, customer_id: str, series_id: UUID, idempotency_key: str
    ) -> SetupIntentRef:
        # The customer is not checked: one made before a restart is unknown here.
        def make() -> SetupIntentRef:
            seti = self._id("seti")
            self._state.setups[seti] = _Setup(customer_id, series_id)
            return SetupIntentRef(seti, f"{seti}_secret_{secrets.token_hex(8)}")

        return self._once(idempotency_key, ("setup_intent", customer_id, series_id), make)

    async def charge_off_session(
        self,
        booking_id: UUID,
        amount_cents: int,
        customer_id: str,
        payment_method_id: str,
        idempotency_key: str,
    ) -> OffSessionCharge:
        def make() -> OffSessionCharge:
            try:
                outcome = _OFF_SESSION[SavedCard(payment_method_id)]
            except ValueError:
                raise _Unknown(f"no such payment method: {payment_method_id}") from None
            pi = self._id("pi")
            intent = _Intent(booking_id, amount_cents, off_session=True)
            if outcome is OffSessionOutcome.AUTHORIZED:
                intent.method = PaymentMethod.CARD
            self._state.intents[pi] = intent
            return OffSessionCharge(
                pi, f"{pi}_secret_{secrets.token_hex(8)}", outcome, amount_cents
            )

        request = ("off_session", booking_id, amount_cents, customer_id, payment_method_id)
        return self._once(idempotency_key, request, make)

    async def capture(self, payment_intent_id: str, idempotency_key: str) -> Capture:
        def make() -> Capture:
            intent = self._intent(payment_intent_id)
            if intent.canceled:
                raise PaymentProviderError("the payment intent was canceled")
            if intent.off_session and intent.method is None:
                # Its off-session payment failed and the owner has not paid since.
                raise PaymentProviderError("the payment intent requires a payment method")
            intent.captured_cents = intent.amount_cents
            intent.method = PaymentMethod.CARD  # only a held card is captured by a call
            return Capture(charge_id=self._id("ch"), fee_cents=None)

        return self._once(idempotency_key, ("capture", payment_intent_id), make)

    async def cancel(self, payment_intent_id: str, idempotency_key: str) -> None:
        def make() -> None:
            intent = self._intent(payment_intent_id)
            if intent.captured_cents:
                raise PaymentProviderError("a captured payment intent cannot be canceled")
            intent.canceled = True

        self._once(idempotency_key, ("cancel", payment_intent_id), make)

    async def refund(self, payment_intent_id: str, amount_cents: int, idempotency_key: str) -> str:
        def make() -> str:
            intent = self._intent(payment_intent_id)
            if not 0 < amount_cents <= intent.captured_cents - intent.refunded_cents:
                raise PaymentProviderError("the refund exceeds what is left of the charge")
            intent.refunded_cents += amount_cents
            return self._id("re")

        return self._once(idempotency_key, ("refund", payment_intent_id, amount_cents), make)

    async def transfer(
        self,
        account_id: str,
        amount_cents: int,
        booking_id: UUID,
        source_charge_id: str | None,
        idempotency_key: str,
    ) -> str:
        def make() -> str:
            transfer = _Transfer(self._id("tr"), booking_id, amount_cents)
            self._state.transfers[transfer.id] = transfer
            return transfer.id

        return self._once(
            idempotency_key,
            ("transfer", account_id, amount_cents, booking_id, source_charge_id),
            make,
        )

    async def find_transfer(self, booking_id: UUID) -> TransferRef | None:
        for t in self._state.transfers.values():
            if t.booking_id == booking_id:
                return TransferRef(t.id, t.amount_cents, t.reversed_cents)
        return None

    async def reverse_transfer(
        self, transfer_id: str, amount_cents: int, idempotency_key: str
    ) -> str:
        def make() -> str:
            transfer = self._state.transfers.get(transfer_id)
            if transfer is None:
                raise _Unknown(f"no such transfer: {transfer_id}")
            if not 0 < amount_cents <= transfer.amount_cents - transfer.reversed_cents:
                raise PaymentProviderError("the reversal exceeds what is left of the transfer")
            transfer.reversed_cents += amount_cents
            return self._id("trr")

        return self._once(idempotency_key, ("reversal", transfer_id, amount_cents), make)

    async def record(self, payment_intent_id: str, booking_id: UUID) -> GatewayRecord:
        intent = self._state.intents.get(payment_intent_id)
        transfers = [t for t in self._state.transfers.values() if t.booking_id == booking_id]
        return GatewayRecord(
            captured_cents=intent.captured_cents if intent else 0,
            refunded_cents=intent.refunded_cents if intent else 0,
            transferred_cents=sum(t.amount_cents for t in transfers),
            reversed_cents=sum(t.reversed_cents for t in transfers),
            fee_cents=None,
            method=intent.method if intent else None,
        )

    async def simulate(
        self,
        booking_id: UUID,
        payment_intent_id: str,
        amount_cents: int,
        outcome: PaymentOutcome,
        at: datetime,
    ) -> Sequence[WebhookDelivery]:
        """The event Stripe sends when the owner's confirmation of the
        PaymentIntent ends in `outcome` (a card held for a manual capture, or
        Bancontact captured at once), created `at`, signed now (Stripe signs
        on its real clock, and the webhook checks the signature's age on it)."""
        if self._webhook_secret is None:
            raise PaymentProviderError("no webhook secret to sign simulated events with")
        intent = self._state.intents.get(payment_intent_id)
        if intent is None:
            # Made by an earlier process (the demo restarted): known from now on,
            # so that the caregiver's acceptance can capture it.
            intent = _Intent(booking_id, amount_cents)
            self._state.intents[payment_intent_id] = intent
        if intent.off_session and outcome is PaymentOutcome.BANCONTACT:
            raise PaymentProviderError("a payment on a saved card is by card only")
        data: dict[str, Any] = {
            "id": payment_intent_id,
            "object": "payment_intent",
            "amount": amount_cents,
            "amount_capturable": 0,
            "amount_received": 0,
            "currency": "eur",
            "capture_method": "automatic",
            "payment_method_options": {"card": {"capture_method": "manual"}},
            "payment_method_types": ["card", "bancontact"],
            "livemode": False,
            "transfer_group": str(booking_id),
            "metadata": {"booking_id": str(booking_id)},
        }
        match outcome:
            case PaymentOutcome.SUCCEEDED:
                kind = "payment_intent.amount_capturable_updated"
                data |= {"status": "requires_capture", "amount_capturable": amount_cents}
                intent.method = PaymentMethod.CARD
            case PaymentOutcome.BANCONTACT:
                kind = "payment_intent.succeeded"
                charge = {
                    "id": self._id("ch"),
                    "object": "charge",
                    "amount_captured": amount_cents,
                    "payment_method_details": {"type": "bancontact", "bancontact": {}},
                }
                data |= {
                    "status": "succeeded",
                    "amount_received": amount_cents,
                    "latest_charge": charge,
                }
                intent.captured_cents = amount_cents
                intent.method = PaymentMethod.BANCONTACT
            case PaymentOutcome.FAILED:
                kind = "payment_intent.payment_failed"
                data |= {"status": "requires_payment_method", "last_payment_error": _DECLINED}
            case PaymentOutcome.ABANDONED:
                kind = "payment_intent.canceled"
                data |= {"status": "canceled", "cancellation_reason": "abandoned"}
                intent.canceled = True
        if intent.off_session:
            data |= {
                "capture_method": "manual",
                "payment_method_options": {},
                "payment_method_types": ["card"],
            }
        return [self._signed(self._webhook_secret, kind, data, at)]

    async def simulate_setup(
        self, series_id: UUID, setup_intent_id: str, card: SavedCard, at: datetime
    ) -> Sequence[WebhookDelivery]:
        """The event Stripe sends when the owner's confirmation of the
        SetupIntent saved `card`, created `at` and signed now (as `simulate`)."""
        if self._webhook_secret is None:
            raise PaymentProviderError("no webhook secret to sign simulated events with")
        setup = self._state.setups.get(setup_intent_id)
        if setup is None:
            # Made by an earlier process (the demo restarted).
            setup = _Setup(None, series_id)
            self._state.setups[setup_intent_id] = setup
        setup.payment_method_id = card.value
        data: dict[str, Any] = {
            "id": setup_intent_id,
            "object": "setup_intent",
            "customer": setup.customer_id,
            "status": "succeeded",
            "usage": "off_session",
            "payment_method": card.value,
            "payment_method_types": ["card"],
            "livemode": False,
            "metadata": {"series_id": str(series_id)},
        }
        return [self._signed(self._webhook_secret, "setup_intent.succeeded", data, at)]

    def _signed(
        self, secret: str, kind: str, data: dict[str, Any], at: datetime
    ) -> WebhookDelivery:
        payload = StripeEvent.build(self._id("evt"), kind, at, data).raw.encode()
        return WebhookDelivery(payload, sign(payload, secret))
