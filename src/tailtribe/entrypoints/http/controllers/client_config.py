"""What a client needs to know about this deployment before it pays: public, no token."""

from __future__ import annotations

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get

from tailtribe.config import Environment, Settings
from tailtribe.entrypoints.http.schemas.platform import ClientConfig


class ConfigController(Controller):
    path = "/api/v1/config"
    tags = ("Platform",)

    @get(
        operation_id="get_config",
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
