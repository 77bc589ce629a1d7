"""Stripe-Signature verification with the SDK; the body is kept as received.

`sign` makes the header as Stripe does, for the simulated gateway's events.
"""

from __future__ import annotations

import hashlib
import hmac
import time

import stripe

from tailtribe.adapters.stripe.events import StripeEvent
from tailtribe.domain.errors import InvalidWebhook
from tailtribe.domain.model.payment_events import ReceivedEvent

TOLERANCE_SECONDS = 300
# What the webhook_event table holds (its id and type columns).
MAX_ID, MAX_TYPE = 255, 100


def signed_at(signature: str) -> int:
    """The header's `t=`, read as the SDK reads it (the first one)."""
    return int(next(i.split("=", 2)[1] for i in signature.split(",") if i.split("=")[0] == "t"))


def sign(payload: bytes, secret: str, at: int | None = None) -> str:
    """The Stripe-Signature header Stripe sends: an HMAC-SHA256 of `t.payload`
    under the endpoint's secret, timestamped on the real clock as Stripe's are.
    (The SDK checks signatures but does not make them.)"""
    timestamp = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


class StripeWebhookVerifier:
    def __init__(self, secret: str) -> None:
        self._secret = secret

    def parse(self, payload: bytes, signature: str | None) -> ReceivedEvent:
        if not signature:
            raise InvalidWebhook("the Stripe-Signature header is missing")
        try:
            stripe.WebhookSignature.verify_header(
                payload.decode("utf-8"), signature, self._secret, TOLERANCE_SECONDS
            )
            event = StripeEvent.from_json(payload.decode("utf-8"))
        except stripe.SignatureVerificationError as exc:
            raise InvalidWebhook("the Stripe-Signature header does not match") from exc
        except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise InvalidWebhook("the event body is not a Stripe event") from exc
        # The SDK refuses only what is older than the tolerance: a timestamp
        # ahead of it (a signature made in advance) is refused here, on the
        # same real clock Stripe signs with.
        if signed_at(signature) > time.time() + TOLERANCE_SECONDS:
            raise InvalidWebhook("the Stripe-Signature timestamp is in the future")
        if not event.id.startswith("evt_") or len(event.id) > MAX_ID:
            raise InvalidWebhook("the event id is not a Stripe event id")
        if not (
            event.id.isprintable() and event.type.isprintable() and len(event.type) <= MAX_TYPE
        ):
            raise InvalidWebhook("the event id or type is not one Stripe sends")
        return event.received()
