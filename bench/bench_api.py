"""Throughput and CPU per request of the real app, next to a bare SELECT 1 baseline.

    uv run python bench/bench_api.py [--seconds 8] [--connections 32] [--caregivers 1000]
                                     [--only GROUP ...] [--large] [--threads 1] [--redis URL]

Creates the database `tailtribe_bench` on the local PostgreSQL (dropped and
made anew each run) and loads, through the repositories and the domain model:
the caregivers (approved, every day available, spread over ±0.25° latitude and
±0.35° longitude around Brussels, each with a service radius of 3 to 15 km),
an owner with a dog and 20 bookings of its own (10 completed and reviewed, 10
requested and paid), and 1 to 8 completed, reviewed bookings for each of the
first 100 caregivers. It serves the app (development mode, as the app runs
embedded with its own scheduler, no Redis) and `bench/baseline_app.py` with
granian, one worker each, and drives each scenario with `wrk`: Lua scripts,
written to a temporary directory at run time, vary every request (caregiver
ids, points within ±0.1° of Brussels centre, dates) and send each from its
own client address (X-Forwarded-For, read as behind a proxy, so the
per-client rate limit acts as in production). Booking creation makes real
bookings: request n takes caregiver n mod N at hour n div N from the day
after tomorrow, n counted per wrk thread from a per-run offset, so no two
requests ask for the same (caregiver, slot). Every non-2xx answer counts as
an error.

The baseline is measured before the app's scenarios and again after them;
ratios are to the mean of the two. Next to req/s each row gives the CPU
time (user + system) the server's worker process spent per request, read
from /proc before and after the run: on a shared machine it is steadier
than req/s, and "CPU ratio" (baseline CPU ms / scenario CPU ms) is what the
req/s ratio would be on an idle core.

`--large` also loads 10,000 caregivers into `tailtribe_bench_large`, over
the same area: ten times the density, so a search finds about ten times as
many candidates in its radius, as when a marketplace grows in the cities it
serves (spreading them wider would keep the candidates constant and test
nothing). Search with a period is measured there on a second app server;
the output says how much its ratio falls from 1,000 to 10,000 (aim: at most
20%).

Groups for --only: health, profile, reviews, me, bookings, search, quote,
booking, and `reads` (profile reviews me bookings) and `writes` (quote
booking); the baseline always runs. Needs PostgreSQL on 127.0.0.1:5432
(trust auth) and wrk (`apt-get install wrk`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tailtribe.adapters.security.passwords import Argon2PasswordHasher  # noqa: E402
from tailtribe.adapters.sqlalchemy.database import make_db_config, upgrade  # noqa: E402
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork  # noqa: E402
from tailtribe.domain.model.availability import Availability, WeeklyWindow  # noqa: E402
from tailtribe.domain.model.bookings import Booking  # noqa: E402
from tailtribe.domain.model.caregivers import Caregiver, CaregiverStatus, ProfileDetails  # noqa: E402
from tailtribe.domain.model.money import CommissionRate  # noqa: E402
from tailtribe.domain.model.pets import Pet, PetDetails, Species  # noqa: E402
from tailtribe.domain.model.pricing import Service, ServicePrice, quote  # noqa: E402
from tailtribe.domain.model.reviews import Review  # noqa: E402
from tailtribe.domain.model.users import Locale, Role, User  # noqa: E402

SERVER = "postgresql://postgres@127.0.0.1:5432"
DB = "tailtribe_bench"
LARGE_DB = "tailtribe_bench_large"
BRUSSELS = ZoneInfo("Europe/Brussels")
CENTRE = (50.8467, 4.3525)
PASSWORD = "bench password 1"
REVIEWED = 100  # caregivers with reviews
BOOKING_HOURS = 24 * 25  # booking creation spreads over this many hourly slots


def database_url(database: str) -> str:
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Where a caregiver lives: (latitude, longitude, postcode, city) drawn from the loader's rng.
Place = Callable[[random.Random], tuple[float, float, str, str]]
# How far a caregiver travels, in km.
Radius = Callable[[random.Random], int]


def around_brussels(rng: random.Random) -> tuple[float, float, str, str]:
    return (
        CENTRE[0] + rng.uniform(-0.25, 0.25),
        CENTRE[1] + rng.uniform(-0.35, 0.35),
        "1000",
        "Brussel",
    )


def realistic_radius(rng: random.Random) -> int:
    return rng.randint(3, 15)


@dataclass
class Seed:
    caregivers: list[str]
    owner_email: str
    pet: str
    reviewed: list[str] = field(default_factory=list)


def _booking(
    c: Caregiver, owner: UUID, pet: UUID, start: datetime, now: datetime, rate: CommissionRate
) -> Booking:
    end = start + timedelta(minutes=30)
    price = c.price_for(Service.DOG_WALKING)
    assert price is not None
    return Booking.request(
        id=uuid4(),
        owner_id=owner,
        caregiver_id=c.id,
        service=Service.DOG_WALKING,
        pet_ids=(pet,),
        start=start,
        end=end,
        price=quote(price, 1, start, end, rate),
        rate=rate,
        policy=c.profile.cancellation_policy,
        now=now,
    )


def _completed(
    c: Caregiver, owner: UUID, pet: UUID, start: datetime, rate: CommissionRate
) -> Booking:
    """A walk done and paid, through the states the app takes it through."""
    asked = start - timedelta(days=2)
    b = _booking(c, owner, pet, start, asked, rate)
    b.authorize(asked, b.price.total_cents)
    b.accept(asked + timedelta(hours=1))
    b.start_service(start)
    b.complete(b.end)
    return b


async def prepare(
    caregivers: int,
    *,
    database: str = DB,
    place: Place = around_brussels,
    radius: Radius = realistic_radius,
    history: bool = False,
) -> Seed:
    """A fresh database with `caregivers` approved caregivers and one owner with a dog;
    with `history`, bookings for the owner and reviews for the first caregivers."""
    url = database_url(database)
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
    made: list[Caregiver] = []
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
                    service_radius_km=radius(rng),
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
            made.append(c)
        reviewed: list[str] = []
        if history:
            reviewed = await _add_history(uow, rng, made, owner.id, pet.id, now)
        await uow.commit()
    await config.get_engine().dispose()
    # Fresh statistics, as autovacuum keeps them in production: without them
    # the planner ignores the location index on a just-loaded table. VACUUM
    # too, so that autovacuum does not wake up on the new rows and take a
    # core from the first scenarios.
    bench = await asyncpg.connect(f"{SERVER}/{database}")
    await bench.execute("VACUUM (ANALYZE)")
    await bench.close()
    return Seed([str(c.id) for c in made], owner.email, str(pet.id), reviewed)


async def _add_history(
    uow: SqlUnitOfWork,
    rng: random.Random,
    caregivers: list[Caregiver],
    owner: UUID,
    pet: UUID,
    now: datetime,
) -> list[str]:
    """Completed, reviewed walks for the first caregivers (from 20 other owners) and
    20 bookings of the bench owner. The walks ended within the last two days, so
    their payouts are not due while the bench runs (the dispute window is open)."""
    rate = CommissionRate.parse("20")
    hour = now.replace(minute=0, second=0, microsecond=0)
    reviewers: list[tuple[UUID, UUID]] = []
    for i in range(20):
        user = User.register(
            id=uuid4(),
            email=f"reviewer{i}@example.be",
            full_name=f"Reviewer {i}",
            password_hash=None,
            locale=Locale.NL,
            now=now - timedelta(days=30),
        )
        dog = Pet(uuid4(), user.id, PetDetails(f"Dog {i}", Species.DOG), now - timedelta(days=30))
        await uow.users.add(user)
        await uow.pets.add(dog)
        reviewers.append((user.id, dog.id))

    async def review(b: Booking, author: UUID) -> None:
        await uow.bookings.add(b)
        await uow.reviews.add(
            Review.write(
                id=uuid4(),
                booking_id=b.id,
                caregiver_id=b.caregiver_id,
                owner_id=author,
                rating=rng.randint(3, 5),
                comment="Fijne wandeling, stipt en vriendelijk. " * rng.randint(1, 4),
                now=b.end + timedelta(hours=1),
            )
        )

    reviewed = caregivers[:REVIEWED]
    for c in reviewed:
        for j in range(rng.randint(1, 8)):
            author, their_dog = reviewers[j % len(reviewers)]
            await review(
                _completed(c, author, their_dog, hour - timedelta(hours=40 - j), rate), author
            )
    # The bench owner: 10 walks done and reviewed, 10 asked and paid, weeks ahead.
    for k, c in enumerate(caregivers[REVIEWED : REVIEWED + 10]):
        await review(_completed(c, owner, pet, hour - timedelta(hours=30 - k), rate), owner)
    for k, c in enumerate(caregivers[REVIEWED + 10 : REVIEWED + 20]):
        b = _booking(c, owner, pet, hour + timedelta(days=40, hours=k), now, rate)
        b.authorize(now, b.price.total_cents)
        await uow.bookings.add(b)
    return [str(c.id) for c in reviewed]


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


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


async def wait_up(url: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            try:
                if (await client.get(url)).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def app_env(database: str, data_dir: str, redis_url: str | None = None) -> dict[str, str]:
    """Development mode on PostgreSQL, by default without Redis as the bench has always
    run it: the worker process then also runs the scheduled jobs and sends the outbox
    (booking creation pays for its emails). With `redis_url`, as in production: limits
    and cache in Redis, jobs left to a worker (none runs)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("TAILTRIBE_ENV", "REDIS_URL", "STRIPE_SECRET_KEY", "RESEND_API_KEY")
    }
    env.update(
        {
            "TAILTRIBE_ENV": "development",
            "DATABASE_URL": database_url(database),
            "TAILTRIBE_SECRET_KEY": secrets.token_urlsafe(48),
            "STRIPE_WEBHOOK_SECRET": "whsec_bench",
            "TAILTRIBE_DATA_DIR": data_dir,
            # Many users, not one: each request comes from its own address, as
            # behind a proxy, so the per-client limiter does what it does in production.
            "CLIENT_IP_HEADER": "X-Forwarded-For",
            "RATE_LIMIT_PER_MINUTE": "600",
            "AUTH_RATE_LIMIT_PER_MINUTE": "1000000",
            "BENCH_DSN": f"{SERVER}/{database}",
            "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
        }
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


# -- CPU of the server's worker ---------------------------------------------


def children(pid: int) -> list[int]:
    """Every descendant of `pid` (granian runs its worker in a child process)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        parents.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes, with their waited-for children's."""
    ticks = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def worker_pids(server: subprocess.Popen[bytes]) -> list[int]:
    return children(server.pid) or [server.pid]


# -- wrk and its scripts ------------------------------------------------------

COMMON_LUA = r"""
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
tid = 0
issued = 0
non2xx = 0
function init(args)
  math.randomseed(__SEED__ + 7919 * tid)
end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function visitor()
  return string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255),
                       math.random(1, 254))
end
function iso(t)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", t)
end
function pick(list)
  return list[math.random(#list)]
end
function done(summary, latency, requests)
  local bad, made = 0, 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("non2xx")
    made = made + t:get("issued")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "non2xx": %d, "issued": %d, "connect": %d,' ..
    ' "read": %d, "write": %d, "timeout": %d, "p50_us": %.0f, "p99_us": %.0f}\n',
    summary.requests, summary.duration, bad, made, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def lua_list(values: list[str]) -> str:
    return "{" + ",".join(json.dumps(v) for v in values) + "}"


def get_script(path_lua: str, auth: bool = False) -> str:
    """A GET whose path is the Lua expression `path_lua`."""
    headers = '["X-Forwarded-For"] = visitor()'
    if auth:
        headers += ', ["Authorization"] = TOKEN'
    return f"""
function request()
  issued = issued + 1
  return wrk.format("GET", {path_lua}, {{{headers}}})
end
"""


BOOKING_BODY = """string.format(
    '{"caregiver_id": "%s", "service": "dog_walking", "pet_ids": ["%s"],' ..
    ' "start": "%s", "end": "%s"}', caregiver, PET, iso(start), iso(start + 1800))"""


@dataclass
class Scenario:
    name: str
    group: str
    aim: float | None
    script: str
    path: str = ""  # the URL path wrk is pointed at (its scripts choose their own)
    offset: bool = False  # a booking counter that must continue from run to run

    @property
    def key(self) -> str:
        """A short name for the command line and file names."""
        return self.group + ("-cached" if "cached" in self.name else "")


def scenarios(seed: Seed, token: str, first_hour: int) -> list[Scenario]:
    rng = random.Random(4)
    # Searches without a period come from a few popular places (say, postcodes'
    # centres): the cache serves those again and again, as it does in production.
    popular = [
        (CENTRE[0] + rng.uniform(-0.1, 0.1), CENTRE[1] + rng.uniform(-0.1, 0.1)) for _ in range(20)
    ]
    # Searches with a period look at a 1 h walk on one of 60 days from 7 June 2027, 10:00.
    search_day = int(datetime(2027, 6, 7, 10, 0, tzinfo=BRUSSELS).timestamp())
    data = f"""
IDS = {lua_list(seed.caregivers)}
REVIEWED = {lua_list(seed.reviewed or seed.caregivers[:1])}
TOKEN = "Bearer {token}"
PET = "{seed.pet}"
FIRST = {first_hour}
SEARCH_DAY = {search_day}
CLAT, CLON = {CENTRE[0]}, {CENTRE[1]}
POPULAR = {{{",".join(f"{{{lat:.5f},{lon:.5f}}}" for lat, lon in popular)}}}
"""
    search_period = """
function request()
  local start = SEARCH_DAY + 86400 * math.random(0, 59)
  issued = issued + 1
  return wrk.format("GET", string.format(
    "/api/v1/caregivers?service=dog_walking&latitude=%.5f&longitude=%.5f&radius_km=5" ..
    "&start=%s&end=%s", CLAT + (math.random() * 0.2 - 0.1), CLON + (math.random() * 0.2 - 0.1),
    iso(start), iso(start + 3600)), {["X-Forwarded-For"] = visitor()})
end
"""
    search_cached = get_script(
        'string.format("/api/v1/caregivers?service=dog_walking&latitude=%.5f&longitude=%.5f'
        '&radius_km=5", unpack(pick(POPULAR)))'
    )
    # Any of the booking slots, taken or not: a quote does not look at the calendar.
    quote_lua = """
function request()
  local caregiver, start = pick(IDS), FIRST + 3600 * math.random(0, BOOKING_HOURS - 1)
  issued = issued + 1
  return wrk.format("POST", "/api/v1/quotes", {["X-Forwarded-For"] = visitor(),
    ["Authorization"] = TOKEN, ["Content-Type"] = "application/json"}, BODY)
end
""".replace("BODY", BOOKING_BODY)
    # Request n: caregiver n mod N, hour n div N; n = OFFSET + tid + threads * k.
    booking_lua = """
function request()
  local n = OFFSET + tid + NTHREADS * issued
  local caregiver = IDS[n % #IDS + 1]
  local start = FIRST + 3600 * (math.floor(n / #IDS) % BOOKING_HOURS)
  issued = issued + 1
  return wrk.format("POST", "/api/v1/bookings", {["X-Forwarded-For"] = visitor(),
    ["Authorization"] = TOKEN, ["Content-Type"] = "application/json"}, BODY)
end
""".replace("BODY", BOOKING_BODY)
    data += f"BOOKING_HOURS = {BOOKING_HOURS}\n"
    return [
        Scenario(
            "health",
            "health",
            0.7,
            data + get_script('"/api/health"'),
        ),
        Scenario(
            "caregiver profile",
            "profile",
            0.5,
            data + get_script('"/api/v1/caregivers/" .. pick(IDS)'),
        ),
        Scenario(
            "caregiver reviews",
            "reviews",
            0.5,
            data + get_script('"/api/v1/caregivers/" .. pick(REVIEWED) .. "/reviews"'),
        ),
        Scenario("me", "me", 0.5, data + get_script('"/api/v1/me"', auth=True)),
        Scenario(
            "owner's bookings",
            "bookings",
            0.5,
            data + get_script('"/api/v1/bookings"', auth=True),
        ),
        Scenario("search, period", "search", 0.5, data + search_period),
        Scenario("search, no period (cached)", "search", 0.8, data + search_cached),
        Scenario("quote", "quote", 0.4, data + quote_lua),
        Scenario("booking creation", "booking", 0.25, data + booking_lua, offset=True),
    ]


GROUPS = {
    "reads": {"profile", "reviews", "me", "bookings"},
    "writes": {"quote", "booking"},
}


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    cpu_s: float
    errors: int
    detail: str
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu_s / self.requests if self.requests else math.nan


class Driver:
    def __init__(self, args: argparse.Namespace, scripts: Path) -> None:
        self.args = args
        self.scripts = scripts
        self.offset = 0  # booking requests issued so far: the next run starts after them
        self.seed = 0

    def wrk(self, script: str, url: str, seconds: int) -> dict[str, float]:
        self.seed += 1
        path = self.scripts / f"run{self.seed}.lua"
        text = COMMON_LUA.replace("__SEED__", str(self.seed))
        text += f"OFFSET = {self.offset}\nNTHREADS = {self.args.threads}\n" + script
        path.write_text(text)
        command = ["wrk", f"-t{self.args.threads}", f"-c{self.args.connections}"]
        command += [f"-d{seconds}s", "--timeout", "10s", "-s", str(path), url]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        for line in done.stdout.splitlines():
            if line.startswith("BENCH "):
                figures: dict[str, float] = json.loads(line[len("BENCH ") :])
                self.offset += int(figures["issued"])
                return figures
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")

    def measure(self, name: str, script: str, url: str, server: subprocess.Popen[bytes]) -> Result:
        self.wrk(script, url, min(2, self.args.seconds))  # warm up
        pids = worker_pids(server)
        before = cpu_seconds(pids)
        f = self.wrk(script, url, self.args.seconds)
        used = cpu_seconds(pids) - before
        socket_errors = int(f["connect"] + f["read"] + f["write"] + f["timeout"])
        detail = f"{int(f['non2xx'])} non-2xx"
        if socket_errors:
            detail += f", {socket_errors} socket errors/timeouts"
        result = Result(
            name,
            int(f["requests"]),
            f["duration_us"] / 1e6,
            used,
            int(f["non2xx"]) + socket_errors,
            detail,
            f["p50_us"] / 1000,
            f["p99_us"] / 1000,
        )
        mark = "  <-- ERRORS" if result.errors else ""
        print(
            f"  {name:28} {result.rate:8.1f} req/s  {result.cpu_ms:6.2f} CPU ms/req"
            f"  p50 {result.p50_ms:6.1f} ms  p99 {result.p99_ms:6.1f} ms"
            f"  ({result.requests} requests, {detail}){mark}",
            flush=True,
        )
        return result


def login(base: str, email: str) -> str:
    response = httpx.post(
        f"{base}/api/v1/auth/login",
        json={"email": email, "password": PASSWORD},
        headers={"X-Forwarded-For": "192.0.2.1"},
        timeout=30,
    )
    if response.status_code != 200:
        raise SystemExit(f"login failed: {response.status_code} {response.text}")
    return str(response.json()["access_token"])


def first_booking_hour() -> int:
    """Midnight in Brussels, the day after tomorrow: the first hour booking creation asks."""
    day = datetime.now(BRUSSELS).replace(hour=0, minute=0, second=0, microsecond=0)
    return int((day + timedelta(days=2)).timestamp())


def start_app(
    database: str, data_dir: str, redis_url: str | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = app_env(database, data_dir, redis_url)
    server = serve("tailtribe.entrypoints.http.app:create_app", port, env)
    base = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(wait_up(f"{base}/api/health"))
    except SystemExit:
        stop(server)
        raise
    return server, base


def selected(only: list[str] | None, group: str) -> bool:
    if not only:
        return True
    return any(group == o or group in GROUPS.get(o, ()) for o in only)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=8, help="per scenario (after a warm-up)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--caregivers", type=int, default=1000)
    groups = ["health", "profile", "reviews", "me", "bookings", "search", "quote", "booking"]
    parser.add_argument(
        "--only", nargs="+", choices=[*groups, *GROUPS], metavar="GROUP", help=", ".join(groups)
    )
    parser.add_argument(
        "--large", action="store_true", help="also search with a period over 10,000 caregivers"
    )
    parser.add_argument(
        "--redis",
        metavar="URL",
        help="run the app on this Redis, as in production (default: without, as always)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")

    began = time.perf_counter()
    print(f"loading {args.caregivers} caregivers into {DB} ...", flush=True)
    seed = asyncio.run(prepare(args.caregivers, history=True))
    print(f"  loaded in {time.perf_counter() - began:.0f} s", flush=True)
    large: Seed | None = None
    if args.large:
        began = time.perf_counter()
        print(f"loading 10000 caregivers into {LARGE_DB} ...", flush=True)
        large = asyncio.run(prepare(10_000, database=LARGE_DB))
        print(f"  loaded in {time.perf_counter() - began:.0f} s", flush=True)

    with tempfile.TemporaryDirectory(prefix="tailtribe-bench-") as tmp:
        scripts = Path(tmp) / "lua"
        scripts.mkdir()
        driver = Driver(args, scripts)
        base_port = free_port()
        baseline = serve("bench.baseline_app:create_app", base_port, app_env(DB, tmp))
        app, app_base = start_app(DB, str(Path(tmp) / "app"), args.redis)
        servers = [baseline, app]
        try:
            asyncio.run(wait_up(f"http://127.0.0.1:{base_port}/select1"))
            token = login(app_base, seed.owner_email)
            plan = [
                s
                for s in scenarios(seed, token, first_booking_hour())
                if selected(args.only, s.group)
            ]
            base_url = f"http://127.0.0.1:{base_port}/select1"
            base_script = get_script('"/select1"')
            print(
                f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s per scenario"
                f" (after a warm-up of {min(2, args.seconds)} s)",
                flush=True,
            )
            results = [driver.measure("baseline SELECT 1, before", base_script, base_url, baseline)]
            aims: dict[str, float | None] = {}
            for s in plan:
                results.append(driver.measure(s.name, s.script, app_base + "/", app))
                aims[s.name] = s.aim
            large_result = None
            if large is not None and selected(args.only, "search"):
                stop(app)
                servers.remove(app)
                app, large_base = start_app(LARGE_DB, str(Path(tmp) / "large"), args.redis)
                servers.append(app)
                large_token = login(large_base, large.owner_email)
                period = next(
                    s for s in scenarios(large, large_token, 0) if s.name == "search, period"
                )
                large_result = driver.measure(
                    "search, period, 10k", period.script, large_base + "/", app
                )
            results.append(
                driver.measure("baseline SELECT 1, after", base_script, base_url, baseline)
            )
        finally:
            for server in servers:
                stop(server)
    table(results, aims, large_result)


def table(results: list[Result], aims: dict[str, float | None], large: Result | None) -> None:
    before, after = results[0], results[-1]
    base_rate = (before.rate + after.rate) / 2
    base_cpu = (before.cpu_ms + after.cpu_ms) / 2
    print()
    print(
        f"baseline (bare Litestar + asyncpg SELECT 1): {before.rate:.0f} req/s before,"
        f" {after.rate:.0f} after; ratios are to their mean, {base_rate:.0f} req/s"
        f" ({base_cpu:.2f} CPU ms/req)"
    )
    print(
        f"{'scenario':30} {'req/s':>8} {'ratio':>6} {'aim':>6} {'met?':>5}"
        f" {'CPU ms/req':>10} {'CPU ratio':>9} {'errors':>7}"
    )
    rows = [*results[1:-1], *([large] if large else [])]
    search_ratio = None
    for r in [before, *rows, after]:
        ratio = r.rate / base_rate
        cpu_ratio = base_cpu / r.cpu_ms if r.cpu_ms else math.nan
        aim = aims.get(r.name)
        met = "" if aim is None else ("yes" if ratio >= aim else "no")
        aim_text = "" if aim is None else f"{aim:.2f}"
        if r is large and search_ratio is not None:
            fall = 1 - ratio / search_ratio
            aim_text, met = "fall", "yes" if fall <= 0.2 else "no"
        if r.name == "search, period":
            search_ratio = ratio
        if r.errors:
            met = (met + " ERR").strip()
        print(
            f"{r.name:30} {r.rate:8.1f} {ratio:6.2f} {aim_text:>6} {met:>5}"
            f" {r.cpu_ms:10.2f} {cpu_ratio:9.2f} {r.errors:7d}"
        )
    if large is not None and search_ratio is not None:
        fall = 1 - (large.rate / base_rate) / search_ratio
        more_cpu = large.cpu_ms / next(r for r in rows if r.name == "search, period").cpu_ms - 1
        print(
            f"search with a period, 1,000 -> 10,000 caregivers: the ratio falls by {fall:.0%}"
            f" (aim: at most 20%); CPU per request {more_cpu:+.0%}"
        )
    errors = [r for r in [before, *rows, after] if r.errors]
    if errors:
        print("ERRORS: " + "; ".join(f"{r.name}: {r.detail}" for r in errors))
    else:
        print("errors: none (every answer 2xx)")


if __name__ == "__main__":
    main()
