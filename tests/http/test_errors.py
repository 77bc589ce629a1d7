"""Domain errors and bad input become RFC 9457 problem details, mapped in one place."""

from __future__ import annotations

import codecs
import logging
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from litestar import Litestar, Request, post
from litestar.exceptions import ImproperlyConfiguredException
from litestar.params import FromPath, JSONBody
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeout

from tailtribe.adapters.sqlalchemy.database import make_db_config
from tailtribe.domain.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    ProfileIncomplete,
    SlotTaken,
    Unauthorized,
)
from tailtribe.entrypoints.http.errors import exception_handlers, problem_details_plugin

RAISED: dict[str, DomainError] = {
    "not_found": NotFound("no such booking"),
    "unauthorized": Unauthorized("token expired"),
    "forbidden": Forbidden("owners only"),
    "conflict": Conflict("email taken"),
    "transition": InvalidTransition("booking", "declined", "accept"),
    "slot": SlotTaken("the caregiver is booked then"),
    "invalid": InvalidInput("bad price", [FieldError("price_cents", "must be >= 100")]),
    "incomplete": ProfileIncomplete(["bio", "services"]),
}


class Body(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    count: int


@post("/raise/{kind:str}")
async def raise_it(kind: FromPath[str]) -> None:
    if kind == "crash":
        raise RuntimeError("database password=hunter2 leaked?")
    if kind == "bad_bytes":  # our own decoding bugs stay crashes
        b"\xff".decode()
    if kind == "bad_codec":
        b"x".decode("undefined")
    if kind == "no_codec":
        codecs.lookup("unknown")
    if kind == "db_busy":
        raise PoolTimeout("QueuePool limit of size 1 overflow 0 reached")
    raise RAISED[kind]


@post("/validate")
async def validate(data: JSONBody[Body]) -> dict[str, int]:
    return {"count": data.count}


@post("/raw")
async def read_raw(request: Request[Any, Any, Any]) -> dict[str, str]:
    """A handler that reads the body itself, as the webhook does."""
    return {"type": type(await request.json()).__name__}


@post("/form")
async def read_form(request: Request[Any, Any, Any]) -> dict[str, str]:
    """A handler that reads a multipart form itself."""
    return {k: str(v) for k, v in (await request.form()).items()}


@pytest.fixture
async def client() -> AsyncIterator[AsyncTestClient[Litestar]]:
    app = Litestar(
        route_handlers=[raise_it, validate, read_raw, read_form],
        plugins=[problem_details_plugin()],
        exception_handlers=exception_handlers(),
    )
    async with AsyncTestClient(app=app) as c:
        yield c


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("not_found", 404),
        ("unauthorized", 401),
        ("forbidden", 403),
        ("conflict", 409),
        ("transition", 409),
        ("slot", 409),
        ("invalid", 422),
        ("incomplete", 422),
    ],
)
async def test_domain_errors_map_to_statuses(
    client: AsyncTestClient[Litestar], kind: str, status: int
) -> None:
    response = await client.post(f"/raise/{kind}")
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["title"] == RAISED[kind].title
    assert body["detail"] == RAISED[kind].detail


async def test_incomplete_profile_lists_what_is_missing(client: AsyncTestClient[Litestar]) -> None:
    body = (await client.post("/raise/incomplete")).json()
    assert body["errors"] == [
        {"field": "bio", "message": "required"},
        {"field": "services", "message": "required"},
    ]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "Rex", "count": "three"}, "count"),
        ({"name": "Rex"}, "count"),
        ({"name": "Rex", "count": 3, "admin": True}, "admin"),
    ],
)
async def test_bad_bodies_name_the_field(
    client: AsyncTestClient[Litestar], payload: dict[str, object], field: str
) -> None:
    response = await client.post("/validate", json=payload)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 400 and body["detail"]
    assert any(field in e["field"] or field in e["message"] for e in body["errors"]), body


async def test_crashes_answer_500_without_details(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post("/raise/crash")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "hunter2" not in response.text


@pytest.mark.parametrize("kind", ["bad_bytes", "bad_codec", "no_codec"])
async def test_decoding_errors_outside_a_form_are_still_crashes(
    client: AsyncTestClient[Litestar], caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    with caplog.at_level(logging.INFO):
        response = await client.post(f"/raise/{kind}")
    assert response.status_code == 500
    assert [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]


@pytest.mark.parametrize(
    "part",
    [b'name="note"\r\n\r\n\xff', b'name="note"\r\nContent-Type: text/plain; charset=nope\r\n\r\nx'],
)
async def test_a_form_read_by_the_handler_is_a_400_when_undecodable(
    client: AsyncTestClient[Litestar], caplog: pytest.LogCaptureFixture, part: bytes
) -> None:
    body = b"--b\r\nContent-Disposition: form-data; " + part + b"\r\n--b--\r\n"
    with caplog.at_level(logging.INFO):
        response = await client.post(
            "/form", content=body, headers={"Content-Type": "multipart/form-data; boundary=b"}
        )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


DEEP = b"[" * 20_000 + b"]" * 20_000
UNDECODABLE = {
    "invalid utf-8 in a string": b'{"name": "\xff@x.io", "count": 1}',
    "nested far too deep": b'{"name": ' + DEEP + b', "count": 1}',
    "a deep list alone": DEEP,
    "not json": b'{"name": ',
}


@pytest.mark.parametrize("path", ["/validate", "/raw"])
@pytest.mark.parametrize("case", sorted(UNDECODABLE))
async def test_undecodable_bodies_are_400_and_log_no_error(
    client: AsyncTestClient[Litestar], caplog: pytest.LogCaptureFixture, path: str, case: str
) -> None:
    with caplog.at_level(logging.INFO):
        response = await client.post(
            path, content=UNDECODABLE[case], headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 400 and body["title"] == "Bad request" and body["detail"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


async def test_a_decodable_body_still_reaches_the_handler(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.post("/raw", content=b"[[1]]")
    assert (response.status_code, response.json()) == (201, {"type": "list"})


def test_another_request_class_is_refused() -> None:
    """It would bring back the 500s for undecodable bodies."""
    with pytest.raises(ImproperlyConfiguredException):
        Litestar([validate], plugins=[problem_details_plugin()], request_class=Request)


async def test_an_exhausted_pool_raises_the_timeout_that_maps_to_503(pg_url: str) -> None:
    config = make_db_config(pg_url, pool_size=1, max_overflow=0, pool_timeout=1)
    engine = config.get_engine()
    try:
        async with engine.connect() as held:  # the pool's only connection
            await held.execute(text("SELECT 1"))
            with pytest.raises(PoolTimeout):
                async with engine.connect():
                    pass
    finally:
        await engine.dispose()


async def test_no_free_database_connection_is_a_503_to_retry(
    client: AsyncTestClient[Litestar], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        busy = await client.post("/raise/db_busy")
    assert busy.status_code == 503
    assert busy.headers["content-type"].startswith("application/problem+json")
    assert busy.headers["retry-after"] == "1"
    assert busy.json()["status"] == 503
    # Overload, not a crash: a warning, no traceback.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r for r in caplog.records if r.levelno == logging.WARNING]
