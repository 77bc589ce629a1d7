"""The app through a real PgBouncer in transaction mode (`DATABASE_URL=...?pgbouncer=true`),
and the URL options behind it: the PgBouncer flag and libpq's sslmode.

The pooler has fewer server connections than the app opens client connections,
so they are shared: a prepared statement that outlived its round trip would
show as "prepared statement ... does not exist" (or "already exists").
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import asyncpg
import certifi
import httpx
import pytest
from dishka import AsyncContainer
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from tailtribe.adapters.sqlalchemy.database import (
    PGBOUNCER_CONNECT_ARGS,
    driver_options,
    make_db_config,
)
from tailtribe.config import ConfigError, Environment, Settings
from tailtribe.domain.model.pricing import Service
from tailtribe.domain.ports.search import SearchQuery
from tailtribe.domain.services.caregivers.search import SearchCaregivers
from tailtribe.entrypoints.http.app import create_app
from tailtribe.ioc import make_container
from tests.conftest import empty_database
from tests.support import PROFILE, Api, CheapHashing

PGBOUNCER = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/usr/bin")
POOL_SIZE = 5  # server connections; the app's engine alone opens up to 20 client ones
BRUSSELS = ZoneInfo("Europe/Brussels")
GENT = {"latitude": PROFILE["latitude"], "longitude": PROFILE["longitude"]}
# What PostgreSQL says when a statement was prepared on another server connection.
STATEMENT_ELSEWHERE = ("does not exist", "already exists")


@dataclass(frozen=True, slots=True)
class Pooler:
    url: str  # the test database through PgBouncer, without the flag
    direct_url: str  # the test database itself

    @property
    def plain_dsn(self) -> str:
        return make_url(self.url).set(drivername="postgresql").render_as_string(False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"pgbouncer exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"pgbouncer did not listen on {port}:\n{log.read_text()}")


@pytest.fixture
def pooler(pg_url: str) -> Iterator[Pooler]:
    """A PgBouncer of its own in front of the session's test database."""
    if PGBOUNCER is None:
        pytest.fail(
            "pgbouncer is not installed: `apt-get install pgbouncer` (scripts/test.sh does it)",
            pytrace=False,
        )
    direct = make_url(pg_url)
    port = _free_port()
    workdir = Path(tempfile.mkdtemp(prefix="tailtribe-pgbouncer-"))
    user = direct.username or "postgres"
    server = (
        f"host={direct.host or '127.0.0.1'} port={direct.port or 5432} dbname={direct.database}"
    )
    if direct.password:
        server += f" password={direct.password}"
    (workdir / "userlist.txt").write_text(f'"{user}" ""\n')
    ini = workdir / "pgbouncer.ini"
    ini.write_text(
        f"""[databases]
{direct.database} = {server}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {workdir / "userlist.txt"}
pool_mode = transaction
max_client_conn = 100
default_pool_size = {POOL_SIZE}
logfile = {workdir / "pgbouncer.log"}
pidfile = {workdir / "pgbouncer.pid"}
"""
    )
    log = workdir / "pgbouncer.log"
    log.touch()
    command = [PGBOUNCER]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            owner = pwd.getpwnam("nobody")
        for path in (workdir, *workdir.iterdir()):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        command += ["-u", owner.pw_name]
    workdir.chmod(0o755)
    proc = subprocess.Popen(
        [*command, str(ini)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_for_port(port, proc, log)
        yield Pooler(
            url=direct.set(host="127.0.0.1", port=port).render_as_string(False),
            direct_url=pg_url,
        )
    finally:
        proc.send_signal(signal.SIGINT)  # safe shutdown
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def _settings(database_url: str, direct_url: str, data_dir: Path) -> Settings:
    return Settings(
        env=Environment.TEST,
        data_dir=data_dir,
        database_url=database_url,
        direct_url=direct_url,
        rate_limit_per_minute=100_000,
        auth_rate_limit_per_minute=100_000,
    )


@asynccontextmanager
async def serve(settings: Settings) -> AsyncIterator[tuple[Api, AsyncContainer]]:
    """The app as tests/http/conftest.py builds it, served in this event loop so
    that requests gathered together really run at the same time (Litestar's test
    client runs one request after the other on a loop of its own)."""
    container = make_container(settings, CheapHashing())
    app = create_app(settings, container)
    app.state["settings"] = settings
    async with app.lifespan():
        # Litestar's ASGI signature is narrower than the plain one httpx declares.
        transport = httpx.ASGITransport(app=cast("Any", app))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            # The helper only uses httpx's methods, which both clients share.
            api = Api(cast("AsyncTestClient[Litestar]", http), settings)
            try:
                yield api, container
            finally:
                await api.container.close()


def _monday(weeks: int, hour: int) -> datetime:
    today = datetime.now(BRUSSELS).replace(hour=hour, minute=0, second=0, microsecond=0)
    return today + timedelta(days=(7 - today.weekday()) % 7 + 7 * weeks)


def _searches(round_: int) -> list[dict[str, Any]]:
    """Different queries each time: the app caches searches without a period for seconds."""
    tuesday = _monday(2, 8) + timedelta(days=1)
    searches: list[dict[str, Any]] = []
    for i in range(8):
        start = tuesday + timedelta(hours=i % 8, minutes=round_)
        searches.append(
            {
                "service": "dog_walking",
                **GENT,
                "radius_km": 5,
                "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(),
            }
        )
        searches.append(
            {"service": "dog_walking", **GENT, "radius_km": 5 + i + round_ / 100, "q": "hond"}
        )
        searches.append({"service": "boarding", **GENT, "radius_km": 20 + i + round_ / 100})
    return searches


async def _search_statuses(api: Api, round_: int) -> list[int]:
    responses = await asyncio.gather(
        *(api.client.get("/api/v1/caregivers", params=p) for p in _searches(round_))
    )
    return [r.status_code for r in responses]


async def _statements_left(pooler: Pooler) -> dict[int, int]:
    """Named prepared statements on each server connection, by backend pid.

    Every client holds a transaction open, so each one sits on a server
    connection of its own and all of the pool's are looked at."""
    conns = [
        await asyncpg.connect(pooler.plain_dsn, statement_cache_size=0) for _ in range(POOL_SIZE)
    ]
    try:
        for conn in conns:
            await conn.execute("BEGIN")
        rows = [
            await conn.fetchrow(
                "SELECT pg_backend_pid() AS pid, (SELECT count(*) FROM pg_prepared_statements) AS n"
            )
            for conn in conns
        ]
        return {row["pid"]: row["n"] for row in rows if row is not None}
    finally:
        for conn in conns:
            await conn.close()


async def test_the_app_works_through_a_transaction_pooler(pooler: Pooler, tmp_path: Path) -> None:
    await (await empty_database(pooler.direct_url)).get_engine().dispose()
    settings = _settings(f"{pooler.url}?pgbouncer=true", pooler.direct_url, tmp_path)
    async with serve(settings) as (api, container):
        c = api.client
        admin = await api.new_admin()
        caregivers = await asyncio.gather(*(api.approved_caregiver(admin) for _ in range(3)))
        owners = await asyncio.gather(*(api.new_user() for _ in range(9)))
        pets = await asyncio.gather(
            *(
                c.post("/api/v1/pets", json={"name": "Rex", "species": "dog"}, headers=headers)
                for _, headers in owners
            )
        )
        assert [p.status_code for p in pets] == [201] * len(owners)

        statuses = [s for round_ in range(3) for s in await _search_statuses(api, round_)]
        assert statuses == [200] * len(statuses)
        period = _searches(0)[0]
        found = (await c.get("/api/v1/caregivers", params=period)).json()
        assert found["total"] == 3

        def walk(i: int) -> dict[str, Any]:
            start = _monday(1, 9 + i)  # one hour each: no two overlap
            return {
                "caregiver_id": caregivers[i % 3][0]["id"],
                "service": "dog_walking",
                "pet_ids": [pets[i].json()["id"]],
                "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(),
            }

        created = await asyncio.gather(
            *(
                c.post("/api/v1/bookings", json=walk(i), headers=headers)
                for i, (_, headers) in enumerate(owners)
            )
        )
        assert [r.status_code for r in created] == [201] * len(owners), [r.text for r in created]
        accepted = await asyncio.gather(
            *(
                api.authorize_and_accept(r.json(), caregivers[i % 3][1])
                for i, r in enumerate(created)
            )
        )
        assert {b["status"] for b in accepted} == {"accepted"}

        reads = await asyncio.gather(
            *(c.get("/api/v1/bookings", headers=headers) for _, headers in owners),
            *(c.get("/api/v1/bookings?role=caregiver", headers=h) for _, h in caregivers),
            c.get("/api/v1/admin/metrics", headers=admin),
            c.post("/api/v1/test/run-due-jobs"),
            c.get("/api/health"),
        )
        assert [r.status_code for r in reads] == [200] * len(reads), [r.text for r in reads]
        assert [r.json()["total"] for r in reads[: len(owners)]] == [1] * len(owners)
        assert [r.json()["total"] for r in reads[len(owners) : len(owners) + 3]] == [3] * 3
        assert reads[len(owners) + 3].json()["bookings"]["accepted"] == len(owners)

        # The busy moments opened more client connections than the pooler has
        # server connections: they were shared.
        pool = (await container.get(AsyncEngine)).pool
        assert isinstance(pool, QueuePool) and pool.checkedin() > POOL_SIZE

    left = await _statements_left(pooler)
    assert len(left) == POOL_SIZE and sum(left.values()) == 0, left


async def test_without_the_flag_the_same_searches_break(pooler: Pooler, tmp_path: Path) -> None:
    await (await empty_database(pooler.direct_url)).get_engine().dispose()
    async with serve(_settings(f"{pooler.url}?pgbouncer=true", pooler.direct_url, tmp_path)) as (
        api,
        _,
    ):
        admin = await api.new_admin()
        await asyncio.gather(*(api.approved_caregiver(admin) for _ in range(2)))

    # The same app, told nothing about the pooler: asyncpg and SQLAlchemy keep
    # named statements prepared on a server connection the next request may not get.
    plain = _settings(pooler.url, pooler.direct_url, tmp_path)
    statuses: list[int] = []
    async with serve(plain) as (api, _):
        for round_ in range(10):
            statuses += await _search_statuses(api, round_)
            if 500 in statuses:
                break
    assert 500 in statuses, statuses

    # The cause, through the search use case itself.
    container = make_container(plain, CheapHashing())
    try:

        async def search(i: int) -> object:
            async with container() as scope:
                query = SearchQuery(
                    service=Service.DOG_WALKING,
                    latitude=GENT["latitude"],
                    longitude=GENT["longitude"],
                    radius_km=5 + i / 10,
                )
                return await (await scope.get(SearchCaregivers))(query)

        errors: list[BaseException] = []
        for round_ in range(10):
            outcomes = await asyncio.gather(
                *(search(20 * round_ + i) for i in range(20)), return_exceptions=True
            )
            errors += [o for o in outcomes if isinstance(o, BaseException)]
            if errors:
                break
        assert errors, "no search failed without ?pgbouncer=true"
        for error in errors:
            message = str(error)
            assert "prepared statement" in message, message
            assert any(s in message for s in STATEMENT_ELSEWHERE), message
    finally:
        await container.close()


# The URL options, without a server.

URL = "postgresql+asyncpg://app:secret@db.example:6543/tt"


def test_the_pgbouncer_flag_turns_the_statement_caches_off() -> None:
    url, args = driver_options(f"{URL}?pgbouncer=true&command_timeout=5")
    assert url == f"{URL}?command_timeout=5"  # asyncpg would refuse pgbouncer=...
    assert args == {"statement_cache_size": 0, "prepared_statement_cache_size": 0}
    assert args == PGBOUNCER_CONNECT_ARGS
    assert driver_options(f"{URL}?pgbouncer=false") == (URL, {})
    assert driver_options(f"{URL}?pgbouncer=TRUE")[1] == PGBOUNCER_CONNECT_ARGS
    assert driver_options(URL) == (URL, {})  # the fast path: asyncpg's caches stay on
    sqlite = "sqlite+aiosqlite:///var/tailtribe.db"
    assert driver_options(sqlite) == (sqlite, {})


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("disable", False),
        ("allow", "allow"),
        ("prefer", "prefer"),
        ("require", "require"),
        ("verify-ca", "verify-ca"),
        ("verify-full", "verify-full"),
    ],
)
def test_sslmode_becomes_asyncpg_ssl(mode: str, expected: object) -> None:
    url, args = driver_options(f"{URL}?sslmode={mode}&pgbouncer=true")
    assert url == URL
    assert args == {**PGBOUNCER_CONNECT_ARGS, "ssl": expected}


