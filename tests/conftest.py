"""Shared fixtures: real PostgreSQL and SQLite databases, migrated once per run.

PostgreSQL comes from TEST_DATABASE_URL (default: the local server, trust auth
for `postgres`); each run works in a database of its own, dropped at the end.
Redis comes from TEST_REDIS_URL (default: the local server).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import asyncpg
import pytest
from advanced_alchemy.config import SQLAlchemyAsyncConfig
from hypothesis import settings
from sqlalchemy import delete
from sqlalchemy.engine import make_url

from tailtribe.adapters.sqlalchemy.database import make_db_config, upgrade
from tailtribe.adapters.sqlalchemy.tables import metadata

# CI lands nothing on luck: the same examples every run (derandomized, seeded
# from each test), so a red build is a real regression and a green one stays
# green until the code or the test changes. Local runs explore new examples
# each time; `HYPOTHESIS_PROFILE=explore` runs ten times as many. A failure
# found by exploring is kept as an explicit regression test.
# No deadline in CI either: a slow shared runner is luck too.
settings.register_profile("ci", derandomize=True, deadline=None, database=None, print_blob=True)
settings.register_profile("explore", max_examples=1000)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE")
    or ("ci" if os.environ.get("CI", "").lower() == "true" else "default")
)

PG_SERVER_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
T = TypeVar("T")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _plain_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(_plain_dsn(PG_SERVER_URL))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def in_thread(fn: Callable[[], T]) -> T:
    """Run blocking setup that starts its own event loop (Alembic, asyncio.run)
    even when called from inside the test's running loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    name = f"tailtribe_test_{uuid.uuid4().hex[:10]}"
    in_thread(lambda: asyncio.run(_admin(f'CREATE DATABASE "{name}"')))
    url = make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)
    try:
        in_thread(lambda: upgrade(url))
        yield url
    finally:
        in_thread(lambda: asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')))


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("sqlite") / "tailtribe.db"
    url = f"sqlite+aiosqlite:///{path}"
    in_thread(lambda: upgrade(url))
    return url


SQL_BACKENDS = ["postgresql", "sqlite"]


def sql_url(request: pytest.FixtureRequest, backend: str) -> str:
    url: str = request.getfixturevalue("pg_url" if backend == "postgresql" else "sqlite_url")
    return url


async def empty_database(url: str) -> SQLAlchemyAsyncConfig:
    """A config on `url` whose tables are all empty (the schema stays migrated)."""
    config = make_db_config(url)
    async with config.get_engine().begin() as conn:
        for table in reversed(metadata.sorted_tables):
            await conn.execute(delete(table))
    return config


@pytest.fixture(params=SQL_BACKENDS)
async def db_config(request: pytest.FixtureRequest) -> AsyncIterator[SQLAlchemyAsyncConfig]:
    """Each SQL test runs on both databases, with empty tables."""
    config = await empty_database(sql_url(request, request.param))
    yield config
    await config.get_engine().dispose()
