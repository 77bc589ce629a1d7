"""What a client needs to know about this deployment before it pays: public, no token."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get

from tailtribe.config import Environment, Settings


class ClientConfig(msgspec.Struct):
    environment: Annotated[
        str, msgspec.Meta(description="TAILTRIBE_ENV: development, test or production")
    ]
    payment_provider: Annotated[
        Literal["simulated", "stripe"],
        msgspec.Meta(
            description="stripe: confirm the booking's payment with Stripe.js and "
            "`stripe_publishable_key`; simulated: no card, pay with "
            "POST /api/v1/bookings/{booking_id}/simulated-payment (never in production)"
        ),
    ]
    stripe_publishable_key: Annotated[
        str | None,
        msgspec.Meta(description="the key for Stripe.js; null when payments are simulated"),
    ]
    livemode: Annotated[
        bool, msgspec.Meta(description="true when Stripe's live keys are set: real money moves")
    ]
    test_mode: Annotated[
        bool,
        msgspec.Meta(
            description="true when TAILTRIBE_ENV=test: PUT /api/v1/test/clock and "
            "POST /api/v1/test/run-due-jobs exist"
        ),
    ]


class ConfigController(Controller):
    path = "/api/v1/config"
    tags = ("Platform",)

    @get(
        operation_id="get_config",
        summary="The deployment's public configuration",
        description=(
            "Public, no token needed. Tells a client how payments are taken here: with "
            "Stripe (load Stripe.js with `stripe_publishable_key` and confirm the booking's "
            "`payment.client_secret`) or simulated (no card: "
            "`POST /api/v1/bookings/{booking_id}/simulated-payment`), whether that is live "
            "money, and whether the test-mode endpoints exist."
        ),
        exclude_from_auth=True,
        cache=False,
    )
    @inject
    async def get_config(self, settings: FromDishka[Settings]) -> ClientConfig:
        # Production refuses to start without a Stripe key, so it never says simulated.
        stripe = not settings.payments_simulated
        return ClientConfig(
            environment=settings.env.value,
            payment_provider="stripe" if stripe else "simulated",
            stripe_publishable_key=settings.stripe_publishable_key if stripe else None,
            livemode=settings.stripe_livemode,
            test_mode=settings.env is Environment.TEST,
        )
