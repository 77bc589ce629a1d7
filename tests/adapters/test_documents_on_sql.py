"""Gap-free numbering on PostgreSQL: concurrent issuers, each on its own
connections, over many ledger entries; and a crash after a number was taken."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.domain.model.documents import DocumentKind, Party
from tailtribe.domain.model.ledger import LedgerEntry, Movement
from tailtribe.domain.ports.documents import DocumentFilter
from tailtribe.domain.services.documents.issue import DocumentTerms, IssueDocuments
from tests.conftest import empty_database
from tests.factories import booking_request, caregiver, pet, user
from tests.fakes.clock import FixedClock

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


def issuer(uow: SqlUnitOfWork) -> IssueDocuments:
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
