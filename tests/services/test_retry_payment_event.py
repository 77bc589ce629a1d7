"""An admin applies a stored provider event again: applied once, audited, and
a failure is counted on the event and refused (409)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tailtribe.adapters.stripe.events import StripeEventDecoder
from tailtribe.domain.errors import Conflict, NotFound
from tailtribe.domain.model.audit import AuditAction, AuditFilter
from tailtribe.domain.services.payments.apply_payment_events import ReceivePaymentEvent
from tailtribe.domain.services.payments.retry_event import RetryPaymentEvent
from tests.services.conftest import World


def retry(world: World) -> RetryPaymentEvent:
    handle = ReceivePaymentEvent(
        world.uow, world.gateway, world.outbox, world.clock, StripeEventDecoder()
    )
    return RetryPaymentEvent(handle, world.audit)


async def outcomes(world: World) -> list[str]:
    async with world.uow as uow:
        page = await uow.audit.list(AuditFilter(action=AuditAction.RETRY_PAYMENT_EVENT), 10, None)
    return [e.outcome for e in page.items]


async def store(world: World, event_id: str, body: str) -> None:
    async with world.uow as uow:
        await uow.webhook_events.add_if_new(event_id, "account.updated", body, world.clock.now())
        await uow.webhook_events.mark_failed(event_id, "RuntimeError: earlier")
        await uow.commit()


async def test_a_failing_event_is_counted_and_refused(world: World) -> None:
    await store(world, "evt_broken", "not json")
    with pytest.raises(Conflict, match="failed again"):
        await retry(world)(None, "evt_broken")
    async with world.uow as uow:
        [failed] = (await uow.webhook_events.failed(10, 0)).items
    assert (failed.id, failed.attempts) == ("evt_broken", 2)
    [outcome] = await outcomes(world)
    assert outcome.startswith("refused: applying the event failed again")


async def test_an_event_is_applied_once(world: World) -> None:
    body = {
        "id": "evt_ok",
        "object": "event",
        "type": "account.updated",
        "created": int((world.clock.now() - timedelta(minutes=1)).timestamp()),
        "data": {"object": {"id": "acct_unknown", "payouts_enabled": True}},
    }
    await store(world, "evt_ok", json.dumps(body))
    await retry(world)(None, "evt_ok")
    async with world.uow as uow:
        assert (await uow.webhook_events.failed(10, 0)).total == 0
    with pytest.raises(NotFound):
        await retry(world)(None, "evt_ok")
    assert await outcomes(world) == [
        "refused: no payment event with this id waits to be applied",
        "applied",
    ]
