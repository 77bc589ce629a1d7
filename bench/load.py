"""Load test: many owners at once searching, reading profiles, asking quotes, booking.

    uv run python bench/load.py [--users 100] [--duration 60] [--ramp 10] [--think 1 3]
                                [--workers 2] [--owners N] [--json FILE] [--base-url URL]
    uv run python bench/load.py --find-max [--steps 250 500 1000 1500 2000 ...]

Loads a fresh database `tailtribe_load` on the local PostgreSQL with 1,000
approved caregivers spread over Belgium's towns (bench_api's loader, each
travelling 25 km) and a pool of owners with a dog each (straight through the
repositories), serves the app with `tailtribe serve` (granian, 2 workers) on
it and on the local Redis, logs every owner in once, then runs the virtual
users: one asyncio task each, started evenly over the ramp. Each user, in a
loop, with a random think time between steps: searches dog walkers for a
slot near a random Belgian place, reads one or two of the profiles found,
asks a quote from one of them and, in `--book-share` of the loops, books it
(409, the slot taken meanwhile, is an expected outcome, counted apart).
Users share the owners round-robin: a login costs an argon2id verification,
about 0.1 s of CPU, so 1,000 of them would be a benchmark of their own. Each
user has its own client address (X-Forwarded-For, the app reading it as
behind a proxy), and the limits are raised so that they never refuse this
load; the output says which.

The server runs in development mode by default: on PostgreSQL and Redis
(rate limits, cache and job queue in Redis, the system clock) it behaves as
in production, but does not insist on Stripe and Resend keys, which
production does (and a load test must not move money or send mail). Test
mode (`--env test`) works too; it refuses Resend's own API key, so none is set.

Prints, per endpoint and overall, requests, throughput, p50/p95/p99 latency
and errors by kind (non-2xx other than a booking's 409, exceptions,
timeouts), with the CPU the server, the client and PostgreSQL used meanwhile,
the database connections in use, and the resident memory (RSS) of each
granian worker after the run. `--find-max` runs the users in steps on one
server and prints the largest count whose p99 after the ramp stays under
250 ms without errors. `--base-url` runs against a server already running
(on the database this script loaded, or one loaded before with --skip-load).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import aiohttp
import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_api import (
    BRUSSELS,
    ROOT,
    SERVER,
    free_port,
    prepare,
    wait_up,
)

from tailtribe.adapters.security.passwords import Argon2PasswordHasher
from tailtribe.adapters.sqlalchemy.database import make_db_config
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.domain.model.pets import Pet, PetDetails, Species
from tailtribe.domain.model.users import Locale, User

DATABASE = "tailtribe_load"
PASSWORD = "load test password"
# Towns as (name, postcode, latitude, longitude, weight): caregivers live and
# owners search around them in proportion to the weight, roughly population.
TOWNS = [
    ("Brussel", "1000", 50.8467, 4.3525, 12),
    ("Antwerpen", "2000", 51.2194, 4.4025, 10),
    ("Gent", "9000", 51.0543, 3.7174, 7),
    ("Charleroi", "6000", 50.4108, 4.4446, 5),
    ("Liège", "4000", 50.6326, 5.5797, 5),
    ("Brugge", "8000", 51.2093, 3.2247, 3),
    ("Namur", "5000", 50.4674, 4.8720, 3),
    ("Leuven", "3000", 50.8798, 4.7005, 3),
    ("Mons", "7000", 50.4542, 3.9567, 2),
    ("Mechelen", "2800", 51.0259, 4.4776, 2),
    ("Aalst", "9300", 50.9378, 4.0403, 2),
    ("Hasselt", "3500", 50.9307, 5.3378, 2),
    ("Kortrijk", "8500", 50.8279, 3.2649, 2),
    ("Oostende", "8400", 51.2154, 2.9286, 2),
    ("Genk", "3600", 50.9650, 5.5008, 1),
    ("Sint-Niklaas", "9100", 51.1650, 4.1437, 1),
    ("Turnhout", "2300", 51.3227, 4.9447, 1),
    ("Roeselare", "8800", 50.9465, 3.1227, 1),
    ("Verviers", "4800", 50.5891, 5.8627, 1),
    ("Wavre", "1300", 50.7167, 4.6000, 1),
    ("Arlon", "6700", 49.6833, 5.8167, 1),
    ("Dinant", "5500", 50.2606, 4.9122, 0.5),
    ("Bastogne", "6600", 50.0000, 5.7167, 0.5),
]
WEIGHTS = [t[4] for t in TOWNS]
ENDPOINTS = ("search", "profile", "quote", "booking")


def somewhere(rng: random.Random) -> tuple[float, float, str, str]:
    """A point around a Belgian town, about 8 km either way."""
    name, postcode, lat, lon, _ = rng.choices(TOWNS, WEIGHTS)[0]
    return lat + rng.gauss(0, 0.07), lon + rng.gauss(0, 0.11), postcode, name


def owner_email(i: int) -> str:
    return f"load-owner-{i}@example.be"


def address(i: int) -> str:
    return f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"


def database_url(database: str) -> str:
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}"


async def add_owners(database: str, count: int) -> None:
    """`count` owners with a dog each; one password hash shared, as cheap to load as to verify."""
    config = make_db_config(database_url(database))
    password_hash = await Argon2PasswordHasher().hash(PASSWORD)
    now = datetime.now(UTC)
    async with SqlUnitOfWork(config.create_session_maker()) as uow:
        for i in range(count):
            owner = User.register(
                id=uuid4(),
                email=owner_email(i),
                full_name=f"Owner {i}",
                password_hash=password_hash,
                locale=Locale.NL,
                now=now,
            )
            await uow.users.add(owner)
            await uow.pets.add(Pet(uuid4(), owner.id, PetDetails(f"Dog {i}", Species.DOG), now))
        await uow.commit()
    await config.get_engine().dispose()
    db = await asyncpg.connect(f"{SERVER}/{database}")
    # As bench_api.py: statistics, and no autovacuum run during the test.
    await db.execute("VACUUM (ANALYZE)")
    await db.close()


def raise_open_files() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def server_env(args: argparse.Namespace, data_dir: str) -> dict[str, str]:
    # No Stripe or Resend key: no money moves and no mail leaves (test mode
    # refuses Resend's own API outright).
    unset = ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "RESEND_API_KEY", "SENTRY_DSN")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(
        {
            "TAILTRIBE_ENV": args.env,
            "DATABASE_URL": database_url(args.database),
            "REDIS_URL": args.redis_url,
            "TAILTRIBE_SECRET_KEY": secrets.token_urlsafe(48),
            "STRIPE_WEBHOOK_SECRET": "whsec_load",
            "TAILTRIBE_DATA_DIR": data_dir,
            "CLIENT_IP_HEADER": "X-Forwarded-For",
            "RATE_LIMIT_PER_MINUTE": str(args.rate_limit),
            "AUTH_RATE_LIMIT_PER_MINUTE": str(args.rate_limit),
            "PYTHONPATH": str(ROOT / "src"),
        }
    )
    return env


def start_server(port: int, workers: int, env: dict[str, str], log: Any) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "tailtribe.entrypoints.cli", "serve"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


# -- measurements ----------------------------------------------------------


def percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return math.nan
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))]


@dataclass
class Endpoint:
    latencies: list[float] = field(default_factory=list)  # ms, every attempt
    finished: list[float] = field(default_factory=list)  # seconds since the start
    errors: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)


@dataclass
class Run:
    base: str
    session: aiohttp.ClientSession
    deadline: float
    started: float
    think: tuple[float, float]
    book_share: float
    radius_km: float
    endpoints: dict[str, Endpoint] = field(
        default_factory=lambda: {name: Endpoint() for name in ENDPOINTS}
    )
    iterations: int = 0

    async def call(
        self, name: str, method: str, path: str, headers: dict[str, str], **kwargs: Any
    ) -> Any:
        """The decoded body of a 2xx answer, else None; the attempt is recorded either way."""
        stats = self.endpoints[name]
        began = time.perf_counter()
        kind = None
        body: Any = None
        try:
            async with self.session.request(
                method, self.base + path, headers=headers, **kwargs
            ) as response:
                raw = await response.read()
                status = response.status
            if 200 <= status < 300:
                body = json.loads(raw) if raw else {}
                stats.outcomes[str(status)] += 1
            elif name == "booking" and status == 409:
                stats.outcomes["409 slot taken"] += 1
            else:
                kind = f"HTTP {status}"
        except TimeoutError:
            kind = "timeout"
        except aiohttp.ClientError as exc:
            kind = type(exc).__name__
        except OSError as exc:
            kind = f"{type(exc).__name__} errno {exc.errno}"
        ended = time.perf_counter()
        stats.latencies.append((ended - began) * 1000)
        stats.finished.append(ended - self.started)
        if kind:
            stats.errors[kind] += 1
        return body

    async def pause(self, rng: random.Random) -> bool:
        """Think, and say whether there is time left for another step."""
        left = self.deadline - time.perf_counter()
        await asyncio.sleep(max(0.0, min(rng.uniform(*self.think), left)))
        return time.perf_counter() < self.deadline

    async def user(self, i: int, start_in: float, token: str, pet: str, seed: int) -> None:
        rng = random.Random(seed * 1_000_003 + i)
        headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": address(i)}
        await asyncio.sleep(start_in)
        day = datetime.now(BRUSSELS).replace(hour=0, minute=0, second=0, microsecond=0)
        while time.perf_counter() < self.deadline:
            self.iterations += 1
            lat, lon, _, _ = somewhere(rng)
            start = day + timedelta(days=rng.randint(2, 30), minutes=30 * rng.randrange(16, 40))
            end = start + timedelta(minutes=rng.choice((30, 60)))
            slot = {"start": start.isoformat(), "end": end.isoformat()}
            params = {
                "service": "dog_walking",
                "latitude": f"{lat:.5f}",
                "longitude": f"{lon:.5f}",
                "radius_km": str(self.radius_km),
                **slot,
            }
            page = await self.call("search", "GET", "/api/v1/caregivers", headers, params=params)
            items = page["items"] if page else []
            if not items:
                await self.pause(rng)
                continue
            chosen = rng.sample(items, min(len(items), rng.choice((1, 2))))
            for item in chosen:
                if not await self.pause(rng):
                    return
                await self.call("profile", "GET", f"/api/v1/caregivers/{item['id']}", headers)
            request = {
                "caregiver_id": chosen[-1]["id"],
                "service": "dog_walking",
                "pet_ids": [pet],
                **slot,
            }
            if not await self.pause(rng):
                return
            await self.call("quote", "POST", "/api/v1/quotes", headers, json=request)
            if rng.random() < self.book_share:
                if not await self.pause(rng):
                    return
                await self.call("booking", "POST", "/api/v1/bookings", headers, json=request)
            await self.pause(rng)


def cpu_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime


def processes() -> list[tuple[int, int, str]]:
    """(pid, parent pid, command line) of every process."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        found.append((int(entry), parent, cmdline))
    return found


