"""Stripe-Signature verification with the SDK, and the event as the domain needs it."""

from __future__ import annotations

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
            event = ProviderEvent.from_json(payload.decode("utf-8"))
        except stripe.SignatureVerificationError as exc:
            raise InvalidWebhook("the Stripe-Signature header does not match") from exc
        except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise InvalidWebhook("the event body is not a Stripe event") from exc
        if not event.id.startswith("evt_") or len(event.id) > 255:
            raise InvalidWebhook("the event id is not a Stripe event id")
        return event
