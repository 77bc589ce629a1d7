"""GET /api/v1/me/security through HTTP: sign-ins by password and Google,
password resets, the new-client email, and only the caller's own events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tailtribe.domain.services.outbox import EMAIL_NEW_SIGN_IN, EMAIL_PASSWORD_RESET
from tests.conftest import empty_database
from tests.http.conftest import ClientFactory, api_for
from tests.http.google_support import consent, google_app
from tests.http.test_clients import FIREFOX_WINDOWS, SAFARI_IPHONE
from tests.http.test_emails import emails_in
from tests.support import PASSWORD, Api

PATH = "/api/v1/me/security"


async def login(api: Api, email: str, user_agent: str) -> dict[str, str]:
    response = await api.client.post(
        "/api/v1/auth/login",
        json={"email": email, "password": PASSWORD},
        headers={"User-Agent": user_agent},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def listed(client: AsyncTestClient[Litestar], auth: dict[str, str], **params: Any) -> Any:
    response = await client.get(PATH, headers=auth, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_sign_ins_are_listed_newest_first_with_a_coarse_client_and_only_ones_own(
    api: Api,
) -> None:
    an = await api.register()
    bo = await api.register()
    await login(api, an["email"], FIREFOX_WINDOWS)
    auth = await login(api, an["email"], SAFARI_IPHONE)
    other = await login(api, bo["email"], FIREFOX_WINDOWS)

    page = await listed(api.client, auth)
    assert (page["total"], page["limit"], page["offset"]) == (2, 20, 0)
    newest, oldest = page["items"]
    assert {k: newest[k] for k in ("kind", "method", "client")} == {
        "kind": "sign_in",
        "method": "password",
        "client": "Safari on iOS",
    }
    assert oldest["client"] == "Firefox on Windows" and newest["at"] >= oldest["at"]
    for item in page["items"]:  # neither the header nor anything of it is kept
        assert "Mozilla" not in item["client"] and "17_5" not in item["client"]

    second = await listed(api.client, auth, limit=1, offset=1)
    assert second["total"] == 2 and [i["id"] for i in second["items"]] == [oldest["id"]]
    theirs = await listed(api.client, other)
    assert theirs["total"] == 1 and theirs["items"][0]["id"] not in {newest["id"], oldest["id"]}

    assert (await api.client.get(PATH)).status_code == 401
    assert (await api.client.get(PATH, headers=auth, params={"limit": 0})).status_code == 400


async def test_a_new_client_is_emailed_once_and_a_known_one_not(
    pg_url: str, make_client: ClientFactory, tmp_path: Path
) -> None:
    await (await empty_database(pg_url)).get_engine().dispose()
    async with make_client(
        database_url=pg_url, rate_limit_per_minute=100_000, auth_rate_limit_per_minute=100_000
    ) as client:
        api = api_for(client)
        user = await api.register(locale="en", full_name="Ann")
        await login(api, user["email"], FIREFOX_WINDOWS)  # the first sign-in: nothing
        await login(api, user["email"], FIREFOX_WINDOWS)
        assert await api.email_count(EMAIL_NEW_SIGN_IN, user["id"]) == 0
        await login(api, user["email"], SAFARI_IPHONE)
        await login(api, user["email"], SAFARI_IPHONE)
        await login(api, user["email"], FIREFOX_WINDOWS)
        assert await api.email_count(EMAIL_NEW_SIGN_IN, user["id"]) == 1

        ran = (await client.post("/api/v1/test/run-due-jobs")).json()["ran"]
        assert ran["outbox.sent"] == 2  # the verification email and this one
        [message] = [
            m for m in emails_in(tmp_path / "emails") if m["Subject"].startswith("New sign-in")
        ]
        text = message.get_body(("plain",))
        assert text is not None
        body = text.get_content()
        assert "Safari on iOS" in body and "with your password" in body
        assert f"{api.settings.app_url}/reset-password" in body
        assert "Mozilla" not in body
        await api.container.close()


async def test_a_password_reset_is_listed(api: Api) -> None:
    user = await api.register()
    await api.client.post("/api/v1/auth/password-reset", json={"email": user["email"]})
    token = await api.email_token(EMAIL_PASSWORD_RESET, user["id"])
    confirmed = await api.client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "new_password": PASSWORD},
        headers={"User-Agent": FIREFOX_WINDOWS},
    )
    assert confirmed.status_code == 204, confirmed.text
    auth = await api.login(user["email"])  # the test client says nothing we know
    kinds = [
        (i["kind"], i["method"], i["client"]) for i in (await listed(api.client, auth))["items"]
    ]
    assert kinds == [
        ("sign_in", "password", "unknown client"),
        ("password_reset", None, "Firefox on Windows"),
    ]


async def test_a_google_sign_in_is_listed_with_its_client(
    pg_url: str, make_client: ClientFactory
) -> None:
    async with google_app(pg_url, make_client) as (client, browser):
        signed_in = await client.post(
            "/api/v1/auth/google/callback",
            json=await consent(client, browser),
            headers={"User-Agent": SAFARI_IPHONE},
        )
        assert signed_in.status_code == 200, signed_in.text
        auth = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        [item] = (await listed(client, auth))["items"]
        assert (item["kind"], item["method"], item["client"]) == (
            "sign_in",
            "google",
            "Safari on iOS",
        )