def machine_ticks() -> tuple[int, int]:
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values), sum(values) - idle


class Sampler:
    """Each second: CPU of the server, the client and the database's backends, its connections."""

    def __init__(self, server_pid: int | None, database: str) -> None:
        self.server_pid = server_pid
        self.database = database
        self.tick = os.sysconf("SC_CLK_TCK")
        self.series: dict[str, list[float]] = {
            "server CPU %": [],
            "client CPU %": [],
            "postgres CPU %": [],
            "machine busy %": [],
            "db connections": [],
            "db active": [],
            "db lock waits": [],
        }

    def groups(self) -> dict[str, set[int]]:
        table = processes()
        server: set[int] = set()
        if self.server_pid is not None:
            server.add(self.server_pid)
            grew = True
            while grew:
                more = {pid for pid, parent, _ in table if parent in server} - server
                server |= more
                grew = bool(more)
        postgres = {
            pid
            for pid, _, cmd in table
            if cmd.startswith("postgres: ") and f" {self.database} " in cmd
        }
        return {"server": server, "client": {os.getpid()}, "postgres": postgres}

    async def run(self, stop: asyncio.Event) -> None:
        try:
            db = await asyncpg.connect(f"{SERVER}/{self.database}")
        except (OSError, asyncpg.PostgresError):
            db = None
        before = {name: {p: cpu_ticks(p) for p in pids} for name, pids in self.groups().items()}
        total0, busy0 = machine_ticks()
        at = time.perf_counter()
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
            now = time.perf_counter()
            elapsed, at = now - at, now
            after = {name: {p: cpu_ticks(p) for p in pids} for name, pids in self.groups().items()}
            for name in ("server", "client", "postgres"):
                used = sum(t - before[name].get(p, 0) for p, t in after[name].items())
                self.series[f"{name} CPU %"].append(100 * used / self.tick / elapsed)
            before = after
            total1, busy1 = machine_ticks()
            if total1 > total0:
                self.series["machine busy %"].append(100 * (busy1 - busy0) / (total1 - total0))
            total0, busy0 = total1, busy1
            if db is not None:
                row = await db.fetchrow(
                    "SELECT count(*) AS total, count(*) FILTER (WHERE state <> 'idle') AS active,"
                    " count(*) FILTER (WHERE wait_event_type = 'Lock') AS waiting"
                    " FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                    self.database,
                )
                self.series["db connections"].append(row["total"])
                self.series["db active"].append(row["active"])
                self.series["db lock waits"].append(row["waiting"])
        if db is not None:
            await db.close()

    def summary(self) -> dict[str, dict[str, float]]:
        return {
            name: {"mean": sum(values) / len(values), "max": max(values)}
            for name, values in self.series.items()
            if values
        }


