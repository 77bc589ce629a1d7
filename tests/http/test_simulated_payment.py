"""Paying without a card where payments are simulated, and the public configuration.

POST /api/v1/bookings/{id}/simulated-payment makes the simulated gateway sign
the event Stripe would send and receives it through the webhook path, so the
booking ends as that webhook leaves it, once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailtribe.adapters.sqlalchemy.tables import WebhookEventRow
from tailtribe.config import Environment
from tests.conftest import empty_database
from tests.factories import marketplace, next_monday, requested_walk
from tests.http.conftest import ClientFactory, api_for
from tests.http.payments_support import assert_problem, ledger, moved
from tests.support import Api

Json = dict[str, Any]


def path(booking: Json) -> str:
    return f"/api/v1/bookings/{booking['id']}/simulated-payment"


async def pay(api: Api, booking: Json, outcome: str, headers: dict[str, str]) -> Any:
    return await api.client.post(path(booking), json={"outcome": outcome}, headers=headers)


async def stored_events(api: Api, kind: str) -> tuple[int, int]:
    """How many events of the kind were stored, and how many of them processed."""
    factory = await api.container.get(async_sessionmaker[AsyncSession])
    async with factory() as session:
        rows = WebhookEventRow.type == kind
        stored = await session.scalar(select(func.count()).where(rows))
        done = await session.scalar(
            select(func.count()).where(rows, WebhookEventRow.processed_at.is_not(None))
        )
    return int(stored or 0), int(done or 0)


async def test_succeeded_holds_the_card_once_and_the_caregiver_can_accept(api: Api) -> None:
    profile, caregiver, owner, admin, pet = await marketplace(api)
    booking = await requested_walk(api, profile, pet, owner, next_monday(10))
    assert booking["payment_status"] == "pending"

    response = await pay(api, booking, "succeeded", owner)
    assert response.status_code == 200, response.text
    paid = response.json()
    assert paid["status"] == "requested" and paid["payment_status"] == "authorized"
    assert paid == (await api.client.get(f"/api/v1/bookings/{booking['id']}", headers=owner)).json()
    # It came through the webhook's event store, as Stripe's own event would.
    assert await stored_events(api, "payment_intent.amount_capturable_updated") == (1, 1)

    # Paid already: a second success is refused and applies nothing.
    again = await pay(api, booking, "succeeded", owner)
    assert_problem(again, 409)
    assert await stored_events(api, "payment_intent.amount_capturable_updated") == (1, 1)

    accepted = await api.client.post(f"/api/v1/bookings/{booking['id']}/accept", headers=caregiver)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["payment_status"] == "captured"
    total = booking["price"]["total"]["amount_cents"]
    totals = moved(await ledger(api, booking["id"], admin))
    assert totals["authorization"] == total and totals["capture"] == total
    assert_problem(await pay(api, booking, "failed", owner), 409)


async def test_failed_leaves_the_request_open_for_another_try(api: Api) -> None:
    profile, _, owner, _, pet = await marketplace(api)
    booking = await requested_walk(api, profile, pet, owner, next_monday(10))

    response = await pay(api, booking, "failed", owner)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "requested"
    assert response.json()["payment_status"] == "failed"
    assert await stored_events(api, "payment_intent.payment_failed") == (1, 1)

    retried = await pay(api, booking, "succeeded", owner)
    assert retried.status_code == 200, retried.text
    assert retried.json()["payment_status"] == "authorized"


async def test_abandoned_cancels_the_payment_and_the_request_cannot_be_accepted(
    api: Api,
) -> None:
    profile, caregiver, owner, _, pet = await marketplace(api)
    booking = await requested_walk(api, profile, pet, owner, next_monday(10))

    response = await pay(api, booking, "abandoned", owner)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "requested"
    assert response.json()["payment_status"] == "canceled"
    assert await stored_events(api, "payment_intent.canceled") == (1, 1)

    refused = await api.client.post(f"/api/v1/bookings/{booking['id']}/accept", headers=caregiver)
    assert_problem(refused, 409)
    assert_problem(await pay(api, booking, "succeeded", owner), 409)


async def test_only_the_owner_pays_and_others_get_404(api: Api) -> None:
    profile, caregiver, owner, admin, pet = await marketplace(api)
    booking = await requested_walk(api, profile, pet, owner, next_monday(10))
    _, stranger = await api.new_user()

    for headers in (stranger, caregiver, admin):
        assert_problem(await pay(api, booking, "succeeded", headers), 404)
    missing = {"id": "00000000-0000-4000-8000-000000000000"}
    assert_problem(await pay(api, missing, "succeeded", owner), 404)
    assert (await api.client.post(path(booking), json={"outcome": "succeeded"})).status_code == 401
    assert_problem(await pay(api, booking, "paid", owner), 400)
    unpaid = await api.client.get(f"/api/v1/bookings/{booking['id']}", headers=owner)
    assert unpaid.json()["payment_status"] == "pending"


async def test_the_payment_window_closed_is_a_409(api: Api) -> None:
    profile, _, owner, _, pet = await marketplace(api)
    booking = await requested_walk(api, profile, pet, owner, next_monday(10))
    created = datetime.fromisoformat(booking["created_at"])
    late = {"now": (created + timedelta(minutes=31)).isoformat()}
    assert (await api.client.put("/api/v1/test/clock", json=late)).status_code == 200

    assert_problem(await pay(api, booking, "succeeded", owner), 409)


async def test_config_says_simulated_in_test_mode(api: Api) -> None:
    response = await api.client.get("/api/v1/config")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "environment": "test",
        "payment_provider": "simulated",
        "stripe_publishable_key": None,
        "livemode": False,
        "test_mode": True,
    }


async def test_development_pays_simulated_too(pg_url: str, make_client: ClientFactory) -> None:
    await (await empty_database(pg_url)).get_engine().dispose()
    async with make_client(
        database_url=pg_url,
        env=Environment.DEVELOPMENT,
        rate_limit_per_minute=100_000,
        auth_rate_limit_per_minute=100_000,
    ) as client:
        api = api_for(client)
        config = (await client.get("/api/v1/config")).json()
        assert config["environment"] == "development" and not config["test_mode"]
        assert config["payment_provider"] == "simulated"
        profile, _, owner, _, pet = await marketplace(api)
        booking = await requested_walk(api, profile, pet, owner, next_monday(10))
        response = await pay(api, booking, "succeeded", owner)
        assert response.status_code == 200, response.text
        assert response.json()["payment_status"] == "authorized"
        await api.container.close()


@pytest.mark.parametrize(
    ("env", "secret_key", "publishable_key"),
    [
        (Environment.TEST, "sk_test_4eC39HqLyjWDarjtT1zdp7dc", "pk_test_TYooMQauvdEDq54NiTphI7jx"),
        (Environment.PRODUCTION, "sk_live_4eC39HqLyjWDarjtT1zd", "pk_live_TYooMQauvdEDq54NiTph"),
    ],
)
async def test_with_a_stripe_key_there_is_no_simulated_payment(
    pg_url: str, make_client: ClientFactory, env: Environment, secret_key: str, publishable_key: str
) -> None:
    # Nothing here reaches Stripe: an address that answers nothing will do.
    async with make_client(
        database_url=pg_url,
        env=env,
        stripe_secret_key=secret_key,
        stripe_publishable_key=publishable_key,
        stripe_api_base="http://127.0.0.1:9",
    ) as client:
        api = api_for(client)
        assert (await client.get("/api/v1/config")).json() == {
            "environment": env.value,
            "payment_provider": "stripe",
            "stripe_publishable_key": publishable_key,
            "livemode": env is Environment.PRODUCTION,
            "test_mode": env is Environment.TEST,
        }
        _, owner = await api.new_user()
        booking = {"id": "00000000-0000-4000-8000-000000000000"}
        assert_problem(await pay(api, booking, "succeeded", owner), 404)
        paths = (await client.get("/schema/openapi.json")).json()["paths"]
        assert not any(p.endswith("/simulated-payment") for p in paths)
        await api.container.close()


async def test_the_operations_are_in_the_openapi_document(api: Api) -> None:
    paths = (await api.client.get("/schema/openapi.json")).json()["paths"]
    assert paths["/api/v1/config"]["get"]["operationId"] == "get_config"
    operation = paths["/api/v1/bookings/{booking_id}/simulated-payment"]["post"]
    assert operation["operationId"] == "simulate_payment"
    assert operation["summary"] and operation["description"]


async def test_production_never_offers_a_simulated_payment(
    pg_url: str, make_client: ClientFactory
) -> None:
    # Production refuses to start without a Stripe key (tests/test_config.py);
    # settings that skip that check still never say or offer "simulated".
    async with make_client(database_url=pg_url, env=Environment.PRODUCTION) as client:
        config = (await client.get("/api/v1/config")).json()
        assert config["payment_provider"] == "stripe" and config["environment"] == "production"
        paths = (await client.get("/schema/openapi.json")).json()["paths"]
        assert not any(p.endswith("/simulated-payment") for p in paths)
