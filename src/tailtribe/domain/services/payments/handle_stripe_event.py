"""Stripe webhooks: stored once by id, applied exactly once in effect, in any order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tailtribe.domain.ports import Clock, UnitOfWork


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    """A verified webhook event: its id, type, creation time and data object."""

    id: str
    type: str
    created: datetime
    data: Mapping[str, Any]
    raw: str


Handler = Callable[[UnitOfWork, ProviderEvent], Awaitable[None]]


async def account_updated(uow: UnitOfWork, event: ProviderEvent) -> None:
    """Connect onboarding finished (or lost its capability): set payouts_enabled."""
    caregiver = await uow.caregivers.get_by_stripe_account(str(event.data.get("id", "")))
    if caregiver is None:
        return
    if caregiver.update_payouts(bool(event.data.get("payouts_enabled")), as_of=event.created):
        await uow.caregivers.save(caregiver)


HANDLERS: dict[str, Handler] = {"account.updated": account_updated}


class HandleStripeEvent:
    """Store the event, then apply it in the same transaction.

    - a delivery of an id already stored changes nothing;
    - an older `account.updated` than the last applied one is ignored;
    - types without a handler are stored and acknowledged.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, event: ProviderEvent) -> bool:
        """Returns False for a repeated delivery."""
        now = self._clock.now()
        async with self._uow as uow:
            if not await uow.webhook_events.add_if_new(event.id, event.type, event.raw, now):
                return False
            handler = HANDLERS.get(event.type)
            if handler is not None:
                await handler(uow, event)
            await uow.webhook_events.mark_processed(event.id, now)
            await uow.commit()
        return True
