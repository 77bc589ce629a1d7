"""Shortcuts for the payment tests: the test clock, Stripe events at a given
time, caregivers with every service and policy, the ledger and the emails."""

from __future__ import annotations

import email
import json
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from httpx import Response
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailtribe.adapters.sqlalchemy.tables import OutboxRow, WebhookEventRow
from tailtribe.config import DEV_WEBHOOK_SECRET
from tests.support import Api, account_updated, stripe_signature

BRUSSELS = ZoneInfo("Europe/Brussels")
Client = AsyncTestClient[Litestar]
Headers = dict[str, str]
Json = dict[str, Any]

# Odd prices: halves and commissions have something to round.
PRICES = {
    "dog_walking": 1999,
    "drop_in": 1299,
    "day_care": 2599,
    "house_sitting": 4111,
    "boarding": 3333,
}
EVERY_DAY = {
    "weekly": [{"weekday": d, "start": "07:00", "end": "21:00"} for d in range(7)],
    "blocked": [],
}


def half_up_percent(amount_cents: int, percent: int) -> int:
    """`percent`% of an amount in cents, halves rounded up."""
    return (amount_cents * percent + 50) // 100


def commission_of(total_cents: int, percent: int = 20) -> int:
    return half_up_percent(total_cents, percent)


def payout_of(kept_cents: int, percent: int = 20) -> int:
    return kept_cents - commission_of(kept_cents, percent)


def money(amount_cents: int) -> Json:
    return {"amount_cents": amount_cents, "currency": "EUR"}


