"""The database health check on a real PostgreSQL and SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tailtribe.adapters.sqlalchemy.database import make_db_config
from tailtribe.adapters.sqlalchemy.health import DatabaseHealthCheck
from tests.conftest import SQL_BACKENDS, sql_url


@pytest.mark.parametrize("backend", SQL_BACKENDS)
async def test_the_database_check_passes_on_a_live_database(
    request: pytest.FixtureRequest, backend: str
) -> None:
    engine = make_db_config(sql_url(request, backend)).get_engine()
    try:
        await DatabaseHealthCheck(engine).check()
        await DatabaseHealthCheck(engine).check()
    finally:
        await engine.dispose()


async def test_a_connection_the_server_dropped_fails_one_check_and_leaves_the_pool(
    pg_url: str,
) -> None:
    engine = make_db_config(pg_url, pool_size=1).get_engine()
    check = DatabaseHealthCheck(engine)
    try:
        await check.check()
        async with engine.connect() as conn:
            pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        admin = make_db_config(pg_url).get_engine()
        async with admin.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await admin.dispose()
        with pytest.raises(Exception):  # noqa: B017, PT011  (whichever error the driver raises)
            await check.check()
        # The dead connection was not handed back: the next check gets a new one.
        await check.check()
    finally:
        await engine.dispose()
