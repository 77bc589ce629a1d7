"""Registration, login, verification, password reset, /me: through HTTP on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailtribe.adapters.sqlalchemy.tables import UserRow
from tailtribe.domain.services.outbox import (
    EMAIL_ACCOUNT_EXISTS,
    EMAIL_PASSWORD_RESET,
    EMAIL_VERIFY,
)
from tests.http.conftest import ClientFactory, api_for
from tests.support import PASSWORD, Api

DEVICE_COOKIE = "tailtribe_device"


async def test_register_login_me(api: Api) -> None:
    user = await api.register("An.Janssens@Example.BE", full_name="An Janssens", locale="fr")
    assert user["email"] == "an.janssens@example.be"
    assert user["roles"] == ["owner"]
    assert user["email_verified"] is False
    assert user["locale"] == "fr"
    assert "password" not in str(user) and "hash" not in str(user)

    response = await api.client.post(
        "/api/v1/auth/login", json={"email": "AN.JANSSENS@example.be", "password": PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 12 * 3600
    me = await api.client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json() == user


async def test_default_locale_is_dutch(api: Api) -> None:
    assert (await api.register())["locale"] == "nl"


async def test_a_taken_email_answers_like_a_new_account_and_tells_its_owner(api: Api) -> None:
    """Registration tells nobody whether an address has an account: the
    existing account gets an email instead, and stays as it was."""
    pieter = await api.register("pieter@example.be", full_name="Pieter")
    fresh = await api.register("fresh@example.be", full_name="Other")
    response = await api.client.post(
        "/api/v1/auth/register",
        json={"email": "PIETER@example.be", "password": PASSWORD, "full_name": "Other"},
    )
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    taken = response.json()
    assert taken.keys() == fresh.keys()
    assert {k: v for k, v in taken.items() if k not in ("id", "email")} == {
        k: v for k, v in fresh.items() if k not in ("id", "email")
    }
    assert taken["email"] == "pieter@example.be" and taken["id"] != pieter["id"]
    assert await api.email_count(EMAIL_ACCOUNT_EXISTS, pieter["id"]) == 1
    headers = await api.login("pieter@example.be")
    assert (await api.client.get("/api/v1/me", headers=headers)).json() == pieter


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": PASSWORD, "full_name": "X"},
        {"email": "a@example.be", "password": "short", "full_name": "X"},
        {"email": "a@example.be", "password": PASSWORD, "full_name": ""},
        {"email": "a@example.be", "password": PASSWORD, "full_name": "X" * 101},
        {"email": "a@example.be", "password": PASSWORD, "full_name": "X", "locale": "de"},
        {"email": "a@example.be", "password": PASSWORD, "full_name": "X", "roles": ["admin"]},
        {"email": "a@example.be", "password": PASSWORD},
        {"email": 42, "password": PASSWORD, "full_name": "X"},
        {"email": "a@example.be", "password": "p" * 257, "full_name": "X"},
        {"email": "a@example.be", "password": PASSWORD, "full_name": "Bad\x00name"},
        # Contact details in a name the caregiver sees before any booking.
        {"email": "a@example.be", "password": PASSWORD, "full_name": "Call 0470 12 34 56"},
        {"email": "a@example.be", "password": PASSWORD, "full_name": "An an@example.be"},
        {"email": "a@example.be", "password": PASSWORD, "full_name": "An www.an-hond.be"},
        # Invisible or direction-changing characters.
        {"email": "a@example.be", "password": PASSWORD, "full_name": "\u200b\u200b\u200b"},
        {"email": "a@example.be", "password": PASSWORD, "full_name": "An \u202eJanssens"},
        {"email": "a@example.be", "password": PASSWORD, "full_name": "\u2066An\u2069"},
        {"email": "a@example.be", "password": PASSWORD, "full_name": "An\ufeff"},
        {"email": "a@example.be", "password": PASSWORD, "full_name": "\u3164"},
        {"email": "a@example.be", "password": PASSWORD, "full_name": "\u0301\u0301"},
    ],
)
async def test_bad_registrations_are_refused_and_store_nothing(
    api: Api, body: dict[str, object]
) -> None:
    response = await api.client.post("/api/v1/auth/register", json=body)
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"]
    login = await api.client.post(
        "/api/v1/auth/login", json={"email": "a@example.be", "password": PASSWORD}
    )
    assert login.status_code == 401


async def test_a_refused_name_names_the_field(api: Api) -> None:
    response = await api.client.post(
        "/api/v1/auth/register",
        json={"email": "a@example.be", "password": PASSWORD, "full_name": "Bel 0470123456"},
    )
    assert response.status_code == 422, response.text
    assert "full_name" in response.text


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("Anne-Marie O'Neil", "Anne-Marie O'Neil"),
        ("Ægir", "Ægir"),
        ("Zoë Van den Broeck", "Zoë Van den Broeck"),
        ("محمد العلي", "محمد العلي"),
        ("山田　太郎", "山田　太郎"),
        ("Nguyễn Văn An", "Nguyễn Văn An"),
        ("Louis XIV", "Louis XIV"),
        ("Jan 2", "Jan 2"),
        ("Cafe\u0301", "Caf\u00e9"),  # one composed character, as the same name is typed elsewhere
        ("  Jo  ", "Jo"),
    ],
)
async def test_real_names_are_accepted_in_composed_form(api: Api, given: str, stored: str) -> None:
    user = await api.register(full_name=given)
    assert user["full_name"] == stored


async def test_wrong_password_and_unknown_email_answer_alike(api: Api) -> None:
    await api.register("known@example.be")
    wrong = await api.client.post(
        "/api/v1/auth/login", json={"email": "known@example.be", "password": "x" * 12}
    )
    unknown = await api.client.post(
        "/api/v1/auth/login", json={"email": "nobody@example.be", "password": "x" * 12}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_bad_tokens_are_401(api: Api) -> None:
    for header in ("Bearer nonsense", "Bearer ", "Basic abc", ""):
        response = await api.client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_email_verification_is_single_use(api: Api) -> None:
    user, headers = await api.new_user()
    token = await api.email_token(EMAIL_VERIFY, user["id"])
    assert (
        await api.client.post("/api/v1/auth/verify-email", json={"token": token})
    ).status_code == 204
    assert (await api.client.get("/api/v1/me", headers=headers)).json()["email_verified"] is True
    again = await api.client.post("/api/v1/auth/verify-email", json={"token": token})
    assert again.status_code == 422
    forged = await api.client.post("/api/v1/auth/verify-email", json={"token": token[:-2] + "xx"})
    assert forged.status_code == 422


async def test_password_reset_changes_the_password_and_revokes_old_tokens(api: Api) -> None:
    user, old_headers = await api.new_user()
    response = await api.client.post("/api/v1/auth/password-reset", json={"email": user["email"]})
    assert response.status_code == 202
    token = await api.email_token(EMAIL_PASSWORD_RESET, user["id"])
    # A verification token is no reset token.
    verify = await api.email_token(EMAIL_VERIFY, user["id"])
    wrong_kind = await api.client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": verify, "new_password": "a new password!"},
    )
    assert wrong_kind.status_code == 422

    confirm = await api.client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "new_password": "a new password!"},
    )
    assert confirm.status_code == 204
    assert (await api.client.get("/api/v1/me", headers=old_headers)).status_code == 401
    assert (
        await api.client.post(
            "/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}
        )
    ).status_code == 401
    new_headers = await api.login(user["email"], "a new password!")
    me = (await api.client.get("/api/v1/me", headers=new_headers)).json()
    assert me["email_verified"] is True  # the reset link proved the mailbox
    reuse = await api.client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "new_password": "another one!!"},
    )
    assert reuse.status_code == 422


async def test_password_reset_says_nothing_about_unknown_addresses(api: Api) -> None:
    response = await api.client.post(
        "/api/v1/auth/password-reset", json={"email": "ghost@example.be"}
    )
    assert response.status_code == 202


async def test_failed_logins_lock_the_account_for_a_while(
    pg_url: str, make_client: ClientFactory
) -> None:
    async with make_client(
        database_url=pg_url, login_failures_per_account=3, auth_rate_limit_per_minute=1000
    ) as client:
        api = api_for(client)
        user = await api.register()
        bad = {"email": user["email"], "password": "wrong password"}
        for _ in range(3):
            assert (await client.post("/api/v1/auth/login", json=bad)).status_code == 401
        locked = await client.post(
            "/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}
        )
        assert locked.status_code == 429
        assert 0 < int(locked.headers["retry-after"]) <= 15 * 60
        assert locked.headers["content-type"].startswith("application/problem+json")
        # Another account from the same client is not affected.
        other = await api.register()
        assert (
            await client.post(
                "/api/v1/auth/login", json={"email": other["email"], "password": PASSWORD}
            )
        ).status_code == 200


async def test_auth_endpoints_are_rate_limited_per_client(
    pg_url: str, make_client: ClientFactory
) -> None:
    async with make_client(database_url=pg_url, auth_rate_limit_per_minute=5) as client:
        statuses = [
            (
                await client.post(
                    "/api/v1/auth/login",
                    json={"email": f"x{i}@example.be", "password": "whatever!!"},
                )
            ).status_code
            for i in range(7)
        ]
        assert statuses[:5] == [401] * 5
        assert statuses[5:] == [429, 429]
        limited = await client.post(
            "/api/v1/auth/login", json={"email": "y@example.be", "password": "whatever!!"}
        )
        assert int(limited.headers["retry-after"]) > 0
        # The stricter limit is for the account endpoints only.
        assert (await client.get("/api/health")).status_code == 200


async def test_every_endpoint_is_rate_limited_but_the_webhook(
    pg_url: str, make_client: ClientFactory
) -> None:
    async with make_client(database_url=pg_url, rate_limit_per_minute=3) as client:
        statuses = [(await client.get("/api/v1/me")).status_code for _ in range(5)]
        assert statuses == [401, 401, 401, 429, 429]
        webhook = [
            (await client.post("/api/stripe/webhook", content=b"{}")).status_code for _ in range(5)
        ]
        assert webhook == [400] * 5


async def test_me_needs_a_token(client: AsyncTestClient[Litestar]) -> None:
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_a_reset_kills_every_other_reset_link(api: Api) -> None:
    user = await api.register()
    for _ in range(2):
        await api.client.post("/api/v1/auth/password-reset", json={"email": user["email"]})
    older, newest = await api.email_tokens(EMAIL_PASSWORD_RESET, user["id"])
    body = {"token": newest, "new_password": "first new password"}
    assert (
        await api.client.post("/api/v1/auth/password-reset/confirm", json=body)
    ).status_code == 204
    stale = {"token": older, "new_password": "attacker password"}
    assert (
        await api.client.post("/api/v1/auth/password-reset/confirm", json=stale)
    ).status_code == 422
    await api.login(user["email"], "first new password")


async def test_behind_a_proxy_clients_are_told_apart_by_its_header(
    pg_url: str, make_client: ClientFactory
) -> None:
    async with make_client(
        database_url=pg_url, rate_limit_per_minute=2, client_ip_header="X-Forwarded-For"
    ) as client:
        a = {"X-Forwarded-For": "spoofed, 198.51.100.7"}
        b = {"X-Forwarded-For": "198.51.100.8"}
        assert [(await client.get("/api/v1/me", headers=a)).status_code for _ in range(3)] == [
            401,
            401,
            429,
        ]
        assert (await client.get("/api/v1/me", headers=b)).status_code == 401


async def _status_over_asgi(app: Litestar, path: str, headers: list[tuple[str, str]]) -> int:
    """One request straight through ASGI, header lines kept apart as a server
    gives them (the test client would join repeated lines into one)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
        "client": ("10.0.0.2", 40000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    await app(scope, receive, send)  # type: ignore[arg-type]
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    assert isinstance(status, int)
    return status


async def test_behind_a_proxy_a_client_cannot_choose_its_key_with_a_header_line_of_its_own(
    pg_url: str, make_client: ClientFactory
) -> None:
    """The proxy appends its own line after the client's: every line counts, in order."""
    async with make_client(
        database_url=pg_url, rate_limit_per_minute=2, client_ip_header="X-Forwarded-For"
    ) as client:
        codes = [
            await _status_over_asgi(
                client.app,
                "/api/v1/me",
                [("X-Forwarded-For", f"203.0.113.{i}"), ("X-Forwarded-For", "198.51.100.7")],
            )
            for i in range(3)
        ]
        assert codes == [401, 401, 429]


async def test_behind_two_proxies_the_entry_of_the_outer_one_is_the_client(
    pg_url: str, make_client: ClientFactory
) -> None:
    async with make_client(
        database_url=pg_url,
        rate_limit_per_minute=2,
        client_ip_header="X-Forwarded-For",
        client_ip_trusted_hops=2,
    ) as client:
        codes = [
            (
                await client.get(
                    "/api/v1/me",
                    headers={"X-Forwarded-For": f"203.0.113.{i}, 198.51.100.7, 10.0.0.2"},
                )
            ).status_code
            for i in range(3)
        ]
        assert codes == [401, 401, 429]
        other = {"X-Forwarded-For": "198.51.100.8, 10.0.0.2"}
        assert (await client.get("/api/v1/me", headers=other)).status_code == 401


async def test_malformed_addresses_match_no_account(api: Api) -> None:
    for email in ("a\x00b@example.be", "x" * 300 + "@example.be", "not an address"):
        login = await api.client.post(
            "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
        )
        assert login.status_code in (400, 401), email  # 400: longer than any address
        reset = await api.client.post("/api/v1/auth/password-reset", json={"email": email})
        assert reset.status_code in (202, 400), email


async def test_reset_emails_are_capped_per_address_and_answered_alike(api: Api) -> None:
    user = await api.register()
    answers = set()
    for email in [user["email"]] * 6 + ["ghost@example.be"] * 6:
        response = await api.client.post("/api/v1/auth/password-reset", json={"email": email})
        answers.add((response.status_code, response.content, response.headers["content-type"]))
    assert len(answers) == 1 and next(iter(answers))[0] == 202
    assert await api.email_count(EMAIL_PASSWORD_RESET, user["id"]) == 3


async def test_a_locked_account_still_opens_on_a_client_that_signed_in_before(
    pg_url: str, make_client: ClientFactory
) -> None:
    async with make_client(
        database_url=pg_url, login_failures_per_account=3, auth_rate_limit_per_minute=1000
    ) as client:
        api = api_for(client)
        user = await api.register()
        good = {"email": user["email"], "password": PASSWORD}
        first = await client.post("/api/v1/auth/login", json=good)
        device = first.headers["tailtribe-device"]
        cookie = first.headers["set-cookie"]
        assert f"{DEVICE_COOKIE}={device}" in cookie
        assert "HttpOnly" in cookie and "Path=/api/v1/auth" in cookie
        # Someone else, with no device token, guesses until the account locks.
        client.cookies.clear()
        bad = {"email": user["email"], "password": "wrong password"}
        for _ in range(3):
            assert (await client.post("/api/v1/auth/login", json=bad)).status_code == 401
        assert (await client.post("/api/v1/auth/login", json=good)).status_code == 429
        forged = {"TailTribe-Device": device[:-2] + "xx"}
        assert (
            await client.post("/api/v1/auth/login", json=good, headers=forged)
        ).status_code == 429
        # The owner's app (header) and browser (cookie) still sign in.
        mobile = await client.post(
            "/api/v1/auth/login", json=good, headers={"TailTribe-Device": device}
        )
        assert mobile.status_code == 200
        client.cookies.set(DEVICE_COOKIE, device)
        assert (await client.post("/api/v1/auth/login", json=good)).status_code == 200
        # And from a new client, a password reset lifts the lock.
        client.cookies.clear()
        assert (await client.post("/api/v1/auth/login", json=good)).status_code == 429
        await client.post("/api/v1/auth/password-reset", json={"email": user["email"]})
        token = await api.email_token(EMAIL_PASSWORD_RESET, user["id"])
        body = {"token": token, "new_password": "a new password!"}
        assert (
            await client.post("/api/v1/auth/password-reset/confirm", json=body)
        ).status_code == 204
        await api.login(user["email"], "a new password!")
        await api.container.close()


async def _set_clock(api: Api, now: datetime) -> None:
    response = await api.client.put("/api/v1/test/clock", json={"now": now.isoformat()})
    assert response.status_code == 200, response.text


async def _change_user_elsewhere(api: Api, user_id: str, **values: object) -> None:
    """As another process would: straight in the database, unseen by this one."""
    factory = await api.container.get(async_sessionmaker[AsyncSession])
    async with factory() as session, session.begin():
        await session.execute(update(UserRow).where(UserRow.id == UUID(user_id)).values(**values))


async def test_a_token_revoked_by_a_password_reset_is_refused_once_the_user_cache_expires(
    api: Api,
) -> None:
    """A request reuses the user its token named for USER_CACHE_SECONDS, so a
    reset made without that token (the emailed link) takes up to that long."""
    ttl = timedelta(seconds=api.settings.user_cache_seconds)
    assert ttl > timedelta(0)
    now = datetime.now(UTC)
    await _set_clock(api, now)
    user, headers = await api.new_user()
    assert (await api.client.get("/api/v1/me", headers=headers)).status_code == 200
    assert (
        await api.client.post("/api/v1/auth/password-reset", json={"email": user["email"]})
    ).status_code == 202
    token = await api.email_token(EMAIL_PASSWORD_RESET, user["id"])
    confirm = await api.client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "new_password": "a new password!"},
    )
    assert confirm.status_code == 204
    await _set_clock(api, now + ttl)
    assert (await api.client.get("/api/v1/me", headers=headers)).status_code == 401