async def loop_lag(stop: asyncio.Event, lags: list[float]) -> None:
    """How late the client's event loop wakes up: above a few ms, the client is the limit."""
    while not stop.is_set():
        began = time.perf_counter()
        await asyncio.sleep(0.05)
        lags.append((time.perf_counter() - began - 0.05) * 1000)


# -- the run ---------------------------------------------------------------


async def log_in(
    session: aiohttp.ClientSession, base: str, owners: int, concurrency: int
) -> list[tuple[str, str]]:
    """Every owner's token and dog, before the measured phase."""
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> tuple[str, str]:
        headers = {"X-Forwarded-For": address(1_000_000 + i)}
        async with gate:
            async with session.post(
                f"{base}/api/v1/auth/login",
                json={"email": owner_email(i), "password": PASSWORD},
                headers=headers,
            ) as response:
                if response.status != 200:
                    raise SystemExit(f"login of {owner_email(i)}: {response.status}")
                token = (await response.json())["access_token"]
            headers["Authorization"] = f"Bearer {token}"
            async with session.get(f"{base}/api/v1/pets", headers=headers) as response:
                pets = (await response.json())["items"]
        return token, pets[0]["id"]

    return await asyncio.gather(*(one(i) for i in range(owners)))


def row(name: str, latencies: list[float], errors: int, seconds: float) -> dict[str, Any]:
    ordered = sorted(latencies)
    return {
        "endpoint": name,
        "requests": len(ordered),
        "req_per_s": len(ordered) / seconds,
        "p50_ms": percentile(ordered, 0.50),
        "p95_ms": percentile(ordered, 0.95),
        "p99_ms": percentile(ordered, 0.99),
        "max_ms": ordered[-1] if ordered else math.nan,
        "errors": errors,
    }


