from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tailtribe.config import Environment, Settings
from tailtribe.entrypoints.http.app import create_app
from tailtribe.ioc import make_container
from tests.conftest import empty_database
from tests.support import Api, CheapHashing

ClientFactory = Callable[..., AbstractAsyncContextManager[AsyncTestClient[Litestar]]]


@pytest.fixture
def make_client(tmp_path: Path) -> ClientFactory:
    """An app on the given settings, served through Litestar's test client.

    Test mode unless told otherwise: no embedded runner works in the background
    while a test looks (jobs and emails run on /api/v1/test/run-due-jobs).
    """

    @asynccontextmanager
    async def factory(**overrides: object) -> AsyncIterator[AsyncTestClient[Litestar]]:
        overrides = {"env": Environment.TEST, **overrides}
        settings = replace(Settings(data_dir=tmp_path), **overrides)  # type: ignore[arg-type]
        app = create_app(settings, make_container(settings, CheapHashing()))
        app.state["settings"] = settings
        async with AsyncTestClient(app=app) as client:
            yield client

    return factory


@pytest.fixture
async def client(
    pg_url: str, make_client: ClientFactory
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """The app on PostgreSQL with empty tables and generous rate limits."""
    await (await empty_database(pg_url)).get_engine().dispose()
    async with make_client(
        database_url=pg_url,
        direct_url=pg_url,
        rate_limit_per_minute=100_000,
        auth_rate_limit_per_minute=100_000,
    ) as c:
        yield c


def api_for(client: AsyncTestClient[Litestar]) -> Api:
    settings: Settings = client.app.state["settings"]
    return Api(client, settings)


@pytest.fixture
async def api(client: AsyncTestClient[Litestar]) -> AsyncIterator[Api]:
    api = api_for(client)
    yield api
    await api.container.close()