async def test_a_change_to_a_user_is_seen_once_the_user_cache_expires(api: Api) -> None:
    ttl = timedelta(seconds=api.settings.user_cache_seconds)
    now = datetime.now(UTC)
    await _set_clock(api, now)
    user, headers = await api.new_user(full_name="Ann Peeters")

    async def name() -> str:
        me = await api.client.get("/api/v1/me", headers=headers)
        return str(me.json()["full_name"])

    assert await name() == "Ann Peeters"
    await _change_user_elsewhere(api, user["id"], full_name="Ann Janssens")
    # The price of the cache: up to the TTL, this process answers from it.
    await _set_clock(api, now + ttl - timedelta(milliseconds=1))
    assert await name() == "Ann Peeters"
    await _set_clock(api, now + ttl)
    assert await name() == "Ann Janssens"


async def test_a_role_granted_elsewhere_opens_its_routes_at_once(api: Api) -> None:
    """A guard reads the user afresh before refusing: a role just granted is
    never refused for a kept user that predates it."""
    user, headers = await api.new_user()
    assert (await api.client.get("/api/v1/me", headers=headers)).json()["roles"] == ["owner"]
    await _change_user_elsewhere(api, user["id"], roles="caregiver,owner")
    profile = await api.client.get("/api/v1/caregiver/profile", headers=headers)
    assert profile.status_code != 403, profile.text
    assert (await api.client.get("/api/v1/me", headers=headers)).json()["roles"] == [
        "owner",
        "caregiver",
    ]