def report(run: Run, seconds: float, ramp: float, extra: dict[str, Any]) -> dict[str, Any]:
    rows = [
        row(name, e.latencies, sum(e.errors.values()), seconds) for name, e in run.endpoints.items()
    ]
    every = [ms for e in run.endpoints.values() for ms in e.latencies]
    errors: Counter[str] = Counter()
    for name, e in run.endpoints.items():
        errors.update({f"{name}: {kind}": n for kind, n in e.errors.items()})
    rows.append(row("overall", every, sum(errors.values()), seconds))
    steady = [
        ms
        for e in run.endpoints.values()
        for ms, t in zip(e.latencies, e.finished, strict=True)
        if t >= ramp
    ]
    after_ramp = row("after ramp", steady, 0, max(seconds - ramp, 1e-9)) if ramp else None
    booking = run.endpoints["booking"].outcomes
    return {
        **extra,
        "measured_seconds": seconds,
        "iterations": run.iterations,
        "endpoints": rows,
        "after_ramp": after_ramp,
        "bookings": {"created": booking["201"], "slot_taken_409": booking["409 slot taken"]},
        "errors_by_kind": dict(errors.most_common()),
    }


def show(result: dict[str, Any]) -> None:
    print()
    print(
        f"{'endpoint':10} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}"
        f" {'p99 ms':>8} {'max ms':>8} {'errors':>7}"
    )
    for r in result["endpoints"]:
        print(
            f"{r['endpoint']:10} {r['requests']:9d} {r['req_per_s']:8.1f} {r['p50_ms']:8.1f}"
            f" {r['p95_ms']:8.1f} {r['p99_ms']:8.1f} {r['max_ms']:8.1f} {r['errors']:7d}"
        )
    if (steady := result["after_ramp"]) is not None:
        print(
            f"after the ramp: {steady['requests']} requests, {steady['req_per_s']:.1f} req/s,"
            f" p50 {steady['p50_ms']:.1f} / p95 {steady['p95_ms']:.1f}"
            f" / p99 {steady['p99_ms']:.1f} ms"
        )
    b = result["bookings"]
    print(
        f"iterations: {result['iterations']}; bookings: {b['created']} created,"
        f" {b['slot_taken_409']} slot taken (409, expected, not errors)"
    )
    if result["errors_by_kind"]:
        kinds = ", ".join(f"{k} x{n}" for k, n in result["errors_by_kind"].items())
        print(f"errors by kind: {kinds}")
    else:
        print("errors by kind: none")
    lag = result["client_loop_lag_ms"]
    print(f"client event-loop lag: p99 {lag['p99']:.1f} ms, max {lag['max']:.1f} ms")
    if result["resources"]:
        parts = [
            f"{name} {v['mean']:.0f} (max {v['max']:.0f})"
            for name, v in result["resources"].items()
        ]
        print("during the run, mean per second: " + "; ".join(parts))
    print(f"load average at the end: {result['load_average_end']}")


