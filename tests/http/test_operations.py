"""Running it in production: JSON logs with request ids and no secrets,
Sentry without personal data, /metrics, readiness, security headers, CORS."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import sentry_sdk
import structlog
from aiohttp import web
from litestar import get
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailtribe.adapters.sqlalchemy.tables import BookingRow, OutboxRow, WebhookEventRow
from tailtribe.config import Environment
from tailtribe.entrypoints.observability import REDACTED, init_sentry, json_handler, scrub
from tests.conftest import empty_database
from tests.factories import marketplace, next_monday, requested_walk
from tests.http.conftest import ClientFactory, api_for
from tests.http.test_test_mode import TEST_MODE
from tests.support import PASSWORD, Api

JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")
CARD = "4242 4242 4242 4242"
GIVEN_ID = "req-20261126-1234567890123"  # digits a card pattern must not eat


@get("/api/v1/test/boom", include_in_schema=False)
async def boom() -> None:
    """Fails with secrets in its message, as careless code might."""
    raise RuntimeError(f"charging {CARD} with sk_live_abcdefghijkl failed, password={PASSWORD}")


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Everything logged while the test runs, as the production handler writes it."""
    stream = io.StringIO()
    handler = json_handler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


async def test_logs_are_json_with_a_request_id_and_never_a_secret(
    api: Api, log_lines: io.StringIO
) -> None:
    c = api.client
    c.app.register(boom)
    user, headers = await api.new_user()
    token = headers["Authorization"].removeprefix("Bearer ")
    me = await c.get("/api/v1/me", headers={**headers, "X-Request-ID": GIVEN_ID})
    assert me.status_code == 200 and me.headers["x-request-id"] == GIVEN_ID
    odd = await c.get("/api/v1/me", headers={**headers, "X-Request-ID": "bad id\n{}"})
    assert re.fullmatch(r"[0-9a-f]{32}", odd.headers["x-request-id"])  # replaced, not echoed
    failed = await c.get("/api/v1/test/boom", headers=headers)
    assert failed.status_code == 500
    assert CARD not in failed.text and "sk_live" not in failed.text
    assert (
        await c.post("/api/v1/auth/login", json={"email": user["email"], "password": "x" * 12})
    ).status_code == 401
    # Careless log calls, with secrets as arguments and as fields.
    logging.getLogger("tailtribe.test").warning("token %s key %s", token, "whsec_abcdefghijk")
    structlog.get_logger("tailtribe.test").info(
        "paying", password=PASSWORD, card_number="4242424242424242", note=f"Bearer {token}"
    )
    structlog.get_logger("tailtribe.test").error(
        "payment failed", error=RuntimeError("card 4242424242424242 key sk_live_abcdefghijkl")
    )
    logging.getLogger("tailtribe.test").warning("body %r", {"password": "hunter2-secret"})
    logging.getLogger("tailtribe.test").error("no database at postgresql://app:S3cretPw@db/tt")
    # Ordinary values stay as they are: big amounts, ports before an address.
    structlog.get_logger("tailtribe.test").info(
        "payout", amount_cents=1234567890123, url="http://localhost:8000/u/ann@example.be"
    )

    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    text = log_lines.getvalue()
    assert lines, "nothing was logged"
    for secret in (
        "hunter2-secret",
        "S3cretPw",
        token,
        PASSWORD,
        CARD,
        "4242424242424242",
        "sk_live_abcdefghijkl",
        "whsec_abcdefghijk",
    ):
        assert secret not in text, secret
    assert not JWT.search(text)
    access = [line for line in lines if line.get("logger") == "tailtribe.access"]
    assert {a["path"] for a in access} >= {"/api/v1/me", "/api/v1/test/boom", "/api/v1/auth/login"}
    assert all(re.fullmatch(r"[\w.-]{8,64}", a["request_id"]) for a in access)
    assert [a["status"] for a in access if a["request_id"] == GIVEN_ID] == [200]
    # The error's own line carries the request's id and its (scrubbed) traceback.
    [error] = [line for line in lines if "unhandled error" in line["event"]]
    boom_id = next(a["request_id"] for a in access if a["path"] == "/api/v1/test/boom")
    assert error["request_id"] == boom_id and error["level"] == "error"
    assert "RuntimeError" in error["exception"] and "[redacted]" in error["exception"]
    payout = next(line for line in lines if line["event"] == "payout")
    assert payout["amount_cents"] == 1234567890123
    assert payout["url"] == "http://localhost:8000/u/ann@example.be"
    paying = next(line for line in lines if line["event"] == "paying")
    assert paying["password"] == paying["card_number"] == "[redacted]"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("auth eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.c2lnbmF0dXJlMTI", "eyJhbGciOiJIUzI1"),
        ("key sk_live_abcdefghijkl", "abcdefghijkl"),
        ("key rk_test_abcdefghijkl", "abcdefghijkl"),
        ("key pk_live_abcdefghijkl", "abcdefghijkl"),
        ("whsec_abcdefghijk", "abcdefghijk"),
        ("re_abcdefghijklmnopq", "abcdefghijklmnopq"),
        ("pi_123_secret_456", "secret_456"),
        ("/api/live?token=abc.def", "abc.def"),
        ("BEARER abcdefgh12", "abcdefgh12"),
        ("password=hunter2", "hunter2"),
        ("token: hunter2", "hunter2"),
        ("postgresql://app:S3cretPw@db/tt", "S3cretPw"),
        ("card 4242 4242 4242 4242 declined", "4242 4242 4242 4242"),
        ("card 4242-4242-4242-4242", "4242-4242-4242-4242"),
        ("card 4242424242424", "4242424242424"),
        ("/api/v1/calendar/Ab3-x_9Yz0.ics", "Ab3-x_9Yz0"),
    ],
)
def test_every_kind_of_secret_is_masked_in_any_text(text: str, secret: str) -> None:
    assert secret not in scrub(text)
    assert REDACTED in scrub(text)


