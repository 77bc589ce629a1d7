"""Stripe's events, read into the core's payment messages and written from them.

The only place that knows Stripe's event types, payload fields and metadata.
The webhook_event table keeps Stripe's body as received; `StripeEventDecoder`
reads it into a message each time the core applies it. `encode` writes a
message as the event Stripe would send, for the demo data, the simulated
gateway and tests.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from tailtribe.domain.model.booking_payment import PaymentMethod
from tailtribe.domain.model.payment_events import (
    AccountUpdated,
    DisputeOpened,
    PaymentAuthorized,
    PaymentCanceled,
    PaymentCaptured,
    PaymentEvent,
    PaymentFailed,
    PaymentRefunded,
    ReceivedEvent,
    SetupFailed,
    SetupSucceeded,
    TransferMade,
    TransferReversed,
)


@dataclass(frozen=True, slots=True)
class StripeEvent:
    """A Stripe event: its id, type, creation time and data object."""

    id: str
    type: str
    created: datetime
    data: Mapping[str, Any]
    raw: str

    @classmethod
    def build(cls, id: str, type: str, created: datetime, data: Mapping[str, Any]) -> StripeEvent:
        """An event as Stripe would send it."""
        body = {
            "id": id,
            "object": "event",
            "type": type,
            "created": int(created.timestamp()),
            "data": {"object": dict(data)},
        }
        return cls(id, type, created, data, json.dumps(body))

    @classmethod
    def from_json(cls, raw: str) -> StripeEvent:
        """Raises ValueError, KeyError or TypeError for what is not an event."""
        try:
            body = json.loads(raw)
        except RecursionError as exc:
            raise ValueError("the event is nested too deeply") from exc
        data = body["data"]["object"]
        try:
            # Overflow (and OSError on some platforms) past what a datetime holds.
            created = datetime.fromtimestamp(int(body["created"]), UTC)
        except (OverflowError, OSError) as exc:
            raise ValueError("the event's creation time is not a date") from exc
        return cls(
            id=str(body["id"]),
            type=str(body["type"]),
            created=created,
            data=data if isinstance(data, dict) else {},
            raw=raw,
        )

    def received(self) -> ReceivedEvent:
        return ReceivedEvent(self.id, self.type, self.raw)


def stripe_event(id: str, type: str, created: datetime, data: Mapping[str, Any]) -> ReceivedEvent:
    """A delivery of the event Stripe would send (tests)."""
    return StripeEvent.build(id, type, created, data).received()


def _cents(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _id(value: object) -> str | None:
    """An id, or the id of an expanded object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else None


# Stripe's payment_method_details.type values the platform offers.
_METHODS = {"card": PaymentMethod.CARD, "bancontact": PaymentMethod.BANCONTACT}


def _method(obj: Mapping[str, Any]) -> PaymentMethod | None:
    """The method a charge says (`payment_method_details.type`), read from the
    object itself or its expanded `latest_charge`; None when neither says."""
    for source in (obj, obj.get("latest_charge")):
        details = source.get("payment_method_details") if isinstance(source, dict) else None
        kind = details.get("type") if isinstance(details, dict) else None
        if isinstance(kind, str) and kind in _METHODS:
            return _METHODS[kind]
    return None


def _booking_id(transfer: Mapping[str, Any]) -> UUID | None:
    """Our transfers carry the booking in their metadata and transfer group."""
    metadata = transfer.get("metadata")
    text = metadata.get("booking_id") if isinstance(metadata, dict) else None
    try:
        return UUID(str(text or transfer.get("transfer_group") or ""))
    except ValueError:
        return None


def _account_updated(e: StripeEvent) -> PaymentEvent:
    d = e.data
    return AccountUpdated(
        event_id=e.id,
        occurred_at=e.created,
        account_id=str(d.get("id", "")),
        payouts_enabled=bool(d.get("payouts_enabled")),
    )


def _authorized(e: StripeEvent) -> PaymentEvent:
    d = e.data
    return PaymentAuthorized(
        event_id=e.id,
        occurred_at=e.created,
        payment_intent_id=str(d.get("id", "")),
        amount_cents=_cents(d.get("amount_capturable")),
        method=_method(d),
    )


def _failed(e: StripeEvent) -> PaymentEvent:
    pi = str(e.data.get("id", ""))
    return PaymentFailed(event_id=e.id, occurred_at=e.created, payment_intent_id=pi)


def _canceled(e: StripeEvent) -> PaymentEvent:
    pi = str(e.data.get("id", ""))
    return PaymentCanceled(event_id=e.id, occurred_at=e.created, payment_intent_id=pi)


def _succeeded(e: StripeEvent) -> PaymentEvent:
    d = e.data
    return PaymentCaptured(
        event_id=e.id,
        occurred_at=e.created,
        payment_intent_id=_id(d.get("id")),
        amount_cents=_cents(d.get("amount_received")),
        charge_id=_id(d.get("latest_charge")),
        method=_method(d),
    )


def _refunded(e: StripeEvent) -> PaymentEvent:
    d = e.data
    return PaymentRefunded(
        event_id=e.id,
        occurred_at=e.created,
        payment_intent_id=_id(d.get("payment_intent")),
        refunded_cents=_cents(d.get("amount_refunded")),
    )


def _dispute(e: StripeEvent) -> PaymentEvent:
    d = e.data
    return DisputeOpened(
        event_id=e.id,
        occurred_at=e.created,
        payment_intent_id=_id(d.get("payment_intent")),
        dispute_id=str(d.get("id", "")),
        amount_cents=_cents(d.get("amount")),
    )


