"""Health, OpenAPI and the error format, through the real app."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import REDIS_URL, SQL_BACKENDS, sql_url
from tests.http.conftest import ClientFactory

DEAD_PG = "postgresql+asyncpg://postgres@127.0.0.1:1/nothing"


@pytest.mark.parametrize("backend", SQL_BACKENDS)
async def test_health_checks_the_database(
    request: pytest.FixtureRequest, backend: str, make_client: ClientFactory
) -> None:
    url = sql_url(request, backend)
    async with make_client(database_url=url, direct_url=url) as client:
        response = await client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


async def test_health_checks_redis_when_configured(pg_url: str, make_client: ClientFactory) -> None:
    async with make_client(database_url=pg_url, redis_url=REDIS_URL) as client:
        response = await client.get("/api/health")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


async def test_health_is_503_naming_the_database_when_it_is_down(
    make_client: ClientFactory,
) -> None:
    async with make_client(database_url=DEAD_PG) as client:
        response = await client.get("/api/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] != "ok"


async def test_health_is_503_naming_redis_when_it_is_down(
    pg_url: str, make_client: ClientFactory
) -> None:
    async with make_client(database_url=pg_url, redis_url="redis://127.0.0.1:1/0") as client:
        response = await client.get("/api/health")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["redis"] != "ok"


async def test_openapi_document_is_served(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "TailTribe API"
    assert document["paths"]["/api/health"]["get"]["operationId"] == "health"
    assert (await client.get("/schema")).status_code == 200


async def test_unknown_route_is_a_problem_document(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 404 and body["title"] and "detail" in body


async def test_wrong_method_is_a_problem_document(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post("/api/health")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("application/problem+json")
