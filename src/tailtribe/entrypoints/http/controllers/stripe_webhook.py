from __future__ import annotations

from typing import Annotated, Any

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, post
from litestar.status_codes import HTTP_200_OK

from tailtribe.domain.ports.payments import WebhookVerifier
from tailtribe.domain.services.payments.apply_payment_events import ReceivePaymentEvent


class Received(msgspec.Struct):
    received: Annotated[bool, msgspec.Meta(description="Always true: the event was accepted.")]
    duplicate: Annotated[
        bool, msgspec.Meta(description="True for a repeated delivery of an event already stored.")
    ]


class StripeWebhookController(Controller):
    """Stripe's callbacks: no auth, no rate limit, a verified signature instead."""

    path = "/api/stripe/webhook"
    tags = ("Platform",)

    @post(
        operation_id="stripe_webhook",
        exclude_from_auth=True,
        status_code=HTTP_200_OK,
    )
    @inject
    async def receive(
        self,
        request: Request[Any, Any, Any],
        verifier: FromDishka[WebhookVerifier],
        handle: FromDishka[ReceivePaymentEvent],
    ) -> Received:
        event = verifier.parse(await request.body(), request.headers.get("stripe-signature"))
        new = await handle(event)
        return Received(received=True, duplicate=not new)