def _transfer(e: StripeEvent) -> PaymentEvent:
    d = e.data
    return TransferMade(
        event_id=e.id,
        occurred_at=e.created,
        booking_id=_booking_id(d),
        transfer_id=str(d.get("id")),
        amount_cents=_cents(d.get("amount")),
    )


def _reversed(e: StripeEvent) -> PaymentEvent:
    d = e.data
    return TransferReversed(
        event_id=e.id,
        occurred_at=e.created,
        booking_id=_booking_id(d),
        reversed_cents=_cents(d.get("amount_reversed")),
    )


def _setup_succeeded(e: StripeEvent) -> PaymentEvent:
    d = e.data
    return SetupSucceeded(
        event_id=e.id,
        occurred_at=e.created,
        setup_intent_id=str(d.get("id", "")),
        payment_method_id=_id(d.get("payment_method")),
    )


def _setup_failed(e: StripeEvent) -> PaymentEvent:
    seti = str(e.data.get("id", ""))
    return SetupFailed(event_id=e.id, occurred_at=e.created, setup_intent_id=seti)


READERS: dict[str, Callable[[StripeEvent], PaymentEvent]] = {
    "account.updated": _account_updated,
    "payment_intent.amount_capturable_updated": _authorized,
    "payment_intent.payment_failed": _failed,
    "payment_intent.canceled": _canceled,
    "payment_intent.succeeded": _succeeded,
    "charge.refunded": _refunded,
    "charge.dispute.created": _dispute,
    "transfer.created": _transfer,
    "transfer.reversed": _reversed,
    "setup_intent.succeeded": _setup_succeeded,
    "setup_intent.setup_failed": _setup_failed,
}


# The Stripe event type each message is read from (a reader's return type).
KINDS: dict[type[PaymentEvent], str] = {
    AccountUpdated: "account.updated",
    PaymentAuthorized: "payment_intent.amount_capturable_updated",
    PaymentFailed: "payment_intent.payment_failed",
    PaymentCanceled: "payment_intent.canceled",
    PaymentCaptured: "payment_intent.succeeded",
    PaymentRefunded: "charge.refunded",
    DisputeOpened: "charge.dispute.created",
    TransferMade: "transfer.created",
    TransferReversed: "transfer.reversed",
    SetupSucceeded: "setup_intent.succeeded",
    SetupFailed: "setup_intent.setup_failed",
}


def decode(event: StripeEvent) -> PaymentEvent | None:
    """The message an event says; None for a type the platform does not act on."""
    reader = READERS.get(event.type)
    return None if reader is None else reader(event)


class StripeEventDecoder:
    """The PaymentEventDecoder for stored Stripe bodies."""

    def decode(self, raw: str) -> PaymentEvent | None:
        return decode(StripeEvent.from_json(raw))

    def kind_of(self, message: type[PaymentEvent]) -> str:
        return KINDS[message]


def encode(message: PaymentEvent) -> ReceivedEvent:
    """The event Stripe would send for a message, with only the fields read back."""
    type_, data = _wire(message)
    return stripe_event(message.event_id, type_, message.occurred_at, data)


def _wire(m: PaymentEvent) -> tuple[str, dict[str, Any]]:
    match m:
        case AccountUpdated():
            return "account.updated", {"id": m.account_id, "payouts_enabled": m.payouts_enabled}
        case PaymentAuthorized():
            data = {"id": m.payment_intent_id, "amount_capturable": m.amount_cents}
            return "payment_intent.amount_capturable_updated", data | _details(m.method)
        case PaymentFailed():
            return "payment_intent.payment_failed", {"id": m.payment_intent_id}
        case PaymentCanceled():
            return "payment_intent.canceled", {"id": m.payment_intent_id}
        case PaymentCaptured():
            data = {
                "id": m.payment_intent_id,
                "amount_received": m.amount_cents,
                "latest_charge": m.charge_id,
            }
            return "payment_intent.succeeded", data | _details(m.method, m.charge_id)
        case PaymentRefunded():
            data = {"payment_intent": m.payment_intent_id, "amount_refunded": m.refunded_cents}
            return "charge.refunded", data
        case DisputeOpened():
            data = {"id": m.dispute_id, "payment_intent": m.payment_intent_id}
            return "charge.dispute.created", data | {"amount": m.amount_cents}
        case TransferMade():
            group = None if m.booking_id is None else str(m.booking_id)
            data = {"id": m.transfer_id, "amount": m.amount_cents, "transfer_group": group}
            return "transfer.created", data
        case TransferReversed():
            group = None if m.booking_id is None else str(m.booking_id)
            return "transfer.reversed", {
                "transfer_group": group,
                "amount_reversed": m.reversed_cents,
            }
        case SetupSucceeded():
            data = {"id": m.setup_intent_id, "object": "setup_intent", "status": "succeeded"}
            return "setup_intent.succeeded", data | {"payment_method": m.payment_method_id}
        case SetupFailed():
            data = {"id": m.setup_intent_id, "object": "setup_intent"}
            return "setup_intent.setup_failed", data | {"status": "requires_payment_method"}
    raise TypeError(f"no Stripe event for {type(m).__name__}")


def _details(method: PaymentMethod | None, charge_id: str | None = None) -> dict[str, Any]:
    """The method as Stripe names it, on the charge expanded."""
    if method is None:
        return {}
    charge = {"id": charge_id, "payment_method_details": {"type": method.value}}
    return {"latest_charge": charge}
