"""Conversations under concurrency, on both databases: one conversation per
pair, messages numbered without gaps or repeats, one unread email."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from dishka import AsyncContainer

from tailtribe.adapters.system.clock import SettableClock
from tailtribe.adapters.system.ids import Uuid7Generator
from tailtribe.config import Environment, Settings
from tailtribe.domain.model.caregivers import CaregiverStatus
from tailtribe.domain.model.notifications import EmailKind
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.conversations.manage_conversations import (
    ManageConversations,
    pair_conversation,
)
from tailtribe.domain.services.conversations.notify_unread import NotifyUnreadMessages
from tailtribe.domain.services.terms import Actor
from tailtribe.ioc import make_container
from tests.conftest import SQL_BACKENDS, empty_database, sql_url
from tests.contract.test_accounts_repositories import a_caregiver, a_user
from tests.support import CheapHashing

T0 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


@pytest.fixture(params=SQL_BACKENDS)
async def container(request: pytest.FixtureRequest) -> AsyncIterator[AsyncContainer]:
    url = sql_url(request, request.param)
    await (await empty_database(url)).get_engine().dispose()
    # Test mode: the clock is the settable one.
    container = make_container(Settings(database_url=url, env=Environment.TEST), CheapHashing())
    (await container.get(SettableClock)).set(T0)
    yield container
    await container.close()


async def _pair(container: AsyncContainer) -> tuple[UUID, UUID, UUID]:
    """An owner, and an approved caregiver profile with its user."""
    owner, sitter = a_user("owner@example.be"), a_user("sitter@example.be")
    caregiver = a_caregiver(sitter)
    caregiver.status = CaregiverStatus.APPROVED
    async with container() as scope, await scope.get(UnitOfWork) as uow:
        await uow.users.add(owner)
        await uow.users.add(sitter)
        await uow.caregivers.add(caregiver)
        await uow.commit()
    return owner.id, caregiver.id, sitter.id


async def test_concurrent_inquiries_share_one_conversation_numbered_in_order(
    container: AsyncContainer,
) -> None:
    owner, caregiver, sitter = await _pair(container)

    async def inquire(i: int) -> UUID:
        async with container() as scope:
            view, _ = await (await scope.get(ManageConversations)).start(
                owner, caregiver, f"vraag {i}"
            )
            return view.conversation.id

    ids = await asyncio.gather(*(inquire(i) for i in range(6)))
    assert len(set(ids)) == 1

    async def say(who: UUID, i: int) -> int:
        async with container() as scope:
            posted = await (await scope.get(ManageConversations)).post(who, ids[0], f"m{i}", [])
            return posted.message.message.seq

    seqs = await asyncio.gather(*(say(owner if i % 2 else sitter, i) for i in range(10)))
    assert sorted(seqs) == list(range(7, 17))
    async with container() as scope:
        use = await scope.get(ManageConversations)
        page = await use.of_user(sitter, 10, 0)
        shown = await use.messages(Actor(sitter, frozenset()), ids[0], limit=100, before=None)
    assert page.total == 1 and page.items[0].conversation.last_seq == 16
    assert [v.message.seq for v in shown.items] == list(range(16, 0, -1))


async def test_racing_jobs_write_one_unread_email(container: AsyncContainer) -> None:
    owner, caregiver, sitter = await _pair(container)
    async with container() as scope:
        await (await scope.get(ManageConversations)).start(owner, caregiver, "Ben je vrij?")
    (await container.get(SettableClock)).set(T0 + timedelta(minutes=15))

    async def run() -> int:
        async with container() as scope:
            return await (await scope.get(NotifyUnreadMessages))()

    assert sum(await asyncio.gather(*(run() for _ in range(4)))) == 1
    assert await run() == 0
    async with container() as scope, await scope.get(UnitOfWork) as uow:
        rows = await uow.outbox.list(None, 10, 0)
    [email] = [m for m in rows.items if m.topic == EmailKind.MESSAGE_UNREAD.topic]
    assert email.payload == {
        "user_id": str(sitter),
        "conversation_id": email.payload["conversation_id"],
        "party": "caregiver",
    }


async def test_two_openings_of_one_pair_meet_on_the_unique_constraint(
    container: AsyncContainer,
) -> None:
    """Without the caregiver's row lock in front (a booking request and an
    inquiry take it; this calls the opening directly), the second insert
    waits for the first, then finds its conversation."""
    owner, caregiver, sitter = await _pair(container)
    ids, clock = Uuid7Generator(), await container.get(Clock)
    async with container() as first_scope, container() as second_scope:
        first, second = await first_scope.get(UnitOfWork), await second_scope.get(UnitOfWork)
        async with first as uow1:
            opened = await pair_conversation(uow1, ids, clock, owner, caregiver, sitter)
            racing = asyncio.create_task(
                _open_and_commit(second, ids, clock, owner, caregiver, sitter)
            )
            await asyncio.sleep(0.3)  # the second has read "none" and now waits on the insert
            await uow1.commit()
        found = await racing
    assert found == opened.id


async def _open_and_commit(
    uow: UnitOfWork, ids: Uuid7Generator, clock: Clock, owner: UUID, caregiver: UUID, sitter: UUID
) -> UUID:
    async with uow:
        conversation = await pair_conversation(uow, ids, clock, owner, caregiver, sitter)
        await uow.commit()
    return conversation.id
