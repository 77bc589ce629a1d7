"""Calendar feed rows on PostgreSQL, SQLite and in memory: one feed per user,
replaced by a new one, removed once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from advanced_alchemy.config import SQLAlchemyAsyncConfig
from sqlalchemy import update

from tailtribe.adapters.sqlalchemy.calendar_store import SqlCalendarQueries
from tailtribe.adapters.sqlalchemy.tables import UserRow
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.domain.model.calendar import CalendarFeed, in_feed, token_hash, window_start
from tailtribe.domain.model.users import DEFAULT_LOCALE, Locale
from tailtribe.domain.ports.calendar import FeedUser
from tailtribe.domain.ports.storage import UnitOfWork
from tests import factories
from tests.adapters.test_read_models import NOW as SEEDED
from tests.adapters.test_read_models import _seed
from tests.conftest import SQL_BACKENDS, empty_database, sql_url
from tests.fakes.unit_of_work import MemoryUnitOfWork

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("backend", [*SQL_BACKENDS, "memory"])
async def test_a_user_has_one_feed_which_a_new_one_replaces(
    request: pytest.FixtureRequest, backend: str
) -> None:
    uow: UnitOfWork
    if backend == "memory":
        uow = MemoryUnitOfWork()
    else:
        config = await empty_database(sql_url(request, backend))
        uow = SqlUnitOfWork(config.create_session_maker())
    ann, bo = factories.user("Ann", NOW, locale=Locale.FR), factories.user("Bo", NOW)
    first, second = (
        CalendarFeed(ann.id, token_hash("one"), NOW),
        CalendarFeed(ann.id, token_hash("two"), NOW + timedelta(hours=1)),
    )
    async with uow:
        for person in (ann, bo):
            await uow.users.add(person)
        await uow.calendar_feeds.put(first)
        await uow.commit()
    async with uow:
        assert await uow.calendar_feeds.get(ann.id) == first
        assert await uow.calendar_feeds.get(bo.id) is None
        await uow.calendar_feeds.put(second)
        await uow.commit()
    async with uow:
        assert await uow.calendar_feeds.get(ann.id) == second
        if isinstance(uow, SqlUnitOfWork):
            queries = SqlCalendarQueries(uow.session)
            assert await queries.feed_user(token_hash("one")) is None
            assert await queries.feed_user(token_hash("two")) == FeedUser(ann.id, Locale.FR)
            # A language no longer offered reads as the default, not an error.
            await uow.session.execute(
                update(UserRow).where(UserRow.id == ann.id).values(locale="de")
            )
            assert await queries.feed_user(token_hash("two")) == FeedUser(ann.id, DEFAULT_LOCALE)
        assert not await uow.calendar_feeds.remove(bo.id)
        assert await uow.calendar_feeds.remove(ann.id)
        await uow.commit()
    async with uow:
        assert await uow.calendar_feeds.get(ann.id) is None


@pytest.mark.parametrize("days", [-40, -5, 0, 25, 31, 60])
async def test_the_feed_read_selects_what_the_rule_says(
    db_config: SQLAlchemyAsyncConfig, days: int
) -> None:
    world = await _seed(db_config)
    now = SEEDED + timedelta(days=days)
    pets = {p.id: p.details.name for p in world.pets}
    factory = db_config.create_session_maker()
    for party in (world.owner, world.carer):
        caregivers = {c.id for c in world.caregivers.values() if c.user_id == party.id}
        expected = sorted(
            (
                b
                for b in world.bookings
                if (b.owner_id == party.id or b.caregiver_id in caregivers)
                and in_feed(b.status, b.end, now)
            ),
            key=lambda b: (b.start, b.id),
        )
        async with factory() as session:
            found = await SqlCalendarQueries(session).bookings(party.id, window_start(now))
        assert [f.id for f in found] == [b.id for b in expected], (party.full_name, days)
        for f, b in zip(found, expected, strict=True):
            assert f.pet_names == tuple(pets[p] for p in b.pet_ids)
            assert (f.start, f.end, f.service) == (b.start, b.end, b.service)
            assert f.as_owner == (b.owner_id == party.id)
            assert f.captured_cents == b.payment.captured_cents > 0
