"""Stripe-Signature verification with the SDK, and the event as the domain needs it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import stripe

from tailtribe.domain.errors import InvalidWebhook
from tailtribe.domain.services.payments.handle_stripe_event import ProviderEvent

TOLERANCE_SECONDS = 300


class StripeWebhookVerifier:
    def __init__(self, secret: str) -> None:
        self._secret = secret

    def parse(self, payload: bytes, signature: str | None) -> ProviderEvent:
        try:
            stripe.WebhookSignature.verify_header(
                payload.decode("utf-8"), signature, self._secret, TOLERANCE_SECONDS
            )
            body = json.loads(payload)
            data = body["data"]["object"]
            event = ProviderEvent(
                id=str(body["id"]),
                type=str(body["type"]),
                created=datetime.fromtimestamp(int(body["created"]), UTC),
                data=data if isinstance(data, dict) else {},
                raw=payload.decode("utf-8"),
            )
        except stripe.SignatureVerificationError as exc:
            raise InvalidWebhook("the Stripe-Signature header does not match") from exc
        except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise InvalidWebhook("the event body is not a Stripe event") from exc
        if not event.id.startswith("evt_") or len(event.id) > 255:
            raise InvalidWebhook("the event id is not a Stripe event id")
        return event