@pytest.mark.parametrize(
    "text", ["request", "GET", "/api/v1/bookings/018f3c2a", "amount 123456789012", ""]
)
def test_plain_text_is_left_as_it_is(text: str) -> None:
    assert scrub(text) == text


@asynccontextmanager
async def sentry_standin() -> AsyncIterator[tuple[str, list[bytes]]]:
    """A local Sentry ingest endpoint keeping each envelope it receives."""
    envelopes: list[bytes] = []

    async def envelope(request: web.Request) -> web.Response:
        body = await request.read()  # aiohttp undoes the gzip the SDK applies
        envelopes.append(body)
        return web.json_response({"id": uuid4().hex})

    app = web.Application()
    app.router.add_post("/api/{project}/envelope/", envelope)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://publickey@127.0.0.1:{port}/42", envelopes
    finally:
        await runner.cleanup()


async def test_sentry_reports_errors_without_personal_data_only_when_configured(
    pg_url: str, make_client: ClientFactory
) -> None:
    assert not init_sentry(None, "test", "api")
    assert not sentry_sdk.get_client().is_active()
    await (await empty_database(pg_url)).get_engine().dispose()
    async with sentry_standin() as (dsn, envelopes):
        try:
            async with make_client(database_url=pg_url, sentry_dsn=dsn, **TEST_MODE) as client:
                assert sentry_sdk.get_client().is_active()
                client.app.register(boom)
                api = api_for(client)
                user, headers = await api.new_user(email="private.person@example.be")
                token = headers["Authorization"].removeprefix("Bearer ")
                failed = await client.get(
                    f"/api/v1/test/boom?token={token}",
                    headers={**headers, "Cookie": "session=abcdef123456"},
                )
                assert failed.status_code == 500
                # The SDK sends from a thread of its own; the stand-in needs this loop free.
                await asyncio.to_thread(sentry_sdk.flush, 5)
                await api.container.close()
        finally:
            sentry_sdk.get_client().close()
            sentry_sdk.init()  # inactive again for the other tests
    events = [e for e in envelopes if b'"exception"' in e]
    assert events, envelopes
    raw = b"".join(events).decode()
    assert "RuntimeError" in raw
    for private in (
        token,
        "private.person@example.be",
        user["id"],
        "abcdef123456",
        PASSWORD,
        CARD,
        "sk_live_abcdefghijkl",
    ):
        assert private not in raw, private


