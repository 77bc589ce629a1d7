"""The document store, alike on memory, SQLite and PostgreSQL: numbers per
kind and year taken in the adding transaction (a rollback gives them back),
one document per ledger entry, lists newest first with their filters."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from tailtribe.adapters.sqlalchemy.tables import DOCUMENT_KINDS
from tailtribe.domain.errors import Conflict
from tailtribe.domain.model.bookings import Booking
from tailtribe.domain.model.documents import (
    Document,
    DocumentKind,
    Party,
    StatementLine,
    document_number,
)
from tailtribe.domain.model.ledger import LedgerEntry, Movement
from tailtribe.domain.ports.documents import DocumentFilter
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.services.documents.issue import DocumentTerms, IssueDocuments
from tests.contract.conftest import UowFactory
from tests.factories import booking_request, caregiver, pet, user
from tests.fakes.clock import FixedClock

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
START = datetime(2027, 3, 8, 10, 0, tzinfo=UTC)
ISSUER = Party(name="TailTribe BV")


class Ids:
    def new_id(self) -> UUID:
        return uuid4()


class OpenBox:
    def seal(self, plain: str) -> str:
        return plain

    def open(self, sealed: str) -> str:
        return sealed


def test_the_kind_check_lists_every_kind() -> None:
    assert tuple(k.value for k in DocumentKind) == DOCUMENT_KINDS


async def a_booking(uow: UnitOfWork) -> Booking:
    owner, carer = user("Olga", NOW), user("Bram", NOW)
    profile = caregiver(carer, NOW, "Bram")
    rex = pet(owner, NOW)
    booking = booking_request(owner.id, profile.id, (rex.id,), START, now=NOW)
    async with uow:
        await uow.users.add(owner)
        await uow.users.add(carer)
        await uow.caregivers.add(profile)
        await uow.pets.add(rex)
        await uow.bookings.add(booking)
        await uow.commit()
    return booking


def entry(booking: Booking, movement: Movement, cents: int, minutes: int) -> LedgerEntry:
    return LedgerEntry(uuid4(), booking.id, movement, cents, NOW + timedelta(minutes=minutes))


def receipt(
    recipient: UUID, sequence: int, year: int = 2027, ledger: UUID | None = None
) -> Document:
    kind = DocumentKind.RECEIPT
    return Document(
        id=uuid4(),
        kind=kind,
        number=document_number(kind, year, sequence),
        year=year,
        sequence=sequence,
        issued_at=NOW + timedelta(minutes=sequence),
        language="nl",
        recipient_id=recipient,
        issuer=ISSUER,
        recipient=Party(name="Olga"),
        amount_cents=1_000 * sequence,
        ledger_entry_id=ledger,
    )


async def test_numbers_run_per_series_and_a_rollback_gives_them_back(
    make_uow: UowFactory,
) -> None:
    uow = make_uow()
    async with uow:
        assert await uow.documents.next_sequence(DocumentKind.RECEIPT, 2027) == 1
        assert await uow.documents.next_sequence(DocumentKind.RECEIPT, 2027) == 2
        assert await uow.documents.next_sequence(DocumentKind.CREDIT_NOTE, 2027) == 1
        assert await uow.documents.next_sequence(DocumentKind.RECEIPT, 2028) == 1
        await uow.commit()
    async with uow:
        assert await uow.documents.next_sequence(DocumentKind.RECEIPT, 2027) == 3
        # no commit: given back
    async with uow:
        assert await uow.documents.next_sequence(DocumentKind.RECEIPT, 2027) == 3


async def test_one_document_per_ledger_entry_and_lists_with_filters(
    make_uow: UowFactory,
) -> None:
    uow = make_uow()
    booking = await a_booking(uow)
    capture = entry(booking, Movement.CAPTURE, 3_000, 1)
    async with uow:
        await uow.ledger.add([capture])
        await uow.commit()
    first = receipt(booking.owner_id, 1, ledger=capture.id)
    async with uow:
        await uow.documents.add(first)
        await uow.commit()
    async with uow:
        with pytest.raises(Conflict):
            await uow.documents.add(receipt(booking.owner_id, 2, ledger=capture.id))
    other = uuid4()
    async with uow:
        await uow.documents.add(receipt(other, 2))
        await uow.documents.add(receipt(booking.owner_id, 1, year=2028))
        await uow.commit()
    async with uow:
        stored = await uow.documents.get(first.id)
        everything = await uow.documents.list(DocumentFilter(), 10, 0)
        mine = await uow.documents.list(DocumentFilter(recipient_id=booking.owner_id), 10, 0)
        of_2027 = await uow.documents.list(
            DocumentFilter(booking.owner_id, DocumentKind.RECEIPT, 2027), 10, 0
        )
        no_invoices = await uow.documents.list(
            DocumentFilter(kind=DocumentKind.COMMISSION_INVOICE), 10, 0
        )
        second_page = await uow.documents.list(DocumentFilter(), 1, 1)
    assert stored is not None and stored.document == first and stored.file_key is None
    assert [s.document.number for s in everything.items] == [
        "TT-R-2027-000002",
        "TT-R-2028-000001",
        "TT-R-2027-000001",
    ]  # newest issued first
    assert (mine.total, of_2027.total, no_invoices.total) == (2, 1, 0)
    assert [s.document.id for s in of_2027.items] == [first.id]
    assert second_page.total == 3 and len(second_page.items) == 1


async def test_the_job_issues_what_the_ledger_owes_once_and_records_the_send(
    make_uow: UowFactory,
) -> None:
    uow = make_uow()
    booking = await a_booking(uow)
    moves = [
        entry(booking, Movement.AUTHORIZATION, 3_000, 0),
        entry(booking, Movement.CAPTURE, 3_000, 1),
        entry(booking, Movement.REFUND, 500, 2),
        entry(booking, Movement.COMMISSION, 500, 3),
        entry(booking, Movement.TRANSFER, 2_000, 3),
        entry(booking, Movement.COMMISSION_RETURN, 121, 4),
        entry(booking, Movement.STRIPE_FEE, 50, 5),
    ]
    async with uow:
        await uow.ledger.add(moves)
        await uow.commit()
    issue = IssueDocuments(uow, Ids(), FixedClock(NOW), DocumentTerms(ISSUER, 21), OpenBox())
    assert await issue() == 4
    assert await issue() == 0
    async with uow:
        left = await uow.documents.undocumented(list(Movement), 10)
        past = await uow.documents.undocumented(
            list(Movement), 10, after=(left[0].occurred_at, left[0].id)
        )
        page = await uow.documents.list(DocumentFilter(booking_id=booking.id), 10, 0)
        latest = await uow.documents.latest(booking.id, DocumentKind.RECEIPT)
        waiting = await uow.documents.unsent(10)
    assert {e.movement for e in left} == {
        Movement.AUTHORIZATION,
        Movement.TRANSFER,
        Movement.STRIPE_FEE,
    }
    assert past == left[1:]  # pages on past an entry
    by_kind = {s.document.kind: s.document for s in page.items}
    assert latest is not None and latest == by_kind[DocumentKind.RECEIPT]
    assert by_kind[DocumentKind.REFUND_NOTE].corrects == latest.number
    credit = by_kind[DocumentKind.CREDIT_NOTE]
    assert (credit.amount_cents, credit.net_cents, credit.vat_cents) == (121, 100, 21)
    assert credit.corrects == by_kind[DocumentKind.COMMISSION_INVOICE].number
    assert credit.recipient_id != booking.owner_id
    assert len(waiting) == 4
    async with uow:
        assert await uow.documents.mark_sent(waiting[0], "documents/x.pdf", NOW)
        await uow.commit()
    async with uow:
        assert not await uow.documents.mark_sent(waiting[0], "documents/x.pdf", NOW)
        stored = await uow.documents.get(waiting[0])
        assert len(await uow.documents.unsent(10)) == 3
        assert await uow.documents.unsent(10, after=waiting[1]) == waiting[2:]
    assert stored is not None and (stored.file_key, stored.notified_at) == ("documents/x.pdf", NOW)


async def test_a_statement_keeps_its_lines_and_is_one_per_caregiver_and_month(
    make_uow: UowFactory,
) -> None:
    uow = make_uow()
    booking = await a_booking(uow)
    kind = DocumentKind.STATEMENT
    carer = uuid4()

    def statement(sequence: int) -> Document:
        line = StatementLine(
            booking_id=booking.id,
            service="dog_walking",
            starts_at=START,
            paid_at=START + timedelta(days=2),
            gross_cents=3_000,
            commission_cents=600,
            vat_cents=104,
            paid_out_cents=2_400,
        )
        return Document(
            id=uuid4(),
            kind=kind,
            number=document_number(kind, 2027, sequence),
            year=2027,
            sequence=sequence,
            issued_at=NOW,
            language="fr",
            recipient_id=carer,
            issuer=ISSUER,
            recipient=Party(name="Bram", street="Rue 2", vat_number="BE0123456749"),
            amount_cents=2_400,
            period=date(2027, 2, 1),
            lines=(line,),
        )

    first = statement(1)
    async with uow:
        await uow.documents.add(first)
        await uow.commit()
    async with uow:
        with pytest.raises(Conflict):
            await uow.documents.add(statement(2))
    async with uow:
        stored = await uow.documents.get(first.id)
    assert stored is not None and stored.document == first


async def test_issued_in_a_period_reads_in_number_order_per_kind_page_by_page(
    make_uow: UowFactory,
) -> None:
    uow = make_uow()
    booking = await a_booking(uow)
    moves = [
        entry(booking, Movement.CAPTURE, 3_000, 1),
        entry(booking, Movement.COMMISSION, 500, 3),
        entry(booking, Movement.REFUND, 500, 2),
        entry(booking, Movement.COMMISSION_RETURN, 121, 4),
    ]
    async with uow:
        await uow.ledger.add(moves)
        await uow.commit()
    clock = FixedClock(NOW)
    issue = IssueDocuments(uow, Ids(), clock, DocumentTerms(ISSUER, 21), OpenBox())
    assert await issue() == 4
    async with uow:  # two more receipts: one inside the period, one on its end (left out)
        await uow.documents.add(receipt(booking.owner_id, 2))
        late = receipt(booking.owner_id, 3)
        await uow.documents.add(replace(late, issued_at=NOW + timedelta(hours=1)))
        await uow.commit()
    start, end = NOW, NOW + timedelta(hours=1)
    every = tuple(DocumentKind)
    async with uow:
        whole = await uow.documents.issued(start, end, every, None, 100)
        first = await uow.documents.issued(start, end, every, None, 2)
        rest = await uow.documents.issued(
            start, end, every, (first[-1].kind.value, first[-1].year, first[-1].sequence), 100
        )
        vat = await uow.documents.issued(
            start,
            end,
            (DocumentKind.COMMISSION_INVOICE, DocumentKind.CREDIT_NOTE),
            None,
            100,
        )
        before = await uow.documents.issued(start - timedelta(days=1), start, every, None, 100)
    assert [d.number for d in whole] == [
        "TT-2027-000001",
        "TT-C-2027-000001",
        "TT-R-2027-000001",
        "TT-R-2027-000002",
        "TT-N-2027-000001",
    ]  # by kind (commission_invoice, credit_note, receipt, refund_note), then number
    assert [d.number for d in [*first, *rest]] == [d.number for d in whole]
    assert [d.kind for d in vat] == [DocumentKind.COMMISSION_INVOICE, DocumentKind.CREDIT_NOTE]
    assert before == []
