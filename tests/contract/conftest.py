from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import cast

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.domain.ports.storage import UnitOfWork
from tests.conftest import SQL_BACKENDS, empty_database, sql_url
from tests.fakes.unit_of_work import MemoryUnitOfWork

UowFactory = Callable[[], UnitOfWork]


@pytest.fixture(params=["memory", *SQL_BACKENDS])
async def make_uow(request: pytest.FixtureRequest) -> AsyncIterator[UowFactory]:
    """A unit of work on memory, SQLite or PostgreSQL, with empty tables."""
    if request.param == "memory":
        shared = MemoryUnitOfWork()
        yield lambda: shared
        return
    config = await empty_database(sql_url(request, request.param))
    factory = cast("async_sessionmaker[AsyncSession]", config.create_session_maker())
    yield lambda: SqlUnitOfWork(factory)
    await config.get_engine().dispose()