async def test_metrics_expose_requests_per_route_and_business_counts(api: Api) -> None:
    c = api.client
    for _ in range(2):
        await api.new_user()
    profile, _, _, _, pet = await _booked(api)
    await _outbox_row(api, "failed", timedelta(hours=1))
    await _money_waiting_for_admins(api)
    response = await c.get("/metrics")
    assert response.status_code == 200
    content_type = response.headers["content-type"]
    assert content_type.startswith("text/plain") and content_type.count("charset=") == 1
    metrics = _samples(response.text)
    assert metrics["tailtribe_accounts"] == 5  # 2 + caregiver, owner, admin
    assert metrics['tailtribe_bookings{status="requested"}'] == 1
    assert metrics["tailtribe_emails_failed"] == 1
    assert metrics["tailtribe_outbox_backlog"] >= 1  # the caregiver's events await the relay
    assert metrics["tailtribe_payouts_held"] == 1
    assert metrics["tailtribe_payouts_withheld"] == 0  # waiting for tax details: not an admin's
    assert metrics["tailtribe_webhooks_unprocessed"] == 1  # the old one, not the fresh one
    assert metrics["tailtribe_db_max_connections"] > metrics["tailtribe_db_connections"] > 0
    # Requests by route template, never by raw id.
    booked = [
        k for k in metrics if k.startswith("tailtribe_requests_total") and "/api/v1/bookings" in k
    ]
    assert booked and all(pet not in k and profile["id"] not in k for k in booked)
    assert any('status_code="201"' in k for k in booked)
    assert any(k.startswith("tailtribe_request_duration_seconds_bucket") for k in metrics)
    # Errors count by the status sent, whichever layer raised them. (Request
    # counters live as long as the process: compare with before.)
    unauthorized = 'tailtribe_requests_total{method="GET",path="/api/v1/pets",status_code="401"}'
    not_found = (
        'tailtribe_requests_total{method="GET",path="/api/v1/bookings/{booking_id}",'
        'status_code="404"}'
    )
    before = _samples((await c.get("/metrics")).text)
    assert (await c.get("/api/v1/pets")).status_code == 401  # the authentication middleware
    _, someone = await api.new_user()
    missing = await c.get(f"/api/v1/bookings/{uuid4()}", headers=someone)  # a use case
    assert missing.status_code == 404
    assert missing.headers["x-request-id"] and missing.headers["x-content-type-options"]
    again = _samples((await c.get("/metrics")).text)
    assert again[unauthorized] - before.get(unauthorized, 0) == 1
    assert again[not_found] - before.get(not_found, 0) == 1
    ok = 'tailtribe_requests_total{method="GET",path="/api/v1/pets",status_code="200"}'
    assert again.get(ok, 0) == before.get(ok, 0)  # the 401 was not counted as a success


def _samples(text: str) -> dict[str, float]:
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            found[re.sub(r',?app_name="tailtribe",?', "", name).replace("{}", "")] = float(value)
    return found


async def _booked(
    api: Api,
) -> tuple[dict[str, Any], dict[str, str], dict[str, str], dict[str, str], str]:
    profile, caregiver, owner, admin, pet = await marketplace(api)
    await requested_walk(api, profile, pet, owner, next_monday(10))
    return profile, caregiver, owner, admin, pet


async def test_metrics_want_the_token_when_one_is_set(
    pg_url: str, make_client: ClientFactory
) -> None:
    async with make_client(database_url=pg_url, metrics_token="scrape-secret", **TEST_MODE) as c:
        assert (await c.get("/metrics")).status_code == 401
        assert (
            await c.get("/metrics", headers={"Authorization": "Bearer wrong"})
        ).status_code == 401
        ok = await c.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
        assert ok.status_code == 200 and "tailtribe_accounts" in ok.text


def test_the_alert_rules_use_only_metrics_the_app_exposes() -> None:
    import yaml

    doc = (Path(__file__).parents[2] / "docs" / "alerts.md").read_text()
    [rules_yaml] = re.findall(r"```yaml\n(.*?)```", doc, re.DOTALL)
    rules = yaml.safe_load(rules_yaml)["groups"][0]["rules"]
    names = {r["alert"] for r in rules}
    assert {
        "HighErrorRate",
        "SlowResponses",
        "DatabaseConnectionsHigh",
        "PaymentFailures",
        "ApiDown",
    } <= names
    exposed = {
        "tailtribe_requests_total",
        "tailtribe_request_duration_seconds_bucket",
        "tailtribe_db_connections",
        "tailtribe_db_max_connections",
        "tailtribe_payments_failed_total",
        "tailtribe_payments_authorized_total",
        "tailtribe_outbox_backlog",
        "tailtribe_outbox_oldest_due_seconds",
        "tailtribe_emails_failed",
        "tailtribe_webhooks_unprocessed",
        "tailtribe_payouts_held",
        "up",
    }
    for rule in rules:
        used = set(re.findall(r"\b(tailtribe_\w+|up)\b", rule["expr"]))
        assert used and used <= exposed, (rule["alert"], used - exposed)


