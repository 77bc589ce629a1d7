"""Rules that must hold when requests race, enforced by the database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from uuid import UUID

import pytest
from dishka import AsyncContainer

from tailtribe.config import Settings
from tailtribe.domain.errors import EmailTaken, InvalidInput
from tailtribe.domain.model.users import Locale
from tailtribe.domain.ports import Clock, TokenSecrets, UnitOfWork
from tailtribe.domain.services.accounts.register import Register, RegisterUser
from tailtribe.domain.services.accounts.verify_email import VerifyEmail
from tailtribe.domain.services.outbox import EMAIL_VERIFY
from tailtribe.ioc import make_container
from tests.conftest import SQL_BACKENDS, empty_database, sql_url
from tests.support import PASSWORD, CheapHashing


@pytest.fixture(params=SQL_BACKENDS)
async def container(request: pytest.FixtureRequest) -> AsyncIterator[AsyncContainer]:
    url = sql_url(request, request.param)
    await (await empty_database(url)).get_engine().dispose()
    container = make_container(Settings(database_url=url), CheapHashing())
    yield container
    await container.close()


async def test_concurrent_registrations_of_one_email_make_one_account(
    container: AsyncContainer,
) -> None:
    async def attempt(i: int) -> str:
        async with container() as scope:
            try:
                await (await scope.get(RegisterUser))(
                    Register("same@example.be", PASSWORD, f"U{i}", Locale.NL)
                )
            except EmailTaken:
                return "taken"
            return "created"

    outcomes = await asyncio.gather(*(attempt(i) for i in range(8)))
    assert sorted(outcomes) == ["created"] + ["taken"] * 7


async def test_a_token_is_redeemed_once_under_concurrency(container: AsyncContainer) -> None:
    async with container() as scope:
        user = await (await scope.get(RegisterUser))(
            Register("v@example.be", PASSWORD, "V", Locale.NL)
        )
        uow = await scope.get(UnitOfWork)
        async with uow:
            due = await uow.outbox.due((await scope.get(Clock)).now(), 10)
    [message] = [m for m in due if m.topic == EMAIL_VERIFY and m.payload["user_id"] == str(user.id)]
    secret = (await container.get(TokenSecrets)).secret_for(UUID(message.payload["token_id"]))

    async def redeem() -> str:
        async with container() as scope:
            try:
                await (await scope.get(VerifyEmail))(secret)
            except InvalidInput:
                return "refused"
            return "used"

    outcomes = await asyncio.gather(*(redeem() for _ in range(5)))
    assert sorted(outcomes) == ["refused"] * 4 + ["used"]
