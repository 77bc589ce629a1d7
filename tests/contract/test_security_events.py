"""Security events: one set of assertions, three stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast
from uuid import UUID

from advanced_alchemy.config import SQLAlchemyAsyncConfig
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailtribe.adapters.sqlalchemy.tables import SecurityEventRow, UserRow
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.adapters.system.ids import Uuid7Generator
from tailtribe.domain.model.security import SecurityEvent, SecurityEventKind, SignInMethod
from tests.contract.conftest import UowFactory
from tests.contract.test_accounts_repositories import stored_user

T0 = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
IDS = Uuid7Generator()


def event(
    user_id: UUID,
    at: datetime,
    client: str = "Firefox on Windows",
    kind: SecurityEventKind = SecurityEventKind.SIGN_IN,
) -> SecurityEvent:
    method = SignInMethod.PASSWORD if kind is SecurityEventKind.SIGN_IN else None
    return SecurityEvent(IDS.new_id(), user_id, kind, method, client, at)


async def store(make_uow: UowFactory, *events: SecurityEvent) -> None:
    async with make_uow() as uow:
        for e in events:
            await uow.security_events.add(e)
        await uow.commit()


async def test_a_users_events_newest_first_paged_and_nobody_elses(make_uow: UowFactory) -> None:
    an = await stored_user(make_uow)
    bo = await stored_user(make_uow, "bo@example.be")
    mine = [
        event(an.id, T0),
        event(an.id, T0 + timedelta(hours=2), "Safari on iOS"),
        event(an.id, T0 + timedelta(hours=1), kind=SecurityEventKind.PASSWORD_RESET),
    ]
    await store(make_uow, *mine, event(bo.id, T0 + timedelta(hours=3)))
    async with make_uow() as uow:
        first = await uow.security_events.list_for(an.id, 2, 0)
        rest = await uow.security_events.list_for(an.id, 2, 2)
    assert (first.total, rest.total) == (3, 3)
    assert [e.at for e in [*first.items, *rest.items]] == [
        T0 + timedelta(hours=2),
        T0 + timedelta(hours=1),
        T0,
    ]
    assert first.items[0] == mine[1]  # every field back as it went in
    assert first.items[1].method is None and first.items[1].kind is SecurityEventKind.PASSWORD_RESET
    assert {e.user_id for e in [*first.items, *rest.items]} == {an.id}


async def test_events_at_the_same_instant_keep_the_order_they_were_recorded_in(
    make_uow: UowFactory,
) -> None:
    an = await stored_user(make_uow)
    reset = event(an.id, T0, kind=SecurityEventKind.PASSWORD_RESET)
    sign_in = event(an.id, T0)
    await store(make_uow, reset, sign_in)
    async with make_uow() as uow:
        page = await uow.security_events.list_for(an.id, 10, 0)
    assert [e.id for e in page.items] == [sign_in.id, reset.id]


async def test_the_last_sign_in_overall_and_from_one_client(make_uow: UowFactory) -> None:
    an = await stored_user(make_uow)
    bo = await stored_user(make_uow, "bo@example.be")
    async with make_uow() as uow:
        assert await uow.security_events.last_sign_in(an.id) is None
    await store(
        make_uow,
        event(an.id, T0, "Firefox on Windows"),
        event(an.id, T0 + timedelta(days=1), "Safari on iOS"),
        # Not sign-ins, and someone else's: none of them counts.
        event(an.id, T0 + timedelta(days=2), "Edge", SecurityEventKind.PASSWORD_CHANGED),
        event(bo.id, T0 + timedelta(days=3), "Firefox on Windows"),
    )
    async with make_uow() as uow:
        events = uow.security_events
        assert await events.last_sign_in(an.id) == T0 + timedelta(days=1)
        assert await events.last_sign_in(an.id, "Firefox on Windows") == T0
        assert await events.last_sign_in(an.id, "Edge") is None
        assert await events.last_sign_in(bo.id, "Safari on iOS") is None


async def test_purge_removes_everyones_events_before_the_cutoff_only(make_uow: UowFactory) -> None:
    an = await stored_user(make_uow)
    bo = await stored_user(make_uow, "bo@example.be")
    cutoff = T0 + timedelta(days=10)
    kept = [event(an.id, cutoff), event(bo.id, cutoff + timedelta(days=1))]
    await store(
        make_uow,
        event(an.id, T0),
        event(bo.id, cutoff - timedelta(microseconds=1), kind=SecurityEventKind.PASSWORD_RESET),
        *kept,
    )
    async with make_uow() as uow:
        assert await uow.security_events.purge_before(cutoff) == 2
        await uow.commit()
    async with make_uow() as uow:
        assert await uow.security_events.purge_before(cutoff) == 0
        left = [
            *(await uow.security_events.list_for(an.id, 10, 0)).items,
            *(await uow.security_events.list_for(bo.id, 10, 0)).items,
        ]
    assert sorted(e.id for e in left) == sorted(e.id for e in kept)


async def test_a_purge_in_batches_removes_at_most_the_batch_each_time(
    make_uow: UowFactory,
) -> None:
    an = await stored_user(make_uow)
    recent = event(an.id, T0 + timedelta(days=1))
    await store(make_uow, *(event(an.id, T0 - timedelta(minutes=i)) for i in range(5)), recent)
    removed = []
    for _ in range(4):
        async with make_uow() as uow:
            removed.append(await uow.security_events.purge_before(T0 + timedelta(hours=1), 2))
            await uow.commit()
    assert removed == [2, 2, 1, 0]
    async with make_uow() as uow:
        assert [e.id for e in (await uow.security_events.list_for(an.id, 10, 0)).items] == [
            recent.id
        ]


async def test_a_purge_not_committed_removes_nothing(make_uow: UowFactory) -> None:
    an = await stored_user(make_uow)
    await store(make_uow, event(an.id, T0))
    async with make_uow() as uow:
        assert await uow.security_events.purge_before(T0 + timedelta(days=1)) == 1
    async with make_uow() as uow:
        assert (await uow.security_events.list_for(an.id, 10, 0)).total == 1


async def test_deleting_a_user_deletes_their_events(db_config: SQLAlchemyAsyncConfig) -> None:
    # SQL only: the memory store has no deletion of users; the database cascades.
    factory = cast("async_sessionmaker[AsyncSession]", db_config.create_session_maker())

    def make_uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(factory)

    an = await stored_user(make_uow)
    await store(make_uow, event(an.id, T0))
    async with make_uow() as uow:
        await uow.session.execute(delete(UserRow).where(UserRow.id == an.id))
        await uow.commit()
    async with make_uow() as uow:
        left = await uow.session.scalar(select(func.count()).select_from(SecurityEventRow))
    assert left == 0