def test_a_root_certificate_makes_a_verifying_context() -> None:
    cafile = certifi.where()
    contexts = {
        mode: driver_options(f"{URL}?sslmode={mode}&sslrootcert={cafile}")[1]["ssl"]
        for mode in ("require", "verify-ca", "verify-full")
    }
    for mode, context in contexts.items():
        assert isinstance(context, ssl.SSLContext), mode
        assert context.verify_mode == ssl.CERT_REQUIRED, mode  # libpq: require with a root cert
        assert context.check_hostname == (mode == "verify-full"), mode
    system = driver_options(f"{URL}?sslrootcert=system")
    assert system[0] == URL
    assert isinstance(system[1]["ssl"], ssl.SSLContext) and system[1]["ssl"].check_hostname
    # allow and prefer never verify, as in libpq: asyncpg's own handling of the mode.
    assert driver_options(f"{URL}?sslmode=prefer&sslrootcert={cafile}")[1] == {"ssl": "prefer"}


@pytest.mark.parametrize(
    "query",
    [
        "pgbouncer=yes",
        "sslmode=required",
        "sslmode=require&sslmode=disable",
        "sslmode=require&sslrootcert=system",
    ],
)
def test_unknown_options_are_refused(query: str) -> None:
    with pytest.raises(ValueError, match=r"pgbouncer|sslmode|sslrootcert"):
        driver_options(f"{URL}?{query}")


