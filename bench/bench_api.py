"""Search and booking throughput of the real app, next to a SELECT 1 baseline.

    uv run python bench/bench_api.py [--caregivers 1000] [--seconds 10] [--concurrency 32]

Creates the database `tailtribe_bench` on the local PostgreSQL (dropped and
made anew each run), loads the caregivers through the repositories, serves
the app and the baseline with granian (one worker each, like production
per core), drives both with the same HTTP client and prints requests per
second and the ratios. Needs PostgreSQL on 127.0.0.1:5432 (trust auth).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tailtribe.adapters.security.passwords import Argon2PasswordHasher  # noqa: E402
from tailtribe.adapters.sqlalchemy.database import make_db_config, upgrade  # noqa: E402
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork  # noqa: E402
from tailtribe.domain.model.availability import Availability, WeeklyWindow  # noqa: E402
from tailtribe.domain.model.caregivers import Caregiver, CaregiverStatus, ProfileDetails  # noqa: E402
from tailtribe.domain.model.pets import Pet, PetDetails, Species  # noqa: E402
from tailtribe.domain.model.pricing import Service, ServicePrice  # noqa: E402
from tailtribe.domain.model.users import Locale, Role, User  # noqa: E402

SERVER = "postgresql://postgres@127.0.0.1:5432"
DB = "tailtribe_bench"
URL = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DB}"
BRUSSELS = ZoneInfo("Europe/Brussels")
CENTRE = (50.8467, 4.3525)
PASSWORD = "bench password 1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Where a caregiver lives: (latitude, longitude, postcode, city) drawn from the loader's rng.
Place = Callable[[random.Random], tuple[float, float, str, str]]


def around_brussels(rng: random.Random) -> tuple[float, float, str, str]:
    return (
        CENTRE[0] + rng.uniform(-0.25, 0.25),
        CENTRE[1] + rng.uniform(-0.35, 0.35),
        "1000",
        "Brussel",
    )


async def prepare(
    caregivers: int, *, database: str = DB, place: Place = around_brussels
) -> tuple[list[str], str, str]:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}"
    admin = await asyncpg.connect(f"{SERVER}/postgres")
    await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{database}"')
    await admin.close()
    await asyncio.to_thread(upgrade, url)
    config = make_db_config(url)
    rng = random.Random(1)
    now = datetime.now(UTC)
    hasher = Argon2PasswordHasher()
    owner = User.register(
        id=uuid4(),
        email="bench-owner@example.be",
        full_name="Owner",
        password_hash=await hasher.hash(PASSWORD),
        locale=Locale.NL,
        now=now,
    )
    pet = Pet(uuid4(), owner.id, PetDetails("Rex", Species.DOG), now)
    ids = []
    async with SqlUnitOfWork(config.create_session_maker()) as uow:
        await uow.users.add(owner)
        await uow.pets.add(pet)
        for i in range(caregivers):
            user = User(
                id=uuid4(),
                email=f"carer{i}@example.be",
                full_name=f"Carer {i}",
                password_hash=None,
                locale=Locale.NL,
                roles=frozenset({Role.OWNER, Role.CAREGIVER}),
                created_at=now,
            )
            await uow.users.add(user)
            latitude, longitude, postcode, city = place(rng)
            c = Caregiver(
                id=uuid4(),
                user_id=user.id,
                profile=ProfileDetails(
                    display_name=f"Carer {i}",
                    bio="Ervaren oppas " * 6,
                    postcode=postcode,
                    city=city,
                    latitude=latitude,
                    longitude=longitude,
                    service_radius_km=25,
                    accepted_species=frozenset({Species.DOG, Species.CAT}),
                    max_pets=3,
                ),
                services=(
                    ServicePrice(Service.DOG_WALKING, rng.randrange(1000, 2500, 100)),
                    ServicePrice(Service.BOARDING, rng.randrange(2500, 5000, 100)),
                ),
                status=CaregiverStatus.APPROVED,
                availability=Availability(
                    weekly=tuple(
                        WeeklyWindow(
                            d, datetime.min.time(), datetime.max.time().replace(microsecond=0)
                        )
                        for d in range(7)
                    )
                ),
                created_at=now,
            )
            await uow.caregivers.add(c)
            ids.append(str(c.id))
        await uow.commit()
    await config.get_engine().dispose()
    # Fresh statistics, as autovacuum keeps them in production: without them
    # the planner ignores the location index on a just-loaded table.
    bench = await asyncpg.connect(f"{SERVER}/{database}")
    await bench.execute("ANALYZE")
    await bench.close()
    return ids, owner.email, str(pet.id)


def serve(target: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--factory",
            target,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--no-ws",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def wait_up(url: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(150):
            try:
                if (await client.get(url)).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


async def drive(make_request: Any, seconds: float, concurrency: int) -> tuple[float, int, int]:
    """Requests per second over `seconds` with `concurrency` clients; and the error count.

    aiohttp rather than httpx: on two cores the client must cost far less than
    the servers it measures.
    """
    done = errors = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as client:

        async def one_client() -> None:
            nonlocal done, errors
            while time.perf_counter() < deadline:
                async with make_request(client) as response:
                    await response.read()
                    done += 1
                    errors += response.status >= 400

        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return done / elapsed, done, errors


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--caregivers", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--only",
        choices=["app", "search", "booking"],
        help="measure one scenario (and the baseline)",
    )
    args = parser.parse_args()

    print(f"loading {args.caregivers} caregivers ...", flush=True)
    caregivers, owner_email, pet = await prepare(args.caregivers)
    app_port, base_port = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": URL,
        "TAILTRIBE_SECRET_KEY": secrets.token_urlsafe(48),
        "STRIPE_WEBHOOK_SECRET": "whsec_bench",
        # Many users, not one: each request comes from its own address, as
        # behind a proxy, so the per-client limiter does what it does in production.
        "CLIENT_IP_HEADER": "X-Forwarded-For",
        "RATE_LIMIT_PER_MINUTE": "600",
        "AUTH_RATE_LIMIT_PER_MINUTE": "1000000",
        "BENCH_DSN": f"{SERVER}/{DB}",
        "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
    }
    app = serve("tailtribe.entrypoints.http.app:create_app", app_port, env)
    base = serve("bench.baseline_app:create_app", base_port, env)
    try:
        await wait_up(f"http://127.0.0.1:{app_port}/api/health")
        await wait_up(f"http://127.0.0.1:{base_port}/select1")
        async with httpx.AsyncClient() as c:
            login = await c.post(
                f"http://127.0.0.1:{app_port}/api/v1/auth/login",
                json={"email": owner_email, "password": PASSWORD},
            )
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        rng = random.Random(2)

        def visitor() -> dict[str, str]:
            return {
                "X-Forwarded-For": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"
            }

        def baseline(client: aiohttp.ClientSession) -> Any:
            return client.get(f"http://127.0.0.1:{base_port}/select1")

        def health(client: aiohttp.ClientSession) -> Any:
            # SELECT 1 through the app's whole stack: what the framework costs.
            return client.get(f"http://127.0.0.1:{app_port}/api/health", headers=visitor())

        def search(client: aiohttp.ClientSession) -> Any:
            start = datetime(2027, 6, 7, 10, 0, tzinfo=BRUSSELS) + timedelta(days=rng.randrange(60))
            params = {
                "service": "dog_walking",
                "latitude": str(CENTRE[0] + rng.uniform(-0.1, 0.1)),
                "longitude": str(CENTRE[1] + rng.uniform(-0.1, 0.1)),
                "radius_km": "5",
                "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(),
            }
            return client.get(
                f"http://127.0.0.1:{app_port}/api/v1/caregivers", params=params, headers=visitor()
            )

        slots = itertools.count()
        first = datetime.now(BRUSSELS).replace(
            hour=0, minute=0, second=0, microsecond=0
        ) + timedelta(days=2)

        def book(client: aiohttp.ClientSession) -> Any:
            n = next(slots)
            # A fresh (caregiver, hour) each time: every request is a real, successful booking.
            start = first + timedelta(hours=n // len(caregivers) % (24 * 25))
            body = {
                "caregiver_id": caregivers[n % len(caregivers)],
                "service": "dog_walking",
                "pet_ids": [pet],
                "start": start.isoformat(),
                "end": (start + timedelta(minutes=30)).isoformat(),
            }
            return client.post(
                f"http://127.0.0.1:{app_port}/api/v1/bookings",
                json=body,
                headers={**headers, **visitor()},
            )

        results = {}
        scenarios = [
            ("baseline SELECT 1", baseline),
            ("app health", health),
            ("search", search),
            ("booking creation", book),
        ]
        if args.only:
            scenarios = [scenarios[0], *(s for s in scenarios if s[0].startswith(args.only))]
        for name, fn in scenarios:
            await drive(fn, min(2.0, args.seconds), args.concurrency)  # warm up
            rate, count, errors = await drive(fn, args.seconds, args.concurrency)
            results[name] = rate
            print(f"{name:18} {rate:9.1f} req/s  ({count} requests, {errors} errors)", flush=True)
        base_rate = results["baseline SELECT 1"]
        for name, aim in (("app health", None), ("search", 0.5), ("booking creation", 0.25)):
            if name in results:
                target = f"  (aim >= {aim})" if aim else ""
                print(f"{name + ' / baseline':27} = {results[name] / base_rate:.2f}{target}")
    finally:
        for proc in (app, base):
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    asyncio.run(main())
