"""The outbox on PostgreSQL and SQLite: two jobs for one email row send one
email; relays running at once expand an event once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from tailtribe.adapters.jinja.renderer import JinjaEmailRenderer
from tailtribe.adapters.security.token_secrets import HmacTokenSecrets
from tailtribe.adapters.security.unsubscribe_tokens import HmacUnsubscribeTokens
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.adapters.system.ids import Uuid7Generator
from tailtribe.domain.model.caregivers import Caregiver, ProfileDetails
from tailtribe.domain.model.outbox import OutboxMessage, OutboxStatus
from tailtribe.domain.model.tokens import TokenPurpose
from tailtribe.domain.model.users import Locale, User
from tailtribe.domain.ports.messaging import Email
from tailtribe.domain.services.accounts.token_issuer import TokenIssuer
from tailtribe.domain.services.notifications.relay_outbox import RelayOutbox
from tailtribe.domain.services.notifications.send_email import Links, SendEmail
from tailtribe.domain.services.outbox import Outbox
from tests import factories
from tests.conftest import SQL_BACKENDS, empty_database, sql_url
from tests.fakes.clock import FixedClock
from tests.fakes.mailer import MemoryMailer

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


class SlowMailer(MemoryMailer):
    """Takes its time, like a provider over the network; counts the calls."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    async def send(self, email: Email, idempotency_key: str) -> str:
        self.calls += 1
        await asyncio.sleep(0.2)
        return await super().send(email, idempotency_key)


@pytest.mark.parametrize("backend", SQL_BACKENDS)
async def test_two_jobs_for_one_email_send_it_once(
    request: pytest.FixtureRequest, backend: str
) -> None:
    config = await empty_database(sql_url(request, backend))
    factory = config.create_session_maker()
    clock, ids, secrets = FixedClock(NOW), Uuid7Generator(), HmacTokenSecrets("k" * 32)
    user = factories.user("An", NOW, email="an@example.be")
    async with SqlUnitOfWork(factory) as uow:
        await uow.users.add(user)
        await TokenIssuer(secrets, Outbox(ids, clock), ids).send(
            uow, user, TokenPurpose.VERIFY_EMAIL, NOW
        )
        await uow.commit()
    mailer = SlowMailer()

    def job() -> SendEmail:
        return SendEmail(
            SqlUnitOfWork(factory),
            mailer,
            JinjaEmailRenderer(),
            secrets,
            Links("https://app.example"),
            clock,
            HmacUnsubscribeTokens("k" * 32),
        )

    try:
        [message_id] = await RelayOutbox(SqlUnitOfWork(factory), ids, clock)()
        results = await asyncio.gather(job()(message_id), job()(message_id))
        assert sorted(results) == [False, True]
        assert mailer.calls == 1 and len(mailer.sent) == 1
        async with SqlUnitOfWork(factory) as uow:
            row = await uow.outbox.get(message_id)
            assert row is not None and row.status is OutboxStatus.SENT
            assert await uow.outbox.due(NOW, 10) == []
    finally:
        await config.get_engine().dispose()


@pytest.mark.parametrize("backend", SQL_BACKENDS)
async def test_two_relays_at_once_expand_an_event_once(
    request: pytest.FixtureRequest, backend: str
) -> None:
    config = await empty_database(sql_url(request, backend))
    factory = config.create_session_maker()
    clock, ids = FixedClock(NOW), Uuid7Generator()
    user = User.register(
        id=uuid4(),
        email="cg@example.be",
        full_name="Cg",
        password_hash="h",
        locale=Locale.FR,
        now=NOW,
    )
    caregiver = Caregiver(
        id=uuid4(), user_id=user.id, profile=ProfileDetails(display_name="Cg"), created_at=NOW
    )
    event = OutboxMessage(
        uuid4(), "event.CaregiverSubmitted", {"caregiver_id": str(caregiver.id)}, NOW, NOW
    )
    async with SqlUnitOfWork(factory) as uow:
        await uow.users.add(user)
        await uow.caregivers.add(caregiver)
        await uow.outbox.add(event)
        await uow.commit()
    try:
        results = await asyncio.gather(
            *(RelayOutbox(SqlUnitOfWork(factory), ids, clock)() for _ in range(3))
        )
        # Each may list the email row (a later pass does too); it exists once.
        assert {tuple(r) for r in results if r} and all(len(r) == 1 for r in results if r)
        async with SqlUnitOfWork(factory) as uow:
            emails = [m for m in await uow.outbox.due(NOW, 10) if m.topic.startswith("email.")]
            relayed = await uow.outbox.get(event.id)
        assert [m.topic for m in emails] == ["email.application_received"]
        assert relayed is not None and relayed.status is OutboxStatus.SENT
    finally:
        await config.get_engine().dispose()
