"""Signing in with Google against the OIDC stand-in, as a browser would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import empty_database
from tests.http.conftest import ClientFactory
from tests.oidc_standin import CLIENT_ID, CLIENT_SECRET, oidc_standin

REDIRECT = "http://127.0.0.1:8000/auth/google"


@asynccontextmanager
async def google_app(
    pg_url: str, make_client: ClientFactory, **settings: Any
) -> AsyncIterator[tuple[AsyncTestClient[Litestar], httpx.AsyncClient]]:
    """The app on an empty database with Google sign-in on the stand-in, and
    a browser for the consent step."""
    await (await empty_database(pg_url)).get_engine().dispose()
    async with (
        oidc_standin(own_thread=True) as google,
        httpx.AsyncClient() as browser,
        make_client(
            database_url=pg_url,
            google_client_id=CLIENT_ID,
            google_client_secret=CLIENT_SECRET,
            google_discovery_url=f"{google.url}/.well-known/openid-configuration",
            **settings,
        ) as client,
    ):
        yield client, browser


async def consent(client: AsyncTestClient[Litestar], browser: httpx.AsyncClient) -> dict[str, str]:
    """Start a sign-in and consent: the callback's body (code and state)."""
    start = await client.get("/api/v1/auth/google/start", params={"redirect_uri": REDIRECT})
    assert start.status_code == 200, start.text
    answer = await browser.get(start.json()["url"], follow_redirects=False)
    back = parse_qs(urlsplit(answer.headers["location"]).query)
    return {"code": back["code"][0], "state": back["state"][0]}
