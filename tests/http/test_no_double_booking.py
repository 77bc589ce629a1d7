"""50 concurrent overlapping requests through three API processes on PostgreSQL:
exactly `capacity` succeed, every other one is a 409."""

from __future__ import annotations

import asyncio
import secrets
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from tailtribe.adapters.stripe.events import stripe_event
from tailtribe.config import Settings
from tailtribe.domain.model.availability import Availability, WeeklyWindow
from tailtribe.domain.model.pets import PetDetails, Species
from tailtribe.domain.model.pricing import Service, ServicePrice
from tailtribe.domain.model.users import Locale
from tailtribe.domain.services.accounts.create_admin import CreateAdmin
from tailtribe.domain.services.accounts.register import Register, RegisterUser
from tailtribe.domain.services.admin.review_caregivers import ReviewCaregivers, Verdict
from tailtribe.domain.services.caregivers.manage_profile import ManageProfile
from tailtribe.domain.services.caregivers.payouts import StartPayoutOnboarding
from tailtribe.domain.services.payments.apply_payment_events import ReceivePaymentEvent
from tailtribe.domain.services.pets.manage_pets import ManagePets
from tailtribe.ioc import make_container
from tests.conftest import empty_database
from tests.support import PASSWORD, CheapHashing
from tests.test_cli import TAILTRIBE, _env, free_port, wait_for_health

SECRET = secrets.token_urlsafe(48)
INSTANCES = 3
REQUESTS = 50


@pytest.fixture
def servers(pg_url: str) -> Iterator[list[str]]:
    asyncio.run(_clean(pg_url))
    procs, urls = [], []
    for _ in range(INSTANCES):
        port = free_port()
        env = _env(
            DATABASE_URL=pg_url,
            TAILTRIBE_SECRET_KEY=SECRET,
            STRIPE_WEBHOOK_SECRET="whsec_concurrency",
            RATE_LIMIT_PER_MINUTE="100000",
            AUTH_RATE_LIMIT_PER_MINUTE="100000",
        )
        proc = subprocess.Popen(
            [*TAILTRIBE, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(proc)
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for proc, url in zip(procs, urls, strict=True):
            wait_for_health(int(url.rsplit(":", 1)[1]), proc)
        yield urls
    finally:
        # Every server is stopped, even when one of them will not stop by itself.
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def _clean(url: str) -> None:
    await (await empty_database(url)).get_engine().dispose()


async def _world(pg_url: str, max_pets: int) -> tuple[str, list[str], str]:
    """An approved caregiver, an owner with many pets; returns their ids and the owner's email."""
    settings = Settings(database_url=pg_url, secret_key=SECRET)
    container = make_container(settings, CheapHashing())
    try:
        async with container() as scope:
            register = await scope.get(RegisterUser)
            cg_user = await register(
                Register(f"cg-{uuid.uuid4().hex[:6]}@example.be", PASSWORD, "C", Locale.NL)
            )
            owner_email = f"owner-{uuid.uuid4().hex[:6]}@example.be"
            owner = await register(Register(owner_email, PASSWORD, "O", Locale.NL))
            admin, _ = await (await scope.get(CreateAdmin))(
                f"a-{uuid.uuid4().hex[:6]}@example.be", PASSWORD
            )
            profiles = await scope.get(ManageProfile)
            await profiles.create(
                cg_user.id,
                {
                    "bio": "b" * 60,
                    "postcode": "1000",
                    "latitude": 50.85,
                    "longitude": 4.35,
                    "accepted_species": frozenset({Species.DOG}),
                    "max_pets": max_pets,
                },
            )
            await profiles.set_services(
                cg_user.id,
                (ServicePrice(Service.DOG_WALKING, 1500), ServicePrice(Service.BOARDING, 3000)),
            )
            await profiles.set_availability(
                cg_user.id,
                Availability(
                    weekly=tuple(WeeklyWindow(d, time(0), time(23, 59)) for d in range(7))
                ),
            )
            await profiles.submit(cg_user.id)
            await (await scope.get(StartPayoutOnboarding))(cg_user.id)
            caregiver = await profiles.get(cg_user.id)
            data = {"id": caregiver.stripe_account_id, "payouts_enabled": True}
            await (await scope.get(ReceivePaymentEvent))(
                stripe_event(f"evt_{uuid.uuid4().hex}", "account.updated", datetime.now(UTC), data)
            )
            await (await scope.get(ReviewCaregivers)).decide(
                admin.id, caregiver.id, Verdict.APPROVE, "documents checked"
            )
            pets = await scope.get(ManagePets)
            pet_ids = [
                str((await pets.create(owner.id, PetDetails(f"Dog {i}", Species.DOG))).id)
                for i in range(REQUESTS)
            ]
        return str(caregiver.id), pet_ids, owner_email
    finally:
        await container.close()


async def _fire(urls: list[str], owner_email: str, bodies: list[dict[str, Any]]) -> list[int]:
    async with httpx.AsyncClient(timeout=60) as client:
        login = await client.post(
            f"{urls[0]}/api/v1/auth/login", json={"email": owner_email, "password": PASSWORD}
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        responses = await asyncio.gather(
            *(
                client.post(f"{urls[i % len(urls)]}/api/v1/bookings", json=body, headers=headers)
                for i, body in enumerate(bodies)
            )
        )
    return [r.status_code for r in responses]


def _slot(
    start_offset_minutes: int, service: str, caregiver: str, pet: str, hours: float
) -> dict[str, Any]:
    base = (datetime.now(UTC) + timedelta(days=10)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    start = base + timedelta(minutes=start_offset_minutes)
    return {
        "caregiver_id": caregiver,
        "service": service,
        "pet_ids": [pet],
        "start": start.isoformat(),
        "end": (start + timedelta(hours=hours)).isoformat(),
    }


def test_capacity_one_walks_under_concurrency(pg_url: str, servers: list[str]) -> None:
    caregiver, pets, owner = asyncio.run(_world(pg_url, max_pets=1))
    # Every request overlaps every other: starts spread over 50 minutes, each an hour long.
    bodies = [_slot(i, "dog_walking", caregiver, pets[i], hours=1) for i in range(REQUESTS)]
    statuses = asyncio.run(_fire(servers, owner, bodies))
    assert sorted(statuses) == [201] + [409] * (REQUESTS - 1)


def test_boarding_capacity_counts_pets_under_concurrency(pg_url: str, servers: list[str]) -> None:
    caregiver, pets, owner = asyncio.run(_world(pg_url, max_pets=3))
    bodies = [_slot(i, "boarding", caregiver, pets[i], hours=24 * 2) for i in range(REQUESTS)]
    statuses = asyncio.run(_fire(servers, owner, bodies))
    assert sorted(statuses) == [201] * 3 + [409] * (REQUESTS - 3)
