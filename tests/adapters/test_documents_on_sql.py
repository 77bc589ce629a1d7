"""Gap-free numbering on PostgreSQL: concurrent issuers, each on its own
connections, over many ledger entries; and a crash after a number was taken.
Erasing an account keeps its documents (memory, SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from tailtribe.adapters.filesystem.object_storage import FolderStorage
from tailtribe.adapters.memory.cache import MemoryCache
from tailtribe.adapters.memory.login_throttle import MemoryLoginThrottle
from tailtribe.adapters.security.passwords import Argon2PasswordHasher
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.adapters.system.ids import Uuid7Generator
from tailtribe.domain.model.documents import DocumentKind, Party
from tailtribe.domain.model.ledger import LedgerEntry, Movement
from tailtribe.domain.model.statements import STATED, month_bounds
from tailtribe.domain.ports.documents import DocumentFilter
from tailtribe.domain.services.audit import AuditTrail
from tailtribe.domain.services.documents.issue import (
    DocumentTerms,
    IssueDocuments,
    IssueStatements,
)
from tailtribe.domain.services.privacy.erase import EraseAccount, PurgeErasedPhotos
from tests.conftest import SQL_BACKENDS, empty_database, sql_url
from tests.factories import booking_request, caregiver, complete, pet, user
from tests.fakes.clock import FixedClock
from tests.fakes.unit_of_work import MemoryUnitOfWork

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
BOOKINGS = 12
ISSUERS = 4


class Ids:
    def new_id(self) -> UUID:
        return uuid4()


class OpenBox:
    def seal(self, plain: str) -> str:
        return plain

    def open(self, sealed: str) -> str:
        return sealed


def issuer(uow: Any) -> IssueDocuments:
    terms = DocumentTerms(Party(name="TailTribe BV"), 21)
    return IssueDocuments(uow, Ids(), FixedClock(NOW), terms, OpenBox())


async def seed(uow: SqlUnitOfWork) -> list[LedgerEntry]:
    """BOOKINGS bookings, each captured, partly refunded, paid out with its
    commission and partly refunded after: four documents each."""
    owner, carer = user("Olga", NOW), user("Bram", NOW)
    profile = caregiver(carer, NOW, "Bram")
    rex = pet(owner, NOW)
    entries: list[LedgerEntry] = []
    async with uow:
        await uow.users.add(owner)
        await uow.users.add(carer)
        await uow.caregivers.add(profile)
        await uow.pets.add(rex)
        for i in range(BOOKINGS):
            start = NOW + timedelta(days=7, hours=2 * i)
            booking = booking_request(owner.id, profile.id, (rex.id,), start, now=NOW)
            await uow.bookings.add(booking)
            at = NOW + timedelta(minutes=i)
            for movement, cents in (
                (Movement.CAPTURE, 3_000),
                (Movement.REFUND, 100 + i),
                (Movement.COMMISSION, 580),
                (Movement.COMMISSION_RETURN, 20 + i),
            ):
                entries.append(LedgerEntry(uuid4(), booking.id, movement, cents, at))
        await uow.ledger.add(entries)
        await uow.commit()
    return entries


class CrashingCommit(SqlUnitOfWork):
    """Dies once between taking the number and committing."""

    crashed = 0

    async def commit(self) -> None:
        if CrashingCommit.crashed == 0:
            CrashingCommit.crashed += 1
            raise RuntimeError("the process died")
        await super().commit()


async def test_concurrent_issuers_number_every_series_one_to_n(pg_url: str) -> None:
    config = await empty_database(pg_url)
    factory: Any = config.create_session_maker()
    try:
        entries = await seed(SqlUnitOfWork(factory))
        # A crash after a number was taken: the number goes back with the rollback.
        crash = issuer(CrashingCommit(factory))
        assert not await crash.issue(entries[0])
        assert CrashingCommit.crashed == 1
        counts = await asyncio.gather(*(issuer(SqlUnitOfWork(factory))() for _ in range(ISSUERS)))
        assert sum(counts) == len(entries)
        async with SqlUnitOfWork(factory) as uow:
            page = await uow.documents.list(DocumentFilter(), 1_000, 0)
            assert await uow.documents.undocumented(list(Movement), 10) == []
        documents = [s.document for s in page.items]
        assert sorted(d.ledger_entry_id for d in documents) == sorted(e.id for e in entries)  # type: ignore[type-var]
        per_kind = Counter(d.kind for d in documents)
        assert per_kind == {
            kind: BOOKINGS for kind in DocumentKind if kind is not DocumentKind.STATEMENT
        }
        for kind in per_kind:
            sequences = sorted(d.sequence for d in documents if d.kind is kind)
            assert sequences == list(range(1, BOOKINGS + 1)), kind
        assert len({d.number for d in documents}) == len(documents)
        # And the next run finds nothing.
        assert await issuer(SqlUnitOfWork(factory))() == 0
    finally:
        await config.get_engine().dispose()


@pytest.mark.parametrize("backend", [*SQL_BACKENDS, "memory"])
async def test_erasing_an_account_keeps_its_documents_as_issued(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    if backend == "memory":
        uow: Any = MemoryUnitOfWork()
    else:
        uow = SqlUnitOfWork(
            (await empty_database(sql_url(request, backend))).create_session_maker()
        )
    owner, carer = user("Olga", NOW), user("Bram", NOW)
    profile = caregiver(carer, NOW, "Bram")
    rex = pet(owner, NOW)
    start = NOW + timedelta(days=1)
    booking = complete(booking_request(owner.id, profile.id, (rex.id,), start, now=NOW))
    booking.pay_out(booking.end + timedelta(hours=48), "tr_1")
    async with uow:
        await uow.users.add(owner)
        await uow.users.add(carer)
        await uow.caregivers.add(profile)
        await uow.pets.add(rex)
        await uow.bookings.add(booking)
        await uow.ledger.add([LedgerEntry(uuid4(), booking.id, Movement.CAPTURE, 3_000, NOW)])
        await uow.commit()
    assert await issuer(uow)() == 1
    async with uow:
        (before,) = (await uow.documents.list(DocumentFilter(), 10, 0)).items

    clock, ids = FixedClock(NOW + timedelta(days=5)), Uuid7Generator()
    erase = EraseAccount(
        uow,
        Argon2PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
        MemoryLoginThrottle(clock, 10),
        PurgeErasedPhotos(uow, FolderStorage(tmp_path, "http://media.test", "s" * 32)),
        MemoryCache(clock),
        clock,
        AuditTrail(uow, ids, clock),
    )
    assert (await erase.by_admin(owner.id, "asked by letter")).now
    async with uow:
        after = await uow.documents.get(before.document.id)
        erased = await uow.users.get(owner.id)
    assert erased is not None and erased.erased
    # Kept whole, as accounting law requires: the name as it was at issue.
    assert after == before and after.document.recipient.name == "Olga"


STATEMENT_CAREGIVERS = 3
STATED_AT = datetime(2027, 2, 28, 22, 30, tzinfo=UTC)  # 23:30 on 28 February in Brussels


async def seed_payouts(uow: Any) -> dict[UUID, tuple[int, int]]:
    """STATEMENT_CAREGIVERS caregivers, each with two bookings paid out in
    February (Brussels) and one payout partly reversed in March; returns each
    caregiver's account and what February and March paid out (net)."""
    owner = user("Olga", NOW)
    rex = pet(owner, NOW)
    expected: dict[UUID, tuple[int, int]] = {}
    async with uow:
        await uow.users.add(owner)
        await uow.pets.add(rex)
        entries: list[LedgerEntry] = []
        for c in range(STATEMENT_CAREGIVERS):
            carer = user(f"Bram{c}", NOW)
            profile = caregiver(carer, NOW, f"Bram{c}")
            await uow.users.add(carer)
            await uow.caregivers.add(profile)
            transfers = []
            for i in range(2):
                start = NOW - timedelta(days=20, hours=2 * i)
                booking = booking_request(
                    owner.id, profile.id, (rex.id,), start, now=start - timedelta(days=3)
                )
                await uow.bookings.add(booking)
                paid = STATED_AT - timedelta(days=i, minutes=c)
                transfer = 2_400 + 100 * c + i
                transfers.append(transfer)
                entries += [
                    LedgerEntry(uuid4(), booking.id, Movement.CAPTURE, 3_000, start),
                    LedgerEntry(uuid4(), booking.id, Movement.COMMISSION, 3_000 - transfer, paid),
                    LedgerEntry(uuid4(), booking.id, Movement.TRANSFER, transfer, paid),
                ]
            back = STATED_AT + timedelta(days=3)
            entries += [
                LedgerEntry(uuid4(), booking.id, Movement.REVERSAL, 400 + c, back),
                LedgerEntry(uuid4(), booking.id, Movement.COMMISSION_RETURN, 100, back),
                LedgerEntry(uuid4(), booking.id, Movement.REFUND, 500 + c, back),
            ]
            expected[carer.id] = (sum(transfers), -(400 + c))
        await uow.ledger.add(entries)
        await uow.commit()
    return expected


