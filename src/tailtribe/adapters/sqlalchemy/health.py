from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine


class DatabaseHealthCheck:
    name = "database"

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def check(self) -> None:
        # Autocommit: one round trip, not BEGIN, SELECT and ROLLBACK.
        async with self._engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql("SELECT 1")
