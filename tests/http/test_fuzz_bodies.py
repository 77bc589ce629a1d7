"""Random valid and invalid bodies never make the API fail with a 5xx."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from httpx import Response
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient

from tailtribe.config import Environment, Settings
from tailtribe.domain.services.accounts.create_admin import CreateAdmin
from tailtribe.entrypoints.http.app import create_app
from tailtribe.ioc import make_container
from tests.http.conftest import ClientFactory, api_for
from tests.http.payments_support import stored_event
from tests.support import (
    AVAILABILITY,
    PASSWORD,
    PET_BODY,
    PROFILE,
    SERVICES,
    CheapHashing,
    stripe_signature,
)

# Strings that break naive code: control characters, extreme dates, huge numbers.
odd_strings = st.sampled_from(
    ["\x00", "a\x00b", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-12:00", "1e309", "-1", ""]
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def mutations(valid: Any) -> st.SearchStrategy[Any]:
    """The valid body, or it with one field dropped, replaced or added, at any depth."""
    if isinstance(valid, list) and valid:
        nested = st.tuples(st.integers(0, len(valid) - 1), st.deferred(lambda: mutations(valid[0])))
        changed = nested.map(lambda iv: [iv[1] if i == iv[0] else v for i, v in enumerate(valid)])
        return st.one_of(st.just(valid), changed, json_values, st.lists(json_values, max_size=3))
    if not isinstance(valid, dict):
        return st.one_of(
            st.just(valid), json_values, odd_strings, st.lists(json_values, max_size=3)
        )
    keys = sorted(valid)
    dropped = st.sampled_from(keys).map(lambda k: {f: v for f, v in valid.items() if f != k})
    replaced = st.tuples(st.sampled_from(keys), json_values).map(lambda kv: {**valid, kv[0]: kv[1]})
    added = st.tuples(st.text(max_size=10), json_values).map(lambda kv: {**valid, kv[0]: kv[1]})
    deeper = st.sampled_from(keys).flatmap(
        lambda k: mutations(valid[k]).map(lambda v: {**valid, k: v})
    )
    return st.one_of(st.just(valid), dropped, replaced, added, deeper, json_values)


TOKEN_BODY = {"token": "x" * 43}
ENDPOINTS: list[tuple[str, str, Any]] = [
    (
        "POST",
        "/api/v1/auth/register",
        {"email": "fuzz@example.be", "password": PASSWORD, "full_name": "F"},
    ),
    ("POST", "/api/v1/auth/login", {"email": "fuzz@example.be", "password": PASSWORD}),
    ("POST", "/api/v1/auth/verify-email", TOKEN_BODY),
    ("POST", "/api/v1/auth/password-reset", {"email": "fuzz@example.be"}),
    ("POST", "/api/v1/auth/password-reset/confirm", {**TOKEN_BODY, "new_password": PASSWORD}),
    ("POST", "/api/v1/pets", PET_BODY),
    ("PATCH", "/api/v1/pets/{pet}", PET_BODY),
    ("PATCH", "/api/v1/caregiver/profile", PROFILE),
    ("PUT", "/api/v1/caregiver/services", SERVICES),
    ("PUT", "/api/v1/caregiver/availability", AVAILABILITY),
    ("POST", "/api/v1/admin/caregivers/{cg}/reject", {"reason": "incomplete"}),
    ("POST", "/api/stripe/webhook", {"id": "evt_1", "type": "account.updated"}),
]


async def _make_admin(settings: Settings, email: str) -> None:
    container = make_container(settings, CheapHashing())
    try:
        async with container() as scope:
            await (await scope.get(CreateAdmin))(email, PASSWORD)
    finally:
        await container.close()


@pytest.fixture(scope="module")
def fuzz_client(
    pg_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient[Litestar], dict[str, str], dict[str, str]]]:
    settings = replace(
        Settings(data_dir=tmp_path_factory.mktemp("fuzz")),
        database_url=pg_url,
        rate_limit_per_minute=1_000_000,
        auth_rate_limit_per_minute=1_000_000,
    )
    app = create_app(settings, make_container(settings, CheapHashing()))
    email = f"fuzzer-{uuid.uuid4().hex[:8]}@example.be"
    # An admin (who is also owner and, below, caregiver): every endpoint gets past its guard.
    asyncio.run(_make_admin(settings, email))
    with TestClient(app=app) as client:
        token = client.post(
            "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
        ).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        pet = client.post("/api/v1/pets", json=PET_BODY, headers=headers).json()
        profile = client.post("/api/v1/caregiver/profile", json={}, headers=headers).json()
        yield client, headers, {"pet": pet["id"], "cg": profile["id"]}


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_no_body_makes_a_5xx(
    fuzz_client: tuple[TestClient[Litestar], dict[str, str], dict[str, str]], data: st.DataObject
) -> None:
    client, headers, ids = fuzz_client
    method, path, valid = data.draw(st.sampled_from(ENDPOINTS))
    body = data.draw(mutations(valid))
    response = client.request(method, path.format(**ids), json=body, headers=headers)
    assert response.status_code < 500, (method, path, body, response.text)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=200), endpoint=st.sampled_from(ENDPOINTS))
def test_no_raw_bytes_make_a_5xx(
    fuzz_client: tuple[TestClient[Litestar], dict[str, str], dict[str, str]],
    raw: bytes,
    endpoint: tuple[str, str, Any],
) -> None:
    client, headers, ids = fuzz_client
    method, path, _ = endpoint
    response = client.request(
        method,
        path.format(**ids),
        content=raw,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code < 500, (method, path, raw, response.text)


# -- bodies no JSON decoder takes ----------------------------------------------

DEPTH = 20_000


def undecodable(valid: dict[str, Any]) -> dict[str, bytes]:
    """The valid body with its first field made a raw 0xFF byte inside a string
    (not UTF-8), or a list nested far deeper than any decoder recurses."""
    field = sorted(valid)[0]
    marked = json.dumps({**valid, field: "MARK"}).encode()
    return {
        "invalid utf-8": marked.replace(b'"MARK"', b'"\xff@x.io"'),
        "deep nesting": marked.replace(b'"MARK"', b"[" * DEPTH + b"]" * DEPTH),
        "deep top level": b"[" * DEPTH + b"]" * DEPTH,
    }


def assert_quiet_400(response: Response, caplog: pytest.LogCaptureFixture, case: object) -> None:
    """A 400 in problem details, and nothing logged as an error (no traceback
    in the logs nor in Sentry)."""
    assert response.status_code == 400, (case, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 400 and body["title"] and body["detail"]
    loud = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not loud, (case, [r.getMessage() for r in loud])


@pytest.mark.parametrize("env", [Environment.TEST, Environment.PRODUCTION])
async def test_undecodable_bodies_are_a_400_without_a_traceback(
    pg_url: str, make_client: ClientFactory, env: Environment, caplog: pytest.LogCaptureFixture
) -> None:
    async with make_client(
        env=env,
        database_url=pg_url,
        direct_url=pg_url,
        rate_limit_per_minute=100_000,
        auth_rate_limit_per_minute=100_000,
    ) as client:
        api = api_for(client)
        try:
            _, headers = await api.new_user()
        finally:
            await api.container.close()
        before = _error_counts((await client.get("/metrics")).text)
        caplog.clear()
        register = {"email": "fuzz@example.be", "password": PASSWORD, "full_name": "F"}
        endpoints = [
            ("/api/v1/auth/login", {"email": "fuzz@example.be", "password": PASSWORD}),
            ("/api/v1/auth/register", register),
            ("/api/v1/auth/password-reset", {"email": "fuzz@example.be"}),
            ("/api/v1/pets", PET_BODY),
        ]
        for path, valid in endpoints:
            for case, raw in undecodable(valid).items():
                caplog.clear()
                with caplog.at_level(logging.INFO):
                    response = await client.post(
                        path,
                        content=raw,
                        headers={**headers, "Content-Type": "application/json"},
                    )
                assert_quiet_400(response, caplog, (path, case))
        # The error-rate alert reads these: each was counted a 400, none a 5xx.
        after = _error_counts((await client.get("/metrics")).text)
        assert after["5xx"] == before["5xx"]
        assert after["400"] - before["400"] == 3 * len(endpoints)


def _error_counts(metrics: str) -> dict[str, float]:
    """Requests answered 400 and 5xx on the routes above, from /metrics."""
    counts = {"400": 0.0, "5xx": 0.0}
    for line in metrics.splitlines():
        if line.startswith("tailtribe_requests_total{") and (
            "/api/v1/auth/" in line or 'path="/api/v1/pets"' in line
        ):
            status = line.split('status_code="')[1][:3]
            key = "5xx" if status.startswith("5") else status
            if key in counts:
                counts[key] += float(line.rsplit(" ", 1)[1])
    return counts


def spoiled(raw: bytes, at: int, how: str) -> bytes:
    if how == "0xff after a quote" and b'"' in raw:
        quotes = [i for i, byte in enumerate(raw) if byte == ord('"')]
        cut = quotes[at % len(quotes)] + 1
        return raw[:cut] + b"\xff" + raw[cut:]
    return b"[" * DEPTH + raw + b"]" * DEPTH


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_undecodable_bodies_are_a_400_on_every_endpoint(
    fuzz_client: tuple[TestClient[Litestar], dict[str, str], dict[str, str]], data: st.DataObject
) -> None:
    client, headers, ids = fuzz_client
    method, path, valid = data.draw(st.sampled_from(ENDPOINTS))
    raw = spoiled(
        json.dumps(data.draw(mutations(valid))).encode(),
        data.draw(st.integers(0, 1000)),
        data.draw(st.sampled_from(["0xff after a quote", "nested deep"])),
    )
    response = client.request(
        method,
        path.format(**ids),
        content=raw,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400, (method, path, raw[:200], response.text)
    assert response.headers["content-type"].startswith("application/problem+json")


# -- signed webhooks that are not usable events --------------------------------


def _event(**fields: Any) -> dict[str, Any]:
    return {
        "id": f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "type": "account.updated",
        "created": int(time.time()),
        "data": {"object": {"id": "acct_1", "object": "account", "payouts_enabled": True}},
        **fields,
    }


def _signed(payload: bytes, at: int | None = None) -> dict[str, str]:
    return {
        "Stripe-Signature": stripe_signature(payload, at=at),
        "Content-Type": "application/json",
    }


def unusable_webhooks() -> dict[str, tuple[bytes, dict[str, str]]]:
    """Bodies signed with the right secret, that still cannot be events."""
    deep = json.dumps(_event(data="MARK")).encode()
    deep = deep.replace(b'"MARK"', b'{"object": ' + b"[" * DEPTH + b"]" * DEPTH + b"}")
    now = int(time.time())
    cases = {
        "created far beyond any date": json.dumps(_event(created=1e20)).encode(),
        "created a huge integer": json.dumps(_event(created=10**30)).encode(),
        "deep nesting": deep,
        "invalid utf-8": json.dumps(_event(type="MARK")).encode().replace(b"MARK", b"\xff"),
        "type longer than any Stripe type": json.dumps(_event(type="a." * 60)).encode(),
        "id with a NUL": json.dumps(_event(id="evt_\x00")).encode(),
    }
    signed = {name: (payload, _signed(payload)) for name, payload in cases.items()}
    fresh = json.dumps(_event()).encode()
    signed["signed a day ahead"] = (fresh, _signed(fresh, at=now + 86_400))
    signed["signed beyond the tolerance ahead"] = (fresh, _signed(fresh, at=now + 400))
    signed["signed a day ago"] = (fresh, _signed(fresh, at=now - 86_400))
    # The SDK reads the first t=: a later, current one cannot vouch for it.
    ahead = _signed(fresh, at=now + 86_400)
    ahead["Stripe-Signature"] += f",t={now}"
    signed["a day ahead, then a current t="] = (fresh, ahead)
    return signed


@pytest.mark.parametrize("env", [Environment.TEST, Environment.PRODUCTION])
async def test_signed_but_unusable_webhooks_are_a_400_and_not_stored(
    pg_url: str, make_client: ClientFactory, env: Environment, caplog: pytest.LogCaptureFixture
) -> None:
    async with make_client(env=env, database_url=pg_url, direct_url=pg_url) as client:
        api = api_for(client)
        try:
            for case, (payload, headers) in unusable_webhooks().items():
                caplog.clear()
                with caplog.at_level(logging.INFO):
                    response = await client.post(
                        "/api/stripe/webhook", content=payload, headers=headers
                    )
                assert_quiet_400(response, caplog, case)
                if b"\xff" not in payload and b"[[[" not in payload:
                    event_id = json.loads(payload)["id"]
                    # (PostgreSQL cannot even be asked about an id holding a NUL.)
                    if event_id.isprintable():
                        assert await stored_event(api, event_id) is None, case
            # Signed now, within the tolerance either way, the same event is taken.
            fresh = json.dumps(_event()).encode()
            ahead = await client.post(
                "/api/stripe/webhook", content=fresh, headers=_signed(fresh, int(time.time()) + 60)
            )
            assert ahead.status_code == 200, ahead.text
            assert await stored_event(api, json.loads(fresh)["id"]) is not None
        finally:
            await api.container.close()
