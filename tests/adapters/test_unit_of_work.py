"""Units of work on PostgreSQL: a read-only one runs its statements outside a transaction."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import text

from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tests.conftest import empty_database


async def _clock_twice(uow: SqlUnitOfWork) -> tuple[datetime | None, datetime | None]:
    """now() is when the transaction started: the same twice inside one transaction."""
    async with uow:
        first = await uow.session.scalar(text("SELECT now()"))
        await uow.session.execute(text("SELECT pg_sleep(0.01)"))
        return first, await uow.session.scalar(text("SELECT now()"))


async def test_read_only_statements_run_outside_a_transaction(pg_url: str) -> None:
    config = await empty_database(pg_url)
    factory = config.create_session_maker()
    try:
        first, second = await _clock_twice(SqlUnitOfWork(factory))
        assert first is not None and first == second
        first, second = await _clock_twice(SqlUnitOfWork(factory, read_only=True))
        assert first is not None and second is not None and second > first
        async with SqlUnitOfWork(factory, read_only=True) as uow:
            with pytest.raises(RuntimeError, match="read-only"):
                await uow.commit()
    finally:
        await config.get_engine().dispose()
