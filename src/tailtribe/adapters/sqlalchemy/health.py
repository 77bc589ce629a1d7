from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from tailtribe.adapters.sqlalchemy.operations_store import due_backlog
from tailtribe.domain.ports.time import Clock


class DatabaseHealthCheck:
    name = "database"

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def check(self) -> None:
        async with self._engine.connect() as conn:
            if conn.dialect.name != "postgresql":
                # Autocommit: one round trip, not BEGIN, SELECT and ROLLBACK.
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.exec_driver_sql("SELECT 1")
                return
            # Straight through asyncpg, outside any transaction: one round
            # trip without SQLAlchemy's statement and cursor machinery.
            driver: Any = (await conn.get_raw_connection()).driver_connection  # asyncpg
            try:
                await driver.fetchval("SELECT 1")
            except BaseException:
                # SQLAlchemy is not told of the driver's error: never hand a
                # connection in doubt (dropped by the server, cancelled by the
                # check's deadline) back to the pool.
                await conn.invalidate()
                raise


class OutboxBacklogCheck:
    """The queue is healthy while the emails and events due get sent: it
    fails when too many wait, or the oldest has waited too long (the worker
    is down or stuck)."""

    name = "queue"

    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        max_backlog: int = 1000,
        max_wait: timedelta = timedelta(minutes=10),
    ) -> None:
        self._engine, self._clock = engine, clock
        self._max_backlog, self._max_wait = max_backlog, max_wait

    async def check(self) -> None:
        now = self._clock.now()
        async with self._engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execution_options(isolation_level="AUTOCOMMIT")
            backlog, oldest = (await conn.execute(due_backlog(now))).one()
        if backlog > self._max_backlog:
            raise QueueBacklog(f"{backlog} outbox rows due")
        if oldest is not None and now - oldest > self._max_wait:
            raise QueueBacklog(f"the oldest due row has waited {now - oldest}")


class QueueBacklog(Exception):
    pass