def brussels(day: date, hour: int, minute: int = 0) -> datetime:
    """A Brussels wall-clock time on `day`, as an aware instant."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BRUSSELS)


def first_weekday_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7 or 7)


# -- the test clock --------------------------------------------------------


async def set_clock(client: Client, moment: datetime | None) -> None:
    body = {"now": None if moment is None else moment.isoformat()}
    response = await client.put("/api/v1/test/clock", json=body)
    assert response.status_code == 200, response.text


async def run_due_jobs(client: Client) -> dict[str, int]:
    response = await client.post("/api/v1/test/run-due-jobs")
    assert response.status_code == 200, response.text
    ran: dict[str, int] = response.json()["ran"]
    return ran


async def run_at(client: Client, moment: datetime) -> dict[str, int]:
    await set_clock(client, moment)
    return await run_due_jobs(client)


# -- Stripe events ---------------------------------------------------------


def stripe_event(
    event_type: str, obj: Json, created: datetime, event_id: str | None = None
) -> bytes:
    event = {
        "id": event_id or f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "type": event_type,
        "created": int(created.timestamp()),
        "data": {"object": obj},
    }
    return json.dumps(event).encode()


def intent_event(event_type: str, payment_intent_id: str, amount: int, created: datetime) -> bytes:
    capturable = amount if event_type == "payment_intent.amount_capturable_updated" else 0
    obj = {
        "id": payment_intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": capturable,
        "currency": "eur",
    }
    return stripe_event(event_type, obj, created)


def chargeback_event(payment_intent_id: str, amount: int, created: datetime) -> bytes:
    obj = {
        "id": f"dp_{uuid.uuid4().hex[:24]}",
        "object": "dispute",
        "amount": amount,
        "currency": "eur",
        "charge": f"ch_{uuid.uuid4().hex[:24]}",
        "payment_intent": payment_intent_id,
        "reason": "fraudulent",
        "status": "needs_response",
    }
    return stripe_event("charge.dispute.created", obj, created)


async def deliver(client: Client, payload: bytes, secret: str = DEV_WEBHOOK_SECRET) -> Response:
    """POST the event as Stripe would, signed now (Stripe's tolerance is real time)."""
    return await client.post(
        "/api/stripe/webhook",
        content=payload,
        headers={
            "Stripe-Signature": stripe_signature(payload, secret),
            "Content-Type": "application/json",
        },
    )


# -- people ----------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    user: Json
    headers: Headers

    @property
    def id(self) -> str:
        return str(self.user["id"])

    @property
    def email(self) -> str:
        return str(self.user["email"])


@dataclass(frozen=True)
class Caregiver(Person):
    profile: Json


@dataclass(frozen=True)
class Owner(Person):
    pet_id: str


async def me(api: Api, headers: Headers) -> Person:
    response = await api.client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200, response.text
    return Person(response.json(), headers)


async def admin(api: Api) -> Person:
    return await me(api, await api.new_admin())


async def caregiver(
    api: Api,
    admin_headers: Headers,
    policy: str = "moderate",
    *,
    who: tuple[dict[str, Any], Headers] | None = None,
    **fields: object,
) -> Caregiver:
    """An approved caregiver offering every service, every day 07:00-21:00:
    a new user, or `who`; `fields` override the profile's."""
    user, headers = who or await api.new_user(locale="en")
    c = api.client
    profile_body: dict[str, object] = {
        "display_name": f"Care {policy}",
        "bio": "Ervaren dierenoppas in Gent met een grote tuin en veel geduld voor elk dier.",
        "postcode": "9000",
        "city": "Gent",
        "latitude": 51.0543,
        "longitude": 3.7174,
        "service_radius_km": 15,
        "accepted_species": ["dog", "cat"],
        "max_pets": 3,
        "cancellation_policy": policy,
        **fields,
    }
    services = [
        {"service": s, "price_cents": p, "extra_pet_price_cents": 0} for s, p in PRICES.items()
    ]
    steps = [
        (await c.post("/api/v1/caregiver/profile", json=profile_body, headers=headers), 201),
        (await c.put("/api/v1/caregiver/services", json=services, headers=headers), 200),
        (await c.put("/api/v1/caregiver/availability", json=EVERY_DAY, headers=headers), 200),
        (await c.post("/api/v1/caregiver/submit", headers=headers), 200),
        (await c.post("/api/v1/caregiver/payouts/onboarding", headers=headers), 200),
    ]
    for response, status in steps:
        assert response.status_code == status, response.text
    profile = (await c.get("/api/v1/caregiver/profile", headers=headers)).json()
    assert await api.webhook(account_updated(profile["stripe_account_id"], True)) == 200
    approved = await c.post(
        f"/api/v1/admin/caregivers/{profile['id']}/approve",
        json={"reason": "documents checked"},
        headers=admin_headers,
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["cancellation_policy"] == policy
    return Caregiver(user, headers, approved.json())


async def owner(api: Api) -> Owner:
    user, headers = await api.new_user(locale="en")
    pet = await api.client.post(
        "/api/v1/pets", json={"name": "Rex", "species": "dog"}, headers=headers
    )
    assert pet.status_code == 201, pet.text
    return Owner(user, headers, pet.json()["id"])


# -- bookings --------------------------------------------------------------


def booking_body(
    carer: Caregiver, pet_owner: Owner, service: str, start: datetime, end: datetime
) -> Json:
    return {
        "caregiver_id": carer.profile["id"],
        "service": service,
        "pet_ids": [pet_owner.pet_id],
        "start": start.isoformat(),
        "end": end.isoformat(),
    }


def period(service: str, start: datetime) -> tuple[datetime, datetime]:
    """One unit of the service from `start`: an hour's visit, a day, a night."""
    if service in ("dog_walking", "drop_in"):
        return start, start + timedelta(hours=1)
    if service == "day_care":
        return start, start.replace(hour=17)
    return start, start + timedelta(days=1)  # wall-clock arithmetic: the same hour


async def book(api: Api, body: Json, pet_owner: Owner) -> Json:
    response = await api.client.post("/api/v1/bookings", json=body, headers=pet_owner.headers)
    assert response.status_code == 201, response.text
    booking: Json = response.json()
    return booking


async def authorize(api: Api, booking: Json, at: datetime) -> Response:
    """Stripe tells the card is held, in an event created at `at`."""
    pi = booking["payment"]["payment_intent_id"]
    total = booking["price"]["total"]["amount_cents"]
    response = await deliver(
        api.client, intent_event("payment_intent.amount_capturable_updated", pi, total, at)
    )
    assert response.status_code == 200, response.text
    return response


async def accept(api: Api, booking: Json, carer: Caregiver) -> Json:
    response = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/accept", headers=carer.headers
    )
    assert response.status_code == 200, response.text
    accepted: Json = response.json()
    assert accepted["status"] == "accepted" and accepted["payment_status"] == "captured"
    return accepted


async def captured_booking(
    api: Api, carer: Caregiver, pet_owner: Owner, service: str, start: datetime, now: datetime
) -> Json:
    """Booked, authorized and accepted with the clock at `now`."""
    await set_clock(api.client, now)
    booking = await book(
        api, booking_body(carer, pet_owner, service, *period(service, start)), pet_owner
    )
    await authorize(api, booking, now)
    await accept(api, booking, carer)
    return booking


async def get_booking(api: Api, booking_id: str, headers: Headers) -> Json:
    response = await api.client.get(f"/api/v1/bookings/{booking_id}", headers=headers)
    assert response.status_code == 200, response.text
    booking: Json = response.json()
    return booking


async def ledger(api: Api, booking_id: str, admin_headers: Headers) -> Json:
    response = await api.client.get(f"/api/v1/admin/ledger/{booking_id}", headers=admin_headers)
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


def moved(ledger_body: Json) -> Counter[str]:
    """The total per movement."""
    totals: Counter[str] = Counter()
    for entry in ledger_body["entries"]:
        totals[entry["movement"]] += entry["amount"]["amount_cents"]
    return totals


def assert_problem(response: Response, *statuses: int) -> None:
    assert response.status_code in statuses, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == response.status_code
    assert body["title"] and body["detail"]


# -- what was stored and sent ----------------------------------------------


async def sent_emails(api: Api, kind: str, user_id: str) -> list[Json]:
    """The payloads of the `kind` emails the outbox sent to the user."""
    factory = await api.container.get(async_sessionmaker[AsyncSession])
    async with factory() as session:
        rows = (
            await session.scalars(
                select(OutboxRow)
                .where(OutboxRow.topic == f"email.{kind}")
                .order_by(OutboxRow.created_at)
            )
        ).all()
    return [r.payload for r in rows if r.payload.get("user_id") == user_id and r.status == "sent"]


def emails_to(folder: Path, address: str) -> list[EmailMessage]:
    """The emails the folder mailer wrote to `address`."""
    found: list[EmailMessage] = [
        email.message_from_bytes(p.read_bytes(), policy=default)
        for p in sorted(folder.glob("*.eml"))
    ]
    return [m for m in found if m["To"] == address]


async def stored_event(api: Api, event_id: str) -> WebhookEventRow | None:
    factory = await api.container.get(async_sessionmaker[AsyncSession])
    async with factory() as session:
        row: WebhookEventRow | None = await session.scalar(
            select(WebhookEventRow).where(WebhookEventRow.id == event_id)
        )
    return row
