"""The admin console: sign-in with TOTP, sessions, CSRF, headers and languages."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pyotp
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tailtribe.config import Environment, Settings
from tailtribe.domain.model.users import Role
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.services.accounts.create_admin import CreateAdmin
from tailtribe.entrypoints.http.app import create_app
from tailtribe.entrypoints.http.console.i18n import LANGUAGES, catalog
from tailtribe.entrypoints.http.console.security import SESSION_COOKIE, SESSION_STORE
from tailtribe.ioc import make_container
from tests.conftest import REDIS_URL, empty_database
from tests.support import PASSWORD, CheapHashing

BASE = "https://testserver.local"
T0 = datetime(2026, 12, 4, 10, 0, 0, tzinfo=UTC)
_TOKEN = re.compile(r'name="_csrf_token" value="([^"]+)"')
_SECRET = re.compile(r'data-testid="totp-secret">([A-Z2-7]+)<')
_CODES = re.compile(r"<li><code>([0-9A-Z-]+)</code></li>")

Client = AsyncTestClient[Litestar]


@pytest.fixture
async def settings(pg_url: str, tmp_path: Path) -> Settings:
    await (await empty_database(pg_url)).get_engine().dispose()
    return replace(
        Settings(data_dir=tmp_path),
        env=Environment.TEST,
        database_url=pg_url,
        direct_url=pg_url,
        rate_limit_per_minute=100_000,
        auth_rate_limit_per_minute=100_000,
    )


@pytest.fixture
async def console(settings: Settings) -> AsyncIterator[Client]:
    app = create_app(settings, make_container(settings, CheapHashing()))
    async with AsyncTestClient(app=app, base_url=BASE) as client:
        await set_clock(client, T0)
        yield client


async def set_clock(client: Client, at: datetime) -> None:
    response = await client.put("/api/v1/test/clock", json={"now": at.isoformat()})
    assert response.status_code == 200, response.text


async def new_admin(settings: Settings) -> str:
    email = f"admin-{uuid.uuid4().hex[:8]}@example.be"
    container = make_container(settings, CheapHashing())
    try:
        async with container() as scope:
            await (await scope.get(CreateAdmin))(email, PASSWORD)
    finally:
        await container.close()
    return email


async def token(client: Client, path: str = "/admin/login") -> str:
    response = await client.get(path)
    found = _TOKEN.search(response.text)
    assert found, response.text
    return found.group(1)


async def form(client: Client, path: str, data: dict[str, str], page: str) -> httpx.Response:
    """POST a form as the browser does, with the token of the page it is on."""
    body = {**data, "_csrf_token": await token(client, page)}
    return await client.post(path, data=body, follow_redirects=False)


async def password_step(client: Client, email: str, password: str = PASSWORD) -> httpx.Response:
    return await form(
        client, "/admin/login", {"email": email, "password": password}, "/admin/login"
    )


def code_at(secret: str, at: datetime) -> str:
    return pyotp.TOTP(secret).at(at)


async def enrol(client: Client, email: str) -> tuple[str, list[str]]:
    """Password, enrolment and the first code: a fully signed-in session."""
    response = await password_step(client, email)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/enrol"
    page = await client.get("/admin/enrol")
    assert page.status_code == 200, page.text
    assert "<svg" in page.text
    secret = _SECRET.search(page.text)
    assert secret
    confirmed = await form(
        client, "/admin/enrol", {"code": code_at(secret.group(1), T0)}, "/admin/enrol"
    )
    assert confirmed.status_code == 200, confirmed.text
    codes = _CODES.findall(confirmed.text)
    assert len(codes) == 10
    return secret.group(1), codes


async def sign_out(client: Client) -> None:
    response = await form(client, "/admin/logout", {}, "/admin")
    assert response.status_code == 303


async def test_enrolment_then_totp_sign_in(console: Client, settings: Settings) -> None:
    email = await new_admin(settings)
    secret, _ = await enrol(console, email)
    dashboard = await console.get("/admin")
    assert dashboard.status_code == 200
    assert email.split("@")[0] in dashboard.text  # the admin's name

    session = console.cookies.get("__Host-tt_admin")
    await sign_out(console)
    assert (await console.get("/admin", follow_redirects=False)).headers["location"] == (
        "/admin/login"
    )
    # The old id is gone from the store too: sending it again is no sign-in.
    assert session
    console.cookies.set("__Host-tt_admin", session)
    assert (await console.get("/admin", follow_redirects=False)).status_code == 303
    console.cookies.delete("__Host-tt_admin")

    await set_clock(console, T0 + timedelta(minutes=5))
    response = await password_step(console, email)
    assert response.headers["location"] == "/admin/login/totp"
    # A session past the password only is not signed in.
    refused = await console.get("/admin", follow_redirects=False)
    assert refused.status_code == 303
    assert refused.headers["location"] == "/admin/login"

    response = await password_step(console, email)
    code = code_at(secret, T0 + timedelta(minutes=5))
    passed = await form(console, "/admin/login/totp", {"code": code}, "/admin/login/totp")
    assert passed.status_code == 303
    assert passed.headers["location"] == "/admin"
    assert (await console.get("/admin")).status_code == 200

    # The same code again, in the same time step: refused.
    await sign_out(console)
    await password_step(console, email)
    again = await form(console, "/admin/login/totp", {"code": code}, "/admin/login/totp")
    assert again.status_code == 401
    assert (await console.get("/admin", follow_redirects=False)).status_code == 303


async def test_sessions_live_in_redis_when_configured(settings: Settings) -> None:
    shared = replace(settings, redis_url=REDIS_URL)
    app = create_app(shared, make_container(shared, CheapHashing()))
    async with AsyncTestClient(app=app, base_url=BASE) as client:
        await set_clock(client, T0)
        await enrol(client, await new_admin(shared))
        assert (await client.get("/admin")).status_code == 200
        await sign_out(client)
        assert (await client.get("/admin", follow_redirects=False)).status_code == 303


async def test_a_recovery_code_works_once(console: Client, settings: Settings) -> None:
    email = await new_admin(settings)
    _, codes = await enrol(console, email)
    await sign_out(console)

    await password_step(console, email)
    used = await form(console, "/admin/login/totp", {"code": codes[3]}, "/admin/login/totp")
    assert used.status_code == 303
    assert (await console.get("/admin")).status_code == 200
    await sign_out(console)

    await password_step(console, email)
    again = await form(console, "/admin/login/totp", {"code": codes[3]}, "/admin/login/totp")
    assert again.status_code == 401
    # Typed in lower case without the dash, another code still works.
    other = codes[4].replace("-", "").lower()
    assert (
        await form(console, "/admin/login/totp", {"code": other}, "/admin/login/totp")
    ).status_code == 303


async def test_wrong_codes_lock_the_account_out(console: Client, settings: Settings) -> None:
    email = await new_admin(settings)
    secret, _ = await enrol(console, email)
    await sign_out(console)
    await password_step(console, email)
    statuses = []
    for _ in range(settings.login_failures_per_account + 1):
        response = await form(console, "/admin/login/totp", {"code": "000000"}, "/admin/login/totp")
        statuses.append(response.status_code)
    assert statuses[-1] == 429
    assert "Retry-After" in response.headers
    # Locked out: even the right code is refused now.
    right = code_at(secret, T0 + timedelta(seconds=30))
    await set_clock(console, T0 + timedelta(seconds=30))
    locked = await form(console, "/admin/login/totp", {"code": right}, "/admin/login/totp")
    assert locked.status_code == 429


async def test_a_non_admin_is_refused_like_a_wrong_password(
    console: Client, settings: Settings
) -> None:
    email = f"owner-{uuid.uuid4().hex[:8]}@example.be"
    registered = await console.post(
        "/api/v1/auth/register",
        json={"email": email, "password": PASSWORD, "full_name": "Owner"},
    )
    assert registered.status_code == 201, registered.text
    non_admin = await password_step(console, email)
    wrong = await password_step(console, await new_admin(settings), "not the password")
    assert non_admin.status_code == wrong.status_code == 401
    assert _strip_tokens(non_admin.text) == _strip_tokens(
        wrong.text.replace(_value_of_email(wrong.text), email)
    )
    assert (await console.get("/admin/enrol", follow_redirects=False)).headers["location"] == (
        "/admin/login"
    )


def _value_of_email(html: str) -> str:
    found = re.search(r'name="email" type="email" [^>]*value="([^"]*)"', html)
    assert found
    return found.group(1)


def _strip_tokens(html: str) -> str:
    return re.sub(r'"[0-9a-f]{64,}"', '""', html)


async def test_csrf_is_required_and_nothing_changes_without_it(
    console: Client, settings: Settings
) -> None:
    email = await new_admin(settings)
    await enrol(console, email)
    # Sign-out without a token, with a forged one, and cross-site (no cookie, no token).
    missing = await console.post("/admin/logout", follow_redirects=False)
    forged = await console.post(
        "/admin/logout", data={"_csrf_token": "f" * 128}, follow_redirects=False
    )
    header = await console.post(
        "/admin/logout", headers={"x-csrftoken": "0" * 128}, follow_redirects=False
    )
    assert missing.status_code == forged.status_code == header.status_code == 403
    # Still signed in: nothing happened.
    assert (await console.get("/admin")).status_code == 200
    # Another site's form: with SameSite=Strict the browser would not even
    # send the cookies; sent anyway (the session's, not the CSRF one), it is refused.
    csrf_cookie = console.cookies.get("__Host-tt_csrf")
    assert csrf_cookie
    console.cookies.delete("__Host-tt_csrf")
    cross = await console.post(
        "/admin/logout", headers={"origin": "https://evil.example"}, follow_redirects=False
    )
    assert cross.status_code == 403
    console.cookies.set("__Host-tt_csrf", csrf_cookie)
    assert (await console.get("/admin")).status_code == 200

    # The API is untouched: no CSRF, no session cookie.
    api = await console.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert api.status_code == 200
    set = " ".join(api.headers.get_list("set-cookie"))
    assert "__Host-tt_admin" not in set and "__Host-tt_csrf" not in set


async def test_headers_and_cookie_attributes(console: Client, settings: Settings) -> None:
    page = await console.get("/admin/login")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "base-uri 'none'" in csp
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "same-origin"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in page.text and "style=" not in page.text

    response = await password_step(console, await new_admin(settings))
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("__Host-tt_admin=")
    )
    attributes = {a.strip().split("=")[0].lower() for a in cookie.split(";")}
    assert {"secure", "httponly", "path"} <= attributes
    assert "samesite=strict" in cookie.lower()
    assert "path=/;" in cookie.lower() or cookie.lower().endswith("path=/")

    static = await console.get("/admin/static/vendor/htmx/htmx.min.js")
    assert static.status_code == 200
    assert "javascript" in static.headers["content-type"]


async def test_session_id_rotates_at_sign_in(console: Client, settings: Settings) -> None:
    await console.post(
        "/admin/language",
        data={"lang": "en", "next": "/admin/login", "_csrf_token": await token(console)},
    )
    before = console.cookies.get("__Host-tt_admin")
    assert before
    await password_step(console, await new_admin(settings))
    after = console.cookies.get("__Host-tt_admin")
    assert after and after != before


async def test_idle_sessions_end(console: Client, settings: Settings) -> None:
    await enrol(console, await new_admin(settings))
    await set_clock(console, T0 + timedelta(minutes=31))
    response = await console.get("/admin", follow_redirects=False)
    assert response.status_code == 303
    htmx = await console.get("/admin", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.status_code == 401


async def test_a_password_change_ends_the_session(console: Client, settings: Settings) -> None:
    email = await new_admin(settings)
    await enrol(console, email)
    container = make_container(settings, CheapHashing())
    try:
        async with container() as scope:
            uow = await scope.get(UnitOfWork)
            async with uow:
                user = await uow.users.get_by_email(email)
                assert user is not None
                user.change_password(None)  # as a reset or an erasure does
                await uow.users.save(user)
                await uow.commit()
    finally:
        await container.close()
    assert (await console.get("/admin", follow_redirects=False)).status_code == 303


async def test_an_admin_role_taken_away_ends_the_session(
    console: Client, settings: Settings
) -> None:
    email = await new_admin(settings)
    await enrol(console, email)
    container = make_container(settings, CheapHashing())
    try:
        async with container() as scope:
            uow = await scope.get(UnitOfWork)
            async with uow:
                user = await uow.users.get_by_email(email)
                assert user is not None
                user.roles = frozenset({Role.OWNER})
                await uow.users.save(user)
                await uow.commit()
    finally:
        await container.close()
    htmx = await console.get("/admin", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.status_code == 403
    assert htmx.headers["hx-redirect"] == "/admin/login"
    # The session ended with that refusal.
    assert (await console.get("/admin", follow_redirects=False)).status_code == 303


async def test_language_switch_changes_the_page(console: Client, settings: Settings) -> None:
    dutch = await console.get("/admin/login", headers={"accept-language": "nl-BE"})
    assert "Wachtwoord" in dutch.text
    for language, word in (("fr", "Mot de passe"), ("en", "Password")):
        switched = await console.post(
            "/admin/language",
            data={"lang": language, "next": "/admin/login", "_csrf_token": await token(console)},
            follow_redirects=False,
        )
        assert switched.headers["location"] == "/admin/login"
        page = await console.get("/admin/login")
        assert word in page.text
        assert f'<html lang="{language}">' in page.text
    # Never off the console.
    away = await console.post(
        "/admin/language",
        data={"lang": "nl", "next": "//evil.example", "_csrf_token": await token(console)},
        follow_redirects=False,
    )
    assert away.headers["location"] == "/admin"


def test_every_language_has_every_text() -> None:
    keys = set(catalog("en"))
    for language in LANGUAGES:
        assert set(catalog(language)) == keys, language


async def test_a_session_written_back_after_signing_out_stays_ended(
    console: Client, settings: Settings
) -> None:
    await enrol(console, await new_admin(settings))
    assert (await console.get("/admin")).status_code == 200
    session_id = console.cookies.get(SESSION_COOKIE)
    assert session_id
    store = console.app.stores.get(SESSION_STORE)
    kept = await store.get(session_id)
    assert kept
    await sign_out(console)
    # A page request still running at the sign-out writes its session back.
    await store.set(session_id, kept)
    console.cookies.set(SESSION_COOKIE, session_id, domain="testserver.local")
    response = await console.get("/admin", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login"
