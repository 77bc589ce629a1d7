"""What GET /api/v1/config answers: the deployment as a client sees it."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec


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
