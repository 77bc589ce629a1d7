"""The VAT report ties out to the ledger: random booking histories are played
through the real payout and refund use cases, their documents issued by the
real IssueDocuments at random (increasing) instants around the quarter's
edges; the report's totals then equal the commission minus the commission
returns whose documents were issued in the quarter, month by month."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tailtribe.domain.errors import InvalidInput
from tailtribe.domain.model.accounting import (
    Quarter,
    day_bounds,
    documents_csv_header,
    documents_csv_rows,
)
from tailtribe.domain.model.audit import AuditAction, AuditFilter
from tailtribe.domain.model.documents import Document, DocumentKind, Party
from tailtribe.domain.model.ledger import Movement
from tailtribe.domain.model.time import BRUSSELS
from tailtribe.domain.model.users import Locale, Role, User
from tailtribe.domain.services.documents.issue import DocumentTerms, IssueDocuments
from tailtribe.domain.services.reports import accounting
from tailtribe.domain.services.reports.accounting import ReadDocumentsReport, ReadVatReport
from tests.services.conftest import World
from tests.services.test_dac7_report import YEAR, History, at, histories, play, seed_sellers

Q1 = Quarter(YEAR, 1)
Q1_START, Q1_END = day_bounds(Q1.first_day, Q1.last_day)
ISSUER = Party("TailTribe BV", vat_number="BE0123456749")
ADMIN = uuid4()


class OpenBox:
    def seal(self, plain: str) -> str:
        return plain

    def open(self, sealed: str) -> str:
        return sealed


async def issue(world: World) -> int:
    """The real job's first step, once the bookings' owners have accounts."""
    async with world.uow as uow:
        for booking in list(world.uow.store.bookings.values()):
            if await uow.users.get(booking.owner_id) is None:
                await uow.users.add(
                    User(
                        id=booking.owner_id,
                        email=f"{booking.owner_id}@example.be",
                        full_name="Olga Owner",
                        password_hash=None,
                        locale=Locale.NL,
                        roles=frozenset({Role.OWNER}),
                        created_at=world.clock.now(),
                    )
                )
        await uow.commit()
    terms = DocumentTerms(ISSUER, 21)
    return await IssueDocuments(world.uow, world.ids, world.clock, terms, OpenBox())(True)


# Instants to issue at: anywhere from December to May, often within an hour of
# a quarter's edge in Brussels (1 January and 1 April, 00:00).
EDGES = [Q1_START, Q1_END]
instants = st.one_of(
    st.integers(0, 180 * 24 * 60).map(
        lambda m: datetime(YEAR - 1, 12, 1, tzinfo=UTC) + timedelta(minutes=m)
    ),
    st.tuples(st.sampled_from(EDGES), st.integers(-60, 60)).map(
        lambda p: p[0] + timedelta(minutes=p[1])
    ),
)


def in_q1(document: Document) -> bool:
    return Q1_START <= document.issued_at < Q1_END


def run(coro: object) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(histories, instants), min_size=1, max_size=5))
def test_the_vat_report_equals_the_ledgers_commission(
    plays: list[tuple[History, datetime]],
) -> None:
    async def scenario() -> None:
        world = World()
        at(datetime(YEAR - 1, 11, 1, tzinfo=UTC), world)
        await seed_sellers(world)
        # each history moves its own clock; the documents are issued at
        # increasing instants, after each history, as the job would
        issue_at = sorted(i for _, i in plays)
        for (h, _), when in zip(plays, issue_at, strict=True):
            await play(world, h)
            at(when, world)
            await issue(world)
        at(datetime(YEAR, 6, 1, tzinfo=UTC), world)
        read = ReadVatReport(world.uow, world.clock, world.audit)
        report = await read(ADMIN, str(Q1))

        documents = [s.document for s in world.uow.store.documents.values()]
        by_entry = {d.ledger_entry_id: d for d in documents}
        commissions = [e for e in world.uow.store.ledger if e.movement is Movement.COMMISSION]
        assert commissions and all(e.id in by_entry for e in commissions)
        wanted = [0, 0, 0]
        for e in world.uow.store.ledger:
            d = by_entry.get(e.id)
            if d is None or not in_q1(d):
                continue
            sign = {Movement.COMMISSION: 1, Movement.COMMISSION_RETURN: -1}.get(e.movement, 0)
            month = d.issued_at.astimezone(BRUSSELS).month - 1
            wanted[month] += sign * e.amount_cents
        assert [m.balance.gross_cents for m in report.months] == wanted
        assert report.balance.gross_cents == sum(wanted)
        assert report.invoices.gross_cents - report.credit_notes.gross_cents == sum(wanted)
        for m in report.months:
            assert m.balance.net_cents + m.balance.vat_cents == m.balance.gross_cents
            assert all(r.complete for r in m.ranges)
            assert m.rates in ((), (21,))
        # the year's series start at 1 in the quarter and run on month after month
        for kind in (DocumentKind.COMMISSION_INVOICE, DocumentKind.CREDIT_NOTE):
            ranges = [r for m in report.months for r in m.ranges if r.kind is kind]
            assert [r.first_sequence for r in ranges[:1]] in ([], [1])
            for before, after in pairwise(ranges):
                assert after.first_sequence == before.last_sequence + 1
            issued = [d for d in documents if d.kind is kind and in_q1(d)]
            assert sum(r.count for r in ranges) == len(issued)

        # the documents CSV of the same quarter parses back and sums to the same
        listing = ReadDocumentsReport(world.uow, world.audit)
        first, last = await listing.open(ADMIN, str(Q1.first_day), str(Q1.last_day))
        text = documents_csv_header()
        async for page in listing.pages(first, last):
            text += documents_csv_rows(page)
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == sum(in_q1(d) for d in documents)

        def total(kind: DocumentKind, column: str) -> int:
            return sum(int(r[column]) for r in rows if r["kind"] == kind.value)

        for column, value in (("gross_cents", report.balance.gross_cents),):
            got = total(DocumentKind.COMMISSION_INVOICE, column)
            assert got - total(DocumentKind.CREDIT_NOTE, column) == value
        vat = total(DocumentKind.COMMISSION_INVOICE, "vat_cents")
        assert vat - total(DocumentKind.CREDIT_NOTE, "vat_cents") == report.balance.vat_cents

    run(scenario())


async def test_the_documents_are_read_page_by_page(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounting, "PAGE", 2)
    at(datetime(YEAR - 1, 11, 1, tzinfo=UTC), world)
    await seed_sellers(world)
    for day in range(3):
        await play(world, History(day % 2, 40 + day * 7, 0, [(2, 10)]))
    at(datetime(YEAR, 2, 1, tzinfo=UTC), world)
    issued = await issue(world)
    assert issued == 12  # each: receipt, invoice, refund note, credit note
    read = ReadDocumentsReport(world.uow, world.audit)
    first, last = await read.open(None, f"{YEAR}-02-01", f"{YEAR}-02-01")
    pages = [page async for page in read.pages(first, last)]
    assert [len(p) for p in pages] == [2] * 6
    numbers = [(d.kind.value, d.sequence) for p in pages for d in p]
    assert numbers == sorted(numbers) and len(set(numbers)) == 12


async def test_reading_the_reports_is_audited_refusals_too(world: World) -> None:
    at(datetime(YEAR, 3, 31, 21, 59, tzinfo=UTC), world)  # 23:59 in Brussels: still Q1
    vat = ReadVatReport(world.uow, world.clock, world.audit)
    assert (await vat(ADMIN, f"{YEAR}Q1")).balance.count == 0
    for bad in (f"{YEAR}Q2", "2027-Q1"):
        with pytest.raises(InvalidInput) as refused:
            await vat(ADMIN, bad)
        assert refused.value.errors[0].field == "quarter"
    listing = ReadDocumentsReport(world.uow, world.audit)
    with pytest.raises(InvalidInput) as refused:
        await listing.open(None, f"{YEAR}-03-02", f"{YEAR}-03-01")
    assert [e.field for e in refused.value.errors] == ["to"]
    await listing.open(None, f"{YEAR}-03-01", f"{YEAR}-03-31")
    async with world.uow as uow:
        vats = await uow.audit.list(AuditFilter(action=AuditAction.READ_VAT_REPORT), 10, None)
        lists = await uow.audit.list(
            AuditFilter(action=AuditAction.READ_DOCUMENTS_REPORT), 10, None
        )
    assert sorted((e.object_id, e.outcome.split(":")[0]) for e in vats.items) == [
        ("vat:2027-Q1", "refused"),
        (f"vat:{YEAR}Q1", "read 0 invoices and 0 credit notes, VAT 0 cents"),
        (f"vat:{YEAR}Q2", "refused"),
    ]
    assert all(e.actor_id == ADMIN for e in vats.items)
    assert sorted((e.object_id, e.outcome.split(":")[0], e.actor_id) for e in lists.items) == [
        (f"documents:{YEAR}-03-01..{YEAR}-03-31", "read", None),
        (f"documents:{YEAR}-03-02..{YEAR}-03-01", "refused", None),
    ]