def worker_memory(server_pid: int) -> list[tuple[int, int]]:
    """(pid, RSS in kB) of each granian worker: the server's child processes."""
    workers = []
    for pid, parent, _ in processes():
        if parent != server_pid:
            continue
        try:
            with open(f"/proc/{pid}/status") as f:
                rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            continue
        workers.append((pid, rss))
    return workers


def show_memory(server_pid: int) -> dict[str, Any]:
    workers = worker_memory(server_pid)
    parts = ", ".join(f"pid {pid} {rss / 1024:.0f} MiB" for pid, rss in workers)
    total = sum(rss for _, rss in workers)
    print(f"API RSS after the run: {total / 1024:.0f} MiB over {len(workers)} workers ({parts})")
    return {"workers": [{"pid": p, "rss_kib": r} for p, r in workers], "total_kib": total}


async def run_users(
    args: argparse.Namespace,
    users: int,
    base: str,
    session: aiohttp.ClientSession,
    accounts: list[tuple[str, str]],
    server: subprocess.Popen[bytes] | None,
    served: str,
    load_start: str,
) -> dict[str, Any]:
    """One measured phase: `users` virtual users for --duration seconds."""
    owners = len(accounts)
    started = time.perf_counter()
    run = Run(
        base=base,
        session=session,
        deadline=started + args.duration,
        started=started,
        think=(args.think[0], args.think[1]),
        book_share=args.book_share,
        radius_km=args.radius,
    )
    stop = asyncio.Event()
    lags: list[float] = []
    sampler = Sampler(server.pid if server else None, args.database)
    watchers = [
        asyncio.create_task(loop_lag(stop, lags)),
        asyncio.create_task(sampler.run(stop)),
    ]
    tasks = []
    for i in range(users):
        token, pet = accounts[i % owners]
        start_in = args.ramp * i / users
        tasks.append(run.user(i, start_in, token, pet, args.seed))
    await asyncio.gather(*tasks)
    seconds = time.perf_counter() - started
    stop.set()
    await asyncio.gather(*watchers)
    ordered_lags = sorted(lags)
    return report(
        run,
        seconds,
        args.ramp,
        {
            "users": users,
            "duration_s": args.duration,
            "ramp_s": args.ramp,
            "think_s": list(args.think),
            "owners": owners,
            "server": served,
            "load_average_start": load_start,
            "load_average_end": " ".join(f"{v:.2f}" for v in os.getloadavg()),
            "client_loop_lag_ms": {
                "p99": percentile(ordered_lags, 0.99),
                "max": ordered_lags[-1] if ordered_lags else math.nan,
            },
            "resources": sampler.summary(),
        },
    )


P99_AIM_MS = 250