@pytest.mark.parametrize("query", ["pgbouncer=yes", "sslmode=required"])
def test_settings_refuse_them_at_start_up(query: str) -> None:
    env = {"DATABASE_URL": f"postgresql://u@db/tt?{query}", "TAILTRIBE_ENV": "test"}
    with pytest.raises(ConfigError, match=query.split("=")[0]):
        Settings.from_env(env)


async def test_sslmode_and_the_flag_reach_asyncpg_connect() -> None:
    """What the engine hands asyncpg.connect (no TLS server needed: nothing is sent)."""
    engine = make_db_config(f"{URL}?sslmode=require&pgbouncer=true").get_engine()
    seen: dict[str, Any] = {}

    class Stop(Exception):
        pass

    async def connect(**kwargs: Any) -> None:
        seen.update(kwargs)
        raise Stop

    @event.listens_for(engine.sync_engine, "do_connect")
    def _instead(_dialect: Any, _record: Any, _args: Any, params: dict[str, Any]) -> None:
        params["async_creator_fn"] = connect

    with pytest.raises(Stop):
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    await engine.dispose()
    assert seen["ssl"] == "require"
    assert seen["statement_cache_size"] == 0  # SQLAlchemy took its own cache size out
    assert "sslmode" not in seen and "pgbouncer" not in seen
    assert "prepared_statement_cache_size" not in seen
    assert (seen["host"], seen["port"], seen["database"]) == ("db.example", 6543, "tt")
