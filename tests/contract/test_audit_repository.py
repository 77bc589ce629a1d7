"""The admin audit trail: one set of assertions on memory, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from tailtribe.adapters.system.ids import Uuid7Generator
from tailtribe.domain.model.audit import AuditAction, AuditCursor, AuditEntry, AuditFilter
from tailtribe.domain.ports.storage import AuditPage
from tests.contract.conftest import UowFactory

T0 = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
ADMIN, OTHER = uuid4(), uuid4()
IDS = Uuid7Generator()


def entry(
    minutes: int,
    actor_id: UUID | None = ADMIN,
    action: AuditAction = AuditAction.APPROVE_CAREGIVER,
    object_type: str = "caregiver",
    object_id: str = "c1",
    entry_id: UUID | None = None,
) -> AuditEntry:
    return AuditEntry(
        id=entry_id or IDS.new_id(),
        at=T0 + timedelta(minutes=minutes),
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        reason="Pièces vérifiées «ok»",
        outcome="approved",
    )


async def store(make_uow: UowFactory, *entries: AuditEntry) -> None:
    async with make_uow() as uow:
        for e in entries:
            await uow.audit.add(e)
        await uow.commit()


async def page(
    make_uow: UowFactory, criteria: AuditFilter, limit: int, after: AuditCursor | None = None
) -> AuditPage:
    async with make_uow() as uow:
        return await uow.audit.list(criteria, limit, after)


async def test_entries_round_trip_newest_first_and_only_when_committed(
    make_uow: UowFactory,
) -> None:
    first, second = entry(0), entry(5, actor_id=None, action=AuditAction.RETRY_OUTBOX)
    await store(make_uow, first, second)
    async with make_uow() as uow:
        await uow.audit.add(entry(10))  # rolled back
    found = await page(make_uow, AuditFilter(), 10)
    assert found.items == [second, first] and found.next is None
    assert found.items[1].at.tzinfo is not None
    assert found.items[0].actor_id is None


async def test_filters_each_narrow_the_trail(make_uow: UowFactory) -> None:
    a = entry(0)
    b = entry(1, actor_id=OTHER, action=AuditAction.SUSPEND_CAREGIVER)
    c = entry(2, action=AuditAction.REFUND_BOOKING, object_type="booking", object_id="b1")
    d = entry(3, object_id="c2")
    await store(make_uow, a, b, c, d)

    async def ids(criteria: AuditFilter) -> list[UUID]:
        return [e.id for e in (await page(make_uow, criteria, 10)).items]

    assert await ids(AuditFilter(actor_id=OTHER)) == [b.id]
    assert await ids(AuditFilter(action=AuditAction.REFUND_BOOKING)) == [c.id]
    assert await ids(AuditFilter(object_type="caregiver")) == [d.id, b.id, a.id]
    assert await ids(AuditFilter(object_type="caregiver", object_id="c1")) == [b.id, a.id]
    # The period is [since, until).
    period = AuditFilter(since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=3))
    assert await ids(period) == [c.id, b.id]
    assert await ids(AuditFilter(actor_id=ADMIN, since=T0 + timedelta(minutes=2))) == [d.id, c.id]


async def test_the_cursor_walks_every_entry_once_while_new_ones_arrive(
    make_uow: UowFactory,
) -> None:
    # Three at the same instant: the id breaks the tie.
    same = [entry(1, entry_id=UUID(int=n)) for n in (3, 1, 2)]
    older, newest = entry(0), entry(2)
    await store(make_uow, *same, older, newest)

    seen: list[UUID] = []
    first = await page(make_uow, AuditFilter(), 2)
    seen += [e.id for e in first.items]
    assert first.next is not None
    await store(make_uow, entry(30))  # newer: it belongs before the pages already read
    second = await page(make_uow, AuditFilter(), 2, first.next)
    seen += [e.id for e in second.items]
    assert second.next is not None
    third = await page(make_uow, AuditFilter(), 2, second.next)
    seen += [e.id for e in third.items]
    assert third.next is None
    assert seen == [newest.id, UUID(int=3), UUID(int=2), UUID(int=1), older.id]


async def test_a_full_last_page_says_there_is_no_next(make_uow: UowFactory) -> None:
    await store(make_uow, entry(0), entry(1))
    assert (await page(make_uow, AuditFilter(), 2)).next is None
    assert (await page(make_uow, AuditFilter(actor_id=OTHER), 2)) == AuditPage([], None)
