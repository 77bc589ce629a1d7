"""The yardstick: a bare Litestar endpoint running SELECT 1 through an asyncpg pool."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from litestar import Litestar, get

DSN = os.environ.get("BENCH_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
pool: asyncpg.Pool | None = None


@asynccontextmanager
async def lifespan(_app: Litestar) -> AsyncIterator[None]:
    global pool
    pool = await asyncpg.create_pool(DSN, min_size=2, max_size=10)
    try:
        yield
    finally:
        await pool.close()


@get("/select1")
async def select1() -> dict[str, int]:
    assert pool is not None
    async with pool.acquire() as conn:
        return {"value": await conn.fetchval("SELECT 1")}


def create_app() -> Litestar:
    return Litestar([select1], lifespan=[lifespan])
