"""Sign in with Google through HTTP, against the local OpenID Connect provider."""

from __future__ import annotations

import pytest

from tailtribe.domain.model.users import Locale
from tailtribe.entrypoints.http.controllers.accounts import browser_locale
from tests.http.conftest import ClientFactory
from tests.http.google_support import REDIRECT, consent, google_app


async def test_start_then_callback_signs_in(pg_url: str, make_client: ClientFactory) -> None:
    async with google_app(pg_url, make_client) as (client, browser):
        body = await consent(client, browser)
        signed_in = await client.post(
            "/api/v1/auth/google/callback",
            json=body,
            headers={"Accept-Language": "de-DE,en;q=0.8,fr-BE;q=0.9"},
        )
        assert signed_in.status_code == 200, signed_in.text
        token = signed_in.json()
        assert token["token_type"] == "bearer" and token["expires_in"] > 0
        me = await client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {token['access_token']}"}
        )
        assert me.json()["email"] == "noor@example.be"
        assert me.json()["locale"] == "fr" and me.json()["email_verified"] is True

        replay = await client.post("/api/v1/auth/google/callback", json=body)
        assert replay.status_code == 400
        assert replay.headers["content-type"].startswith("application/problem+json")
        elsewhere = await client.get(
            "/api/v1/auth/google/start", params={"redirect_uri": "https://evil.example/x"}
        )
        assert elsewhere.status_code == 422
        missing = await client.post("/api/v1/auth/google/callback", json={"code": "c"})
        assert missing.status_code == 400


async def test_without_google_settings_the_endpoints_are_404(
    pg_url: str, make_client: ClientFactory
) -> None:
    async with make_client(database_url=pg_url) as client:
        start = await client.get("/api/v1/auth/google/start", params={"redirect_uri": REDIRECT})
        assert start.status_code == 404
        callback = await client.post(
            "/api/v1/auth/google/callback", json={"code": "c", "state": "s"}
        )
        assert callback.status_code == 404


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        (None, Locale.NL),
        ("", Locale.NL),
        ("de-DE,de;q=0.9", Locale.NL),
        ("fr-BE,fr;q=0.9,nl;q=0.8", Locale.FR),
        ("en-US;q=0.5,nl-BE;q=0.7", Locale.NL),
        ("EN", Locale.EN),
        ("de, en;q=bad, fr;q=0.1", Locale.FR),
        ("fr;q=0, en", Locale.EN),
        ("fr;q=nan, nl;q=0.2", Locale.NL),
    ],
)
def test_the_browsers_language_picks_the_locale(header: str | None, locale: Locale) -> None:
    assert browser_locale(header) is locale
