"""Helpers shared by tests: cheap hashing, signed Stripe events, API shortcuts."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any

from dishka import Provider, Scope, provide
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailtribe.adapters.security.passwords import Argon2PasswordHasher
from tailtribe.adapters.security.token_secrets import HmacTokenSecrets
from tailtribe.adapters.sqlalchemy.tables import OutboxRow
from tailtribe.config import DEV_WEBHOOK_SECRET, Settings
from tailtribe.domain.ports.identity import PasswordHasher
from tailtribe.ioc import make_container

PASSWORD = "correct horse battery"


class CheapHashing(Provider):
    """Real argon2id with minimal cost: the same code path, fast tests."""

    scope = Scope.APP

    @provide
    def hasher(self) -> PasswordHasher:
        return Argon2PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def stripe_signature(
    payload: bytes, secret: str = DEV_WEBHOOK_SECRET, at: int | None = None
) -> str:
    """The Stripe-Signature header Stripe would send for `payload`."""
    timestamp = int(time.time()) if at is None else at
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def account_updated(account_id: str, payouts_enabled: bool, created: int | None = None) -> bytes:
    event = {
        "id": f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "type": "account.updated",
        "created": int(time.time()) if created is None else created,
        "data": {
            "object": {"id": account_id, "object": "account", "payouts_enabled": payouts_enabled}
        },
    }
    return json.dumps(event).encode()


class Api:
    """Shortcuts for driving the app as a client would.

    The test client runs the app on an event loop of its own; what the test
    does directly (make an admin, read the outbox) goes through a second
    container on the same database, in the test's loop.
    """

    def __init__(self, client: AsyncTestClient[Litestar], settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self.container = make_container(settings, CheapHashing())

    async def register(self, email: str | None = None, **extra: Any) -> dict[str, Any]:
        body = {
            "email": email or f"user-{uuid.uuid4().hex[:8]}@example.be",
            "password": PASSWORD,
            "full_name": "Test User",
            **extra,
        }
        response = await self.client.post("/api/v1/auth/register", json=body)
        assert response.status_code == 201, response.text
        user: dict[str, Any] = response.json()
        return user

    async def login(self, email: str, password: str = PASSWORD) -> dict[str, str]:
        response = await self.client.post(
            "/api/v1/auth/login", json={"email": email, "password": password}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    async def new_user(self, **extra: Any) -> tuple[dict[str, Any], dict[str, str]]:
        user = await self.register(**extra)
        return user, await self.login(user["email"])

    async def new_admin(self) -> dict[str, str]:
        from tailtribe.domain.services.accounts.create_admin import CreateAdmin

        email = f"admin-{uuid.uuid4().hex[:8]}@example.be"
        async with self.container() as scope:
            await (await scope.get(CreateAdmin))(email, PASSWORD)
        return await self.login(email)

    async def webhook(self, payload: bytes, secret: str = DEV_WEBHOOK_SECRET) -> int:
        response = await self.client.post(
            "/api/stripe/webhook",
            content=payload,
            headers={
                "Stripe-Signature": stripe_signature(payload, secret),
                "Content-Type": "application/json",
            },
        )
        return response.status_code

    async def email_token(self, topic: str, user_id: str) -> str:
        """The secret the newest `topic` email to the user carries."""
        return (await self.email_tokens(topic, user_id))[-1]

    async def email_count(self, topic: str, user_id: str) -> int:
        """How many `topic` emails to the user are queued."""
        factory = await self.container.get(async_sessionmaker[AsyncSession])
        async with factory() as session:
            rows = (await session.scalars(select(OutboxRow).where(OutboxRow.topic == topic))).all()
        return sum(r.payload.get("user_id") == user_id for r in rows)

    async def email_tokens(self, topic: str, user_id: str) -> list[str]:
        """The secrets every `topic` email to the user carries, oldest first."""
        factory = await self.container.get(async_sessionmaker[AsyncSession])
        async with factory() as session:
            rows = (
                await session.scalars(
                    select(OutboxRow).where(OutboxRow.topic == topic).order_by(OutboxRow.created_at)
                )
            ).all()
        mine = [r for r in rows if r.payload.get("user_id") == user_id]
        assert mine, f"no {topic} email for {user_id}"
        secrets = HmacTokenSecrets(self.settings.secret_key)
        return [secrets.secret_for(uuid.UUID(row.payload["token_id"])) for row in mine]

    async def authorize_and_accept(
        self, booking: dict[str, Any], caregiver: dict[str, str]
    ) -> dict[str, Any]:
        """The card held (Stripe's webhook), then the caregiver accepts."""
        pi = booking["payment"]["payment_intent_id"]
        amount = booking["price"]["total"]["amount_cents"]
        event = payment_event("payment_intent.amount_capturable_updated", pi, amount)
        assert await self.webhook(event) == 200
        accepted = await self.client.post(
            f"/api/v1/bookings/{booking['id']}/accept", headers=caregiver
        )
        assert accepted.status_code == 200, accepted.text
        result: dict[str, Any] = accepted.json()
        return result

    async def approved_caregiver(
        self, admin: dict[str, str]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """A user taken through the whole caregiver journey, approved."""
        _, headers = await self.new_user()
        c = self.client
        assert (
            await c.post("/api/v1/caregiver/profile", json=PROFILE, headers=headers)
        ).status_code == 201
        assert (
            await c.put("/api/v1/caregiver/services", json=SERVICES, headers=headers)
        ).status_code == 200
        assert (
            await c.put("/api/v1/caregiver/availability", json=AVAILABILITY, headers=headers)
        ).status_code == 200
        assert (await c.post("/api/v1/caregiver/submit", headers=headers)).status_code == 200
        assert (
            await c.post("/api/v1/caregiver/payouts/onboarding", headers=headers)
        ).status_code == 200
        profile = (await c.get("/api/v1/caregiver/profile", headers=headers)).json()
        assert await self.webhook(account_updated(profile["stripe_account_id"], True)) == 200
        response = await c.post(
            f"/api/v1/admin/caregivers/{profile['id']}/approve",
            json={"reason": "documents checked"},
            headers=admin,
        )
        assert response.status_code == 200, response.text
        return response.json(), headers


PROFILE: dict[str, Any] = {
    "display_name": "Sofie's Dog Care",
    "bio": "Ervaren hondenoppas in Gent met een grote tuin en veel geduld voor elke hond.",
    "postcode": "9000",
    "city": "Gent",
    "latitude": 51.0543,
    "longitude": 3.7174,
    "service_radius_km": 15,
    "accepted_species": ["dog", "cat"],
    "max_pets": 3,
    "cancellation_policy": "moderate",
}
SERVICES: list[dict[str, Any]] = [
    {"service": "dog_walking", "price_cents": 1500, "extra_pet_price_cents": 500},
    {"service": "boarding", "price_cents": 3500, "extra_pet_price_cents": 1500},
]
AVAILABILITY: dict[str, Any] = {
    "weekly": [{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(5)],
    "blocked": [{"start": "2027-07-01T00:00:00+02:00", "end": "2027-07-15T00:00:00+02:00"}],
}
PET_BODY: dict[str, Any] = {
    "name": "Bruno",
    "species": "dog",
    "breed": "Labrador",
    "weight_kg": 30.5,
}


def payment_event(event_type: str, payment_intent_id: str, amount: int) -> bytes:
    """A Stripe payment_intent event as the webhook receives it."""
    event = {
        "id": f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "data": {
            "object": {
                "id": payment_intent_id,
                "object": "payment_intent",
                "amount": amount,
                "amount_capturable": amount if event_type.endswith("capturable_updated") else 0,
                "currency": "eur",
            }
        },
    }
    return json.dumps(event).encode()