async def test_readiness_names_the_failing_dependency(
    pg_url: str, make_client: ClientFactory
) -> None:
    await (await empty_database(pg_url)).get_engine().dispose()
    async with make_client(database_url=pg_url, **TEST_MODE) as c:
        ready = await c.get("/api/ready")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ok", "checks": {"database": "ok", "queue": "ok"}}
        api = api_for(c)
        await _outbox_row(api, "pending", timedelta(minutes=20))  # a worker stopped 20 min ago
        await api.container.close()
        stalled = await c.get("/api/ready")
        assert stalled.status_code == 503
        assert stalled.json()["checks"]["queue"].startswith("error")
        assert (await c.get("/api/health")).status_code == 200  # alive, just not ready
    async with make_client(
        database_url=pg_url, redis_url="redis://127.0.0.1:1/0", **TEST_MODE
    ) as c:
        down = await c.get("/api/ready")
        assert down.status_code == 503 and down.json()["checks"]["redis"] != "ok"
        # Its rate limiter cannot count: a 500, counted as one, with its request id.
        failing = await c.get("/api/v1/pets")
        assert failing.status_code == 500 and failing.headers["x-request-id"]
        text = (await c.get("/metrics")).text
        assert re.search(
            r'tailtribe_requests_total\{[^}]*path="/api/v1/pets",status_code="500"\}', text
        )
        assert re.search(r'tailtribe_requests_error_total\{[^}]*path="/api/v1/pets"', text)


async def test_security_headers_cors_and_the_body_limit(
    pg_url: str, make_client: ClientFactory
) -> None:
    async with make_client(
        database_url=pg_url, cors_allowed_origins=("https://tailtribe.be",), **TEST_MODE
    ) as c:
        for response in (
            await c.get("/api/health"),
            await c.get("/api/v1/nothing-here"),
            await c.get("/api/v1/me"),
        ):
            assert (
                response.headers["content-security-policy"]
                == "default-src 'none'; frame-ancestors 'none'"
            )
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "no-referrer"
            assert "strict-transport-security" not in response.headers  # not in test mode
        docs = await c.get("/schema")
        assert "script-src" in docs.headers["content-security-policy"]
        allowed = await c.options(
            "/api/v1/auth/login",
            headers={"Origin": "https://tailtribe.be", "Access-Control-Request-Method": "POST"},
        )
        assert allowed.headers["access-control-allow-origin"] == "https://tailtribe.be"
        other = await c.get("/api/health", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        huge = await c.post(
            "/api/v1/auth/register",
            content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
            headers={"Content-Type": "application/json"},
        )
        assert huge.status_code == 413
    async with make_client(database_url=pg_url, env=Environment.PRODUCTION) as c:
        hsts = (await c.get("/api/health")).headers["strict-transport-security"]
        assert hsts.startswith("max-age=") and int(hsts.split("=")[1].split(";")[0]) >= 31536000


async def _money_waiting_for_admins(api: Api) -> None:
    """A held payout, a Stripe event that failed to apply 10 minutes ago and a fresh one."""
    factory = await api.container.get(async_sessionmaker[AsyncSession])
    async with factory() as session:
        await session.execute(update(BookingRow).values(payout_status="held"))
        for minutes in (10, 1):
            session.add(
                WebhookEventRow(
                    id=f"evt_stuck_{minutes}",
                    type="charge.refunded",
                    payload="{}",
                    received_at=datetime.now(UTC) - timedelta(minutes=minutes),
                    attempts=3,
                )
            )
        await session.commit()


async def _outbox_row(api: Api, status: str, age: timedelta) -> None:
    """An email row of that status, due `age` ago."""
    factory = await api.container.get(async_sessionmaker[AsyncSession])
    async with factory() as session:
        at = datetime.now(UTC) - age
        session.add(
            OutboxRow(
                topic="email.verify_email",
                payload={},
                created_at=at,
                available_at=at,
                status=status,
                attempts=8 if status == "failed" else 0,
            )
        )
        await session.commit()
