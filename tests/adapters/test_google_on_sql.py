"""A first sign-in that loses the race for its address, on PostgreSQL: it signs
into the account the winner just made instead of failing with 409."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tailtribe.adapters.memory.cache import MemoryCache
from tailtribe.adapters.oidc.identity_provider import OidcIdentityProvider
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.adapters.sqlalchemy.user_repository import SqlUserRepository
from tailtribe.adapters.system.ids import Uuid7Generator
from tailtribe.domain.model.users import Locale
from tailtribe.domain.services.accounts.google_sign_in import GoogleSignIn, SignedIn
from tailtribe.domain.services.accounts.security_log import SecurityLog
from tailtribe.domain.services.outbox import Outbox
from tests.conftest import empty_database
from tests.fakes.clock import FixedClock
from tests.oidc_standin import CLIENT_ID, CLIENT_SECRET, oidc_standin

APP = "http://127.0.0.1:8000"


async def test_losing_the_race_for_an_address_signs_into_the_winners_account(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = await empty_database(pg_url)
    clock = FixedClock(datetime.now(UTC))
    cache = MemoryCache(clock)
    try:
        async with oidc_standin() as google, httpx.AsyncClient() as http:
            idp = OidcIdentityProvider(
                f"{google.url}/.well-known/openid-configuration",
                CLIENT_ID,
                CLIENT_SECRET,
                clock,
                http,
            )

            async def sign_in() -> SignedIn:
                ids = Uuid7Generator()
                flow = GoogleSignIn(
                    idp,
                    cache,
                    SqlUnitOfWork(config.create_session_maker()),
                    ids,
                    clock,
                    APP,
                    SecurityLog(Outbox(ids, clock), ids, clock),
                )
                started = await flow.start(f"{APP}/auth/google")
                answer = await http.get(started.url, follow_redirects=False)
                query = httpx.URL(answer.headers["location"]).params
                return await flow.finish(query["code"], query["state"], started.binding, Locale.NL)

            winner = await sign_in()
            # The loser looked the address up just before the winner committed.
            real = SqlUserRepository.get_by_email
            stale = iter([True])

            async def lookup(self: SqlUserRepository, email: str) -> Any:
                return None if next(stale, False) else await real(self, email)

            monkeypatch.setattr(SqlUserRepository, "get_by_email", lookup)
            loser = await sign_in()
        assert winner.created and not loser.created
        assert loser.user.id == winner.user.id  # the unique index refused a second account
    finally:
        await config.get_engine().dispose()
