from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tailtribe.config import Settings
from tailtribe.entrypoints.http.app import create_app

ClientFactory = Callable[..., AbstractAsyncContextManager[AsyncTestClient[Litestar]]]


@pytest.fixture
def make_client(tmp_path: Path) -> ClientFactory:
    """An app on the given settings, served through Litestar's test client."""

    @asynccontextmanager
    async def factory(**overrides: object) -> AsyncIterator[AsyncTestClient[Litestar]]:
        settings = replace(Settings(data_dir=tmp_path), **overrides)  # type: ignore[arg-type]
        async with AsyncTestClient(app=create_app(settings)) as client:
            yield client

    return factory


@pytest.fixture
async def client(
    pg_url: str, make_client: ClientFactory
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with make_client(database_url=pg_url, direct_url=pg_url) as c:
        yield c