def within_aim(result: dict[str, Any]) -> bool:
    steady = result["after_ramp"] or next(
        r for r in result["endpoints"] if r["endpoint"] == "overall"
    )
    return not result["errors_by_kind"] and steady["p99_ms"] < P99_AIM_MS


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=100, help="concurrent virtual users")
    parser.add_argument("--duration", type=float, default=60, help="seconds, ramp included")
    parser.add_argument("--ramp", type=float, default=10, help="users start over these seconds")
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"))
    parser.add_argument("--workers", type=int, default=2, help="granian workers")
    parser.add_argument("--owners", type=int, help="owner accounts (default: users, at most 200)")
    parser.add_argument("--caregivers", type=int, default=1000)
    parser.add_argument("--book-share", type=float, default=0.2, help="loops that book")
    parser.add_argument("--radius", type=float, default=10, help="search radius_km")
    parser.add_argument("--timeout", type=float, default=30, help="per request, seconds")
    parser.add_argument("--env", choices=["development", "test"], default="development")
    parser.add_argument("--rate-limit", type=int, default=1_000_000, help="per client and minute")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    parser.add_argument("--database", default=DATABASE)
    parser.add_argument("--base-url", help="a server already running; none is started")
    parser.add_argument("--skip-load", action="store_true", help="reuse the loaded database")
    parser.add_argument("--login-concurrency", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--find-max",
        action="store_true",
        help=f"step the users up (--steps) and report the most with p99 < {P99_AIM_MS} ms",
    )
    parser.add_argument(
        "--steps", type=int, nargs="+", default=[250, 500, 1000, 1500, 2000, 2500, 3000]
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    if not 0 <= args.ramp < args.duration:
        parser.error("--ramp must be shorter than --duration")
    counts = sorted(args.steps) if args.find_max else [args.users]
    owners = args.owners or min(max(counts), 200)

    open_files = raise_open_files()
    load_start = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"load average at start: {load_start} ({os.cpu_count()} CPUs); open files {open_files}")
    if not args.skip_load:
        began = time.perf_counter()
        # Every caregiver travels 25 km, as when these figures were first taken.
        await prepare(args.caregivers, database=args.database, place=somewhere, radius=lambda _: 25)
        await add_owners(args.database, owners)
        print(
            f"loaded {args.caregivers} caregivers and {owners} owners into {args.database}"
            f" in {time.perf_counter() - began:.1f} s",
            flush=True,
        )

    server = None
    data_dir = tempfile.TemporaryDirectory(prefix="tailtribe-load-")
    log_path = Path(data_dir.name) / "server.log"
    results: list[dict[str, Any]] = []
    if args.base_url:
        base = args.base_url.rstrip("/")
        served = f"{base} (already running)"
    else:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = log_path.open("wb")
        server = start_server(port, args.workers, server_env(args, data_dir.name), log)
        served = (
            f"tailtribe serve --workers {args.workers} on {args.database}, Redis {args.redis_url},"
            f" TAILTRIBE_ENV={args.env}, RATE_LIMIT_PER_MINUTE=AUTH_RATE_LIMIT_PER_MINUTE="
            f"{args.rate_limit} per client address (one per user)"
        )
    try:
        if server is not None:
            await wait_up(f"{base}/api/health")
        print(f"server: {served}", flush=True)
        connector = aiohttp.TCPConnector(limit=0, limit_per_host=0)
        timeout = aiohttp.ClientTimeout(total=args.timeout)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            began = time.perf_counter()
            accounts = await log_in(session, base, owners, args.login_concurrency)
            print(
                f"{owners} owners logged in in {time.perf_counter() - began:.1f} s (not measured);"
                f" {args.duration:g} s per run, ramp {args.ramp:g} s,"
                f" think {args.think[0]:g}-{args.think[1]:g} s,"
                f" booking in {args.book_share:.0%} of loops",
                flush=True,
            )
            for users in counts:
                print(f"\n== {users} users", flush=True)
                result = await run_users(
                    args, users, base, session, accounts, server, served, load_start
                )
                show(result)
                if server is not None:
                    result["api_rss"] = show_memory(server.pid)
                results.append(result)
                if args.find_max and not within_aim(result):
                    break
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()
    if args.find_max:
        print()
        for r in results:
            steady = r["after_ramp"] or r["endpoints"][-1]
            print(
                f"{r['users']:6d} users: p99 {steady['p99_ms']:8.1f} ms after the ramp,"
                f" {steady['req_per_s']:7.1f} req/s, {sum(r['errors_by_kind'].values())} errors"
                f" -> {'within' if within_aim(r) else 'over'} the aim"
            )
        good = [r["users"] for r in results if within_aim(r)]
        print(
            f"largest user count with p99 < {P99_AIM_MS} ms and no errors: "
            + (f"{max(good)}" if good else f"none of {counts}")
        )
    if server is not None and log_path.stat().st_size:
        tail = log_path.read_text(errors="replace").splitlines()
        problems = [line for line in tail if "Traceback" in line or "ERROR" in line]
        if problems:
            print(f"server logged {len(problems)} error lines, e.g.: {problems[0][:200]}")
    data_dir.cleanup()
    if args.json:
        args.json.write_text(json.dumps(results if args.find_max else results[0], indent=2))
        print(f"results written to {args.json}")


if __name__ == "__main__":
    asyncio.run(main())
