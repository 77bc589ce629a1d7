"""How fast the admin metrics endpoint answers over 100,000 bookings.

    uv run python bench/bench_metrics.py [--bookings 100000] [--runs 5]

Creates the database `tailtribe_bench_metrics` on the local PostgreSQL
(dropped and made anew), bulk-loads a year of history with COPY (users,
caregivers with decisions, bookings in every status, reviews, payment
events), then asks `GET /api/v1/admin/metrics` for 30 days and for the whole
year through the real app, and prints the times. Needs PostgreSQL on
127.0.0.1:5432 (trust auth).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tailtribe.adapters.sqlalchemy.database import upgrade  # noqa: E402

SERVER = "postgresql://postgres@127.0.0.1:5432"
DB = "tailtribe_bench_metrics"
URL = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DB}"
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
STATUSES = ["requested", "accepted", "declined", "expired", "cancelled", "in_progress", "completed"]


def at(rng: random.Random) -> datetime:
    return YEAR_START + timedelta(seconds=rng.randrange(365 * 86400))


async def load(bookings: int) -> None:
    admin = await asyncpg.connect(f"{SERVER}/postgres")
    await admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{DB}"')
    await admin.close()
    await asyncio.to_thread(upgrade, URL)
    rng = random.Random(3)
    db = await asyncpg.connect(f"{SERVER}/{DB}")
    users = [(uuid4(), at(rng)) for _ in range(bookings // 20)]
    await db.copy_records_to_table(
        "user_account",
        columns=[
            "id",
            "email",
            "full_name",
            "locale",
            "roles",
            "email_verified",
            "created_at",
            "token_version",
            "row_version",
        ],
        records=[
            (u, f"u{i}@bench.be", f"U{i}", "nl", "owner", True, t, 0, 1)
            for i, (u, t) in enumerate(users)
        ],
    )
    carers = users[: len(users) // 10]
    caregivers = [(uuid4(), u, t) for u, t in carers]
    await db.copy_records_to_table(
        "caregiver_profile",
        columns=[
            "id",
            "user_id",
            "display_name",
            "bio",
            "service_radius_km",
            "accepted_species",
            "max_pets",
            "cancellation_policy",
            "status",
            "payouts_enabled",
            "created_at",
        ],
        records=[
            (c, u, "C", "", 10, "dog", 2, "flexible", "approved", True, t) for c, u, t in caregivers
        ],
    )
    await db.copy_records_to_table(
        "caregiver_decision",
        columns=["id", "caregiver_id", "kind", "admin_id", "decided_at"],
        records=[
            (uuid4(), c, rng.choice(["approve", "approve", "reject"]), users[0][0], t)
            for c, _, t in caregivers
        ],
    )
    rows, reviews, events = [], [], []
    for n in range(bookings):
        owner, registered = users[rng.randrange(len(users))]
        created = max(registered, at(rng))
        status = rng.choice(STATUSES)
        total = rng.randrange(1000, 20000, 50)
        captured = total if status in ("accepted", "in_progress", "completed") else 0
        start = YEAR_START + timedelta(days=400, minutes=30 * n)  # never overlapping
        rows.append(
            (
                uuid4(),
                owner,
                caregivers[n % len(caregivers)][0],
                "dog_walking",
                start,
                start + timedelta(minutes=30),
                1,
                status,
                "captured" if captured else "pending",
                "none",
                1,
                total,
                total // 5,
                total - total // 5,
                20,
                "flexible",
                created,
                created + timedelta(minutes=30),
                created + timedelta(hours=24),
                captured,
                0,
                0,
                0,
            )
        )
        if status == "completed" and rng.random() < 0.5:
            reviews.append(
                (uuid4(), rows[-1][0], rows[-1][2], owner, rng.randint(1, 5), "", created)
            )
        if rng.random() < 0.5:
            topic = "event.PaymentFailed" if rng.random() < 0.1 else "event.PaymentAuthorized"
            events.append(
                (
                    uuid4(),
                    topic,
                    json.dumps({"booking_id": str(rows[-1][0])}),
                    created,
                    created,
                    "sent",
                    0,
                )
            )
    await db.copy_records_to_table(
        "booking",
        columns=[
            "id",
            "owner_id",
            "caregiver_id",
            "service",
            "start_at",
            "end_at",
            "pets",
            "status",
            "payment_status",
            "payout_status",
            "units",
            "total_cents",
            "commission_cents",
            "caregiver_payout_cents",
            "commission_percent",
            "cancellation_policy",
            "created_at",
            "payment_deadline",
            "response_deadline",
            "captured_cents",
            "refunded_cents",
            "paid_out_cents",
            "reversed_cents",
        ],
        records=rows,
    )
    await db.copy_records_to_table(
        "review",
        columns=["id", "booking_id", "caregiver_id", "owner_id", "rating", "comment", "created_at"],
        records=reviews,
    )
    await db.copy_records_to_table(
        "outbox_message",
        columns=["id", "topic", "payload", "created_at", "available_at", "status", "attempts"],
        records=events,
    )
    await db.execute("ANALYZE")
    print(
        f"loaded {len(users)} users, {len(caregivers)} caregivers, {len(rows)} bookings, "
        f"{len(reviews)} reviews, {len(events)} payment events",
        flush=True,
    )
    await db.close()


async def measure(runs: int) -> None:
    os.environ.update(
        {
            "DATABASE_URL": URL,
            "TAILTRIBE_SECRET_KEY": secrets.token_urlsafe(48),
            "STRIPE_WEBHOOK_SECRET": "whsec_bench",
            "RATE_LIMIT_PER_MINUTE": "100000",
        }
    )
    from tailtribe.config import Settings
    from tailtribe.domain.services.accounts.create_admin import CreateAdmin
    from tailtribe.entrypoints.http.app import create_app
    from tailtribe.ioc import make_container

    settings = Settings.from_env()
    container = make_container(settings)
    app = create_app(settings, container)
    async with (
        app.lifespan(),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://bench") as client,
    ):
        async with container() as scope:
            await (await scope.get(CreateAdmin))("admin@bench.be", "bench password 1")
        login = await client.post(
            "/api/v1/auth/login", json={"email": "admin@bench.be", "password": "bench password 1"}
        )
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        for label, first, last in (
            ("30 days", date(2026, 10, 1), date(2026, 10, 30)),
            ("a year", date(2026, 1, 1), date(2026, 12, 31)),
        ):
            times: list[float] = []
            body: dict[str, Any] = {}
            for _ in range(runs + 1):  # the first run warms the caches up
                started = time.perf_counter()
                response = await client.get(
                    "/api/v1/admin/metrics",
                    params={"from": first.isoformat(), "to": last.isoformat()},
                    headers=headers,
                )
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
                body = response.json()
            print(
                f"metrics over {label:8}: median {statistics.median(times[1:]) * 1000:7.1f} ms, "
                f"worst {max(times[1:]) * 1000:7.1f} ms  ({body['bookings']['created']} bookings "
                f"created, {len(body['daily'])} days)",
                flush=True,
            )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    await load(args.bookings)
    await measure(args.runs)


if __name__ == "__main__":
    asyncio.run(main())