def statement_issuer(uow: Any, now: datetime) -> IssueStatements:
    terms = DocumentTerms(Party(name="TailTribe BV"), 21)
    return IssueStatements(uow, Ids(), FixedClock(now), terms, OpenBox())


@pytest.mark.parametrize("backend", [*SQL_BACKENDS, "memory"])
async def test_statements_are_one_per_caregiver_and_month_whatever_runs_at_once(
    request: pytest.FixtureRequest, backend: str
) -> None:
    factory: Any = None
    if backend == "memory":
        shared = MemoryUnitOfWork()

        def make() -> Any:
            return shared
    else:
        config = await empty_database(sql_url(request, backend))
        factory = config.create_session_maker()

        def make() -> Any:
            return SqlUnitOfWork(factory)

    expected = await seed_payouts(make())
    async with make() as uow:
        earliest = await uow.documents.earliest([Movement.TRANSFER, Movement.REVERSAL])
        bounds = month_bounds(date(2027, 2, 1))
        before = await uow.documents.unstated(STATED, *bounds, date(2027, 2, 1))
    assert len(before) == STATEMENT_CAREGIVERS
    assert earliest == STATED_AT - timedelta(days=1, minutes=STATEMENT_CAREGIVERS - 1)
    later = datetime(2027, 4, 2, 8, tzinfo=UTC)
    if factory is not None:
        # A crash after the number was taken: it goes back with the rollback.
        CrashingCommit.crashed = 0
        crashed = statement_issuer(CrashingCommit(factory), later)
        assert await crashed.month(date(2027, 2, 1)) == STATEMENT_CAREGIVERS - 1
    # Issuers at once (PostgreSQL: each on its own connections; SQLite takes turns).
    runs = ISSUERS if backend == "postgresql" else 1
    counts = await asyncio.gather(
        *(statement_issuer(make(), later).backfill() for _ in range(runs))
    )
    async with make() as uow:
        page = await uow.documents.list(DocumentFilter(kind=DocumentKind.STATEMENT), 100, 0)
        bounds = month_bounds(date(2027, 2, 1))
        unstated = await uow.documents.unstated(STATED, *bounds, date(2027, 2, 1))
        other = await uow.documents.unstated(STATED, *bounds, date(2027, 1, 1))
    documents = [s.document for s in page.items]
    assert len(documents) == 2 * STATEMENT_CAREGIVERS
    assert sum(counts) + (STATEMENT_CAREGIVERS - 1 if factory is not None else 0) == len(documents)
    assert unstated == []
    # Statements of another month do not count.
    async with make() as uow:
        caregiver_users = {(await uow.caregivers.find(c)).user_id for c in other}
    assert caregiver_users == set(expected)
    assert sorted(d.sequence for d in documents) == list(range(1, len(documents) + 1))
    for d in documents:
        february, march = expected[d.recipient_id]
        assert d.amount_cents == (february if d.period == date(2027, 2, 1) else march)
    assert await statement_issuer(make(), later).backfill() == 0


def test_the_worker_sweeps_the_whole_ledger_daily() -> None:
    from tailtribe.config import Settings
    from tailtribe.entrypoints.worker.saq_worker import DOCUMENTS_SWEEP_CRON, make_worker
    from tests.conftest import REDIS_URL

    worker = make_worker(Settings(redis_url=REDIS_URL), concurrency=1)
    [cron] = [c for c in worker.cron_jobs if c.function.__name__ == "documents_sweep"]
    assert (cron.cron, cron.unique) == (DOCUMENTS_SWEEP_CRON, True)
    assert DOCUMENTS_SWEEP_CRON.split()[2:] == ["*", "*", "*"]  # once a day
