"""Money documents drawn from the ledger (docs/documents.md): every document's
amount is its ledger entry's, cent for cent, over many booking histories;
each entry gets one document; numbers start again each Brussels year."""

from __future__ import annotations

import asyncio
import dataclasses
import io
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from tailtribe.adapters.pdf import make_renderer
from tailtribe.adapters.simulated.payment_gateway import SimulatedPaymentGateway
from tailtribe.domain.model.audit import AuditAction
from tailtribe.domain.model.booking_payment import PaymentMethod
from tailtribe.domain.model.bookings import Booking
from tailtribe.domain.model.caregivers import Caregiver, ProfileDetails
from tailtribe.domain.model.documents import (
    CORRECTS,
    ISSUED_FROM,
    Document,
    DocumentKind,
    Party,
    vat_split,
)
from tailtribe.domain.model.ledger import Movement, totals
from tailtribe.domain.model.notifications import EmailKind
from tailtribe.domain.model.tax_details import SealedTaxDetails, TaxDetails
from tailtribe.domain.model.users import Locale
from tailtribe.domain.ports.documents import DocumentFilter
from tailtribe.domain.services.documents.issue import (
    DocumentTerms,
    IssueDocuments,
    SendDocuments,
)
from tailtribe.domain.services.documents.read import ReadDocuments
from tailtribe.domain.services.terms import Actor
from tests.domain.test_booking_state_machine import june_booking
from tests.factories import user
from tests.services.conftest import World

ISSUER = Party(name="TailTribe BV", street="Rue 1", postcode="1000", city="Brussels")
DISPUTE_WINDOW = timedelta(hours=48)


class OpenBox:
    """Seals nothing: the tests read what the use case unseals."""

    def seal(self, plain: str) -> str:
        return plain

    def open(self, sealed: str) -> str:
        return sealed


def issuer_of(world: World, rate: int = 21) -> IssueDocuments:
    return IssueDocuments(world.uow, world.ids, world.clock, DocumentTerms(ISSUER, rate), OpenBox())


class MemoryStorage:
    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}
        self.puts = 0

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        self.objects[key] = (data, content_type)
        self.puts += 1

    async def get(self, key: str) -> bytes | None:
        found = self.objects.get(key)
        return None if found is None else found[0]

    async def delete(self, keys: Sequence[str]) -> None:
        for key in keys:
            self.objects.pop(key, None)

    def url(self, key: str, *, private: bool, max_seconds: int | None = None) -> str:
        return f"https://files.example/{key}?private={private}&seconds={max_seconds}"


async def with_parties(world: World, booking: Booking, locale: Locale = Locale.FR) -> UUID:
    """Store the booking's owner, caregiver and caregiver's account; returns
    the caregiver's user id."""
    now = world.clock.now()
    owner = dataclasses.replace(user("Olga", now, locale=locale), id=booking.owner_id)
    carer = user("Bram", now, locale=Locale.NL)
    profile = Caregiver(
        id=booking.caregiver_id,
        user_id=carer.id,
        profile=ProfileDetails(display_name="Bram"),
        stripe_account_id="acct_1",
    )
    async with world.uow as uow:
        await uow.users.add(owner)
        await uow.users.add(carer)
        await uow.caregivers.add(profile)
        await uow.commit()
    return carer.id


async def publish(world: World, booking: Booking, *, new: bool = False) -> None:
    async with world.uow as uow:
        if new:
            await uow.bookings.add(booking)
        else:
            await uow.bookings.save(booking)
        await world.outbox.publish(uow, [booking])
        await uow.commit()


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[str, int]]:
    """A booking's money story: how it was paid, refunds before the payout
    (as fractions of what remains), whether it was paid out, refunds after."""
    steps: list[tuple[str, int]] = [(draw(st.sampled_from(["card", "bancontact"])), 0)]
    steps += [("refund", draw(st.integers(1, 100))) for _ in range(draw(st.integers(0, 2)))]
    if draw(st.booleans()):
        steps.append(("payout", 0))
        steps += [("refund", draw(st.integers(1, 100))) for _ in range(draw(st.integers(0, 3)))]
    return steps


async def play(world: World, history: list[tuple[str, int]]) -> Booking:
    """Drive a booking through the domain's own transitions, each published
    (so the ledger gets its entries as in production)."""
    booking = june_booking(start=datetime(2026, 6, 1, 8, tzinfo=UTC))
    await with_parties(world, booking)
    now = booking.created_at + timedelta(minutes=5)
    total = booking.price.total_cents
    paid_how, _ = history[0]
    booking.attach_payment(f"pi_{booking.id.hex}", "secret")
    if paid_how == "card":
        booking.authorize(now, total)
        await publish(world, booking, new=True)
        booking.accept(now + timedelta(hours=1))
    else:
        booking.pay(now, total, PaymentMethod.BANCONTACT)
        await publish(world, booking, new=True)
        booking.accept(now + timedelta(hours=1))
    await publish(world, booking)
    when = now + timedelta(hours=2)
    for step, share in history[1:]:
        if step == "payout":
            booking.start_service(booking.start)
            booking.complete(booking.end, DISPUTE_WINDOW)
            due = booking.end + DISPUTE_WINDOW
            if booking.is_payout_due(due):  # nothing to pay out once all was refunded
                booking.pay_out(due, f"tr_{booking.id.hex}")
            when = booking.end + DISPUTE_WINDOW + timedelta(hours=1)
        else:
            remaining = booking.payment.remaining_cents
            if remaining == 0:
                continue
            booking.refund(when, max(1, remaining * share // 100), "goodwill")
            when += timedelta(minutes=1)
        await publish(world, booking)
    return booking


async def documents_of(world: World) -> list[Document]:
    async with world.uow as uow:
        page = await uow.documents.list(DocumentFilter(), 10_000, 0)
    return [s.document for s in page.items]


@settings(max_examples=30, deadline=None)
@given(
    stories=st.lists(histories(), min_size=1, max_size=4),
    rate=st.sampled_from([0, 6, 21, 100]),
)
def test_every_document_equals_its_ledger_entry_cent_for_cent(
    stories: list[list[tuple[str, int]]], rate: int
) -> None:
    async def run() -> None:
        world = World()
        world.gateway = SimulatedPaymentGateway()
        bookings = [await play(world, story) for story in stories]
        issued = await issuer_of(world, rate)()
        documents = await documents_of(world)
        assert issued == len(documents)
        by_kind_total: Counter[DocumentKind] = Counter()
        ledger_total: Counter[DocumentKind] = Counter()
        for booking in bookings:
            async with world.uow as uow:
                entries = await uow.ledger.for_booking(booking.id)
            moved = totals(entries)
            mine = [d for d in documents if d.booking and d.booking.booking_id == booking.id]
            sums: Counter[DocumentKind] = Counter()
            for d in mine:
                sums[d.kind] += d.amount_cents
            assert sums[DocumentKind.RECEIPT] == (
                moved[Movement.CAPTURE] + moved[Movement.IMMEDIATE_CAPTURE]
            )
            assert sums[DocumentKind.RECEIPT] == booking.payment.captured_cents
            assert sums[DocumentKind.REFUND_NOTE] == moved[Movement.REFUND]
            assert sums[DocumentKind.REFUND_NOTE] == booking.payment.refunded_cents
            assert sums[DocumentKind.COMMISSION_INVOICE] == moved[Movement.COMMISSION]
            assert sums[DocumentKind.CREDIT_NOTE] == moved[Movement.COMMISSION_RETURN]
            # One document per entry that issues one, and no other.
            owed = [e for e in entries if e.movement in ISSUED_FROM]
            assert sorted(d.ledger_entry_id for d in mine) == sorted(e.id for e in owed)  # type: ignore[type-var]
            for d in mine:
                if d.kind in (DocumentKind.COMMISSION_INVOICE, DocumentKind.CREDIT_NOTE):
                    assert (d.net_cents, d.vat_cents) == vat_split(d.amount_cents, rate)
                    assert d.net_cents + d.vat_cents == d.amount_cents
                    assert d.vat_rate_percent == rate
                    assert d.language == "nl"  # the caregiver's
                else:
                    assert (d.net_cents, d.vat_cents) == (0, 0)
                    assert d.language == "fr"  # the owner's
                    assert d.payment_method == booking.payment.method
                if d.kind in CORRECTS:
                    corrected = {x.number for x in mine if x.kind is CORRECTS[d.kind]}
                    assert d.corrects in corrected
            by_kind_total.update(sums)
            for e in entries:
                if e.movement in ISSUED_FROM:
                    ledger_total[ISSUED_FROM[e.movement]] += e.amount_cents
        assert by_kind_total == ledger_total
        # Per kind and year, numbers run 1..N without a gap.
        for kind in DocumentKind:
            sequences = sorted(d.sequence for d in documents if d.kind is kind)
            assert sequences == list(range(1, len(sequences) + 1))
        # A second run finds nothing to issue.
        assert await issuer_of(world, rate)() == 0

    asyncio.run(run())


async def paid_and_refunded(world: World) -> Booking:
    return await play(world, [("card", 0), ("refund", 50), ("payout", 0), ("refund", 50)])


async def test_files_are_stored_privately_and_each_recipient_emailed_once(world: World) -> None:
    booking = await paid_and_refunded(world)
    assert await issuer_of(world)() == 5  # a receipt, 2 refund notes, an invoice, a credit note
    storage = MemoryStorage()
    send = SendDocuments(world.uow, storage, make_renderer(), world.outbox, world.clock)
    assert await send() == 5
    assert await send() == 0  # sent once
    documents = await documents_of(world)
    for d in documents:
        data, content_type = storage.objects[f"private/documents/{d.recipient_id}/{d.number}.pdf"]
        assert data.startswith(b"%PDF") and content_type == "application/pdf"
        assert d.number in "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    topics = Counter(m.topic for m in world.uow.outbox_rows.values() if "document_id" in m.payload)
    kinds = Counter(d.kind for d in documents)
    assert topics == {
        EmailKind(f"document_{kind.value}").topic: count for kind, count in kinds.items()
    }
    read = ReadDocuments(world.uow, storage, world.audit)
    owner = Actor(booking.owner_id, frozenset())
    page = await read.mine(booking.owner_id, DocumentFilter(), 20, 0)
    assert {v.stored.document.kind for v in page.items} == {
        DocumentKind.RECEIPT,
        DocumentKind.REFUND_NOTE,
    }
    view = await read.one(owner, page.items[0].stored.document.id)
    assert view.download_url is not None and "private=True&seconds=300" in view.download_url


async def test_a_crash_after_the_file_is_stored_writes_the_same_key_and_emails_once(
    world: World,
) -> None:
    await play(world, [("card", 0)])
    assert await issuer_of(world)() == 1
    storage = MemoryStorage()
    send = SendDocuments(world.uow, storage, make_renderer(), world.outbox, world.clock)

    class Crash(Exception):
        pass

    async def crashing_mark(*args: object) -> bool:
        raise Crash

    (document,) = await documents_of(world)
    async with world.uow as uow:
        real = type(uow.documents).mark_sent
    type(world.uow.documents).mark_sent = crashing_mark  # type: ignore[method-assign,assignment]
    try:
        with pytest.raises(Crash):
            await send.send(document.id)
    finally:
        type(world.uow.documents).mark_sent = real  # type: ignore[method-assign]
    assert storage.puts == 1
    assert await send() == 1
    assert storage.puts == 2 and len(storage.objects) == 1  # the same key again
    emails = [m for m in world.uow.outbox_rows.values() if "document_id" in m.payload]
    assert len(emails) == 1


async def test_a_document_issued_on_new_years_night_in_brussels_starts_the_new_series(
    world: World,
) -> None:
    await play(world, [("card", 0)])
    # 23:30 UTC on 31 December is 00:30 on 1 January in Brussels.
    world.clock.advance(datetime(2026, 12, 31, 23, 30, tzinfo=UTC) - world.clock.now())
    assert await issuer_of(world)(True) == 1  # the daily run: the payment was in June
    (receipt,) = await documents_of(world)
    assert (receipt.year, receipt.sequence, receipt.number) == (2027, 1, "TT-R-2027-000001")


async def test_the_invoice_names_the_caregivers_legal_details_when_given(world: World) -> None:
    booking = await play(world, [("card", 0), ("payout", 0)])
    details = TaxDetails(
        caregiver_id=booking.caregiver_id,
        first_name="Bram",
        last_name="Peeters",
        birth_date=date(1990, 1, 1),
        street="Kerkstraat 1",
        postcode="2000",
        city="Antwerpen",
        country="BE",
        tin="90010100123",
        tin_country="BE",
        iban="BE71096123456769",
        enterprise_number="0123456749",
        vat_number="BE0123456749",
        updated_at=world.clock.now(),
    )
    async with world.uow as uow:
        await uow.tax_details.save(
            SealedTaxDetails(booking.caregiver_id, details.seal_text(), world.clock.now())
        )
        await uow.commit()
    assert await issuer_of(world)() == 2
    invoice = next(
        d for d in await documents_of(world) if d.kind is DocumentKind.COMMISSION_INVOICE
    )
    assert invoice.recipient == Party(
        name="Bram Peeters",
        street="Kerkstraat 1",
        postcode="2000",
        city="Antwerpen",
        country="BE",
        enterprise_number="0123456749",
        vat_number="BE0123456749",
    )
    assert invoice.issuer == ISSUER
    assert invoice.amount_cents == booking.price.commission_cents


async def test_someone_elses_document_is_not_found(world: World) -> None:
    booking = await play(world, [("card", 0)])
    await issuer_of(world)()
    (receipt,) = await documents_of(world)
    read = ReadDocuments(world.uow, MemoryStorage(), world.audit)
    from tailtribe.domain.errors import NotFound

    with pytest.raises(NotFound):
        await read.one(Actor(booking.caregiver_id, frozenset()), receipt.id)
    assert (await read.one(Actor(booking.owner_id, frozenset()), receipt.id)).download_url is None


async def test_an_erased_recipients_document_is_stored_but_not_emailed(world: World) -> None:
    booking = await play(world, [("card", 0)])
    assert await issuer_of(world)() == 1
    async with world.uow as uow:
        owner = await uow.users.get(booking.owner_id)
        assert owner is not None
        await uow.users.save(dataclasses.replace(owner, erased_at=world.clock.now()))
        await uow.commit()
    storage = MemoryStorage()
    send = SendDocuments(world.uow, storage, make_renderer(), world.outbox, world.clock)
    assert await send() == 1 and len(storage.objects) == 1
    assert not [m for m in world.uow.outbox_rows.values() if "document_id" in m.payload]


class RotatedBox:
    """Details sealed under a secret key since rotated: nothing opens."""

    def seal(self, plain: str) -> str:
        return plain

    def open(self, sealed: str) -> str:
        raise ValueError("the tag does not match")


async def test_details_that_no_longer_open_fall_back_to_the_accounts_name(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    booking = await play(world, [("card", 0), ("payout", 0)])
    async with world.uow as uow:
        await uow.tax_details.save(
            SealedTaxDetails(booking.caregiver_id, "sealed-under-the-old-key", world.clock.now())
        )
        await uow.commit()
    issue = IssueDocuments(
        world.uow, world.ids, world.clock, DocumentTerms(ISSUER, 21), RotatedBox()
    )
    assert await issue() == 2
    invoice = next(
        d for d in await documents_of(world) if d.kind is DocumentKind.COMMISSION_INVOICE
    )
    assert invoice.recipient == Party(name=user("Bram", world.clock.now()).full_name)
    assert "sealed-under-the-old-key" not in caplog.text


async def test_entries_that_fail_never_keep_the_others_waiting(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tailtribe.domain.services.documents import issue as issue_module

    monkeypatch.setattr(issue_module, "BATCH", 2)
    stuck = [await play(world, [("card", 0)]) for _ in range(3)]  # the oldest entries
    world.clock.advance(timedelta(days=1))
    fine = [await play(world, [("card", 0)]) for _ in range(3)]
    failing = {b.id for b in stuck}
    issue = issuer_of(world)
    real = IssueDocuments._draft

    async def draft(self: IssueDocuments, uow: object, entry: object) -> object:
        if entry.booking_id in failing:  # type: ignore[attr-defined]
            raise LookupError("a party is gone")
        return await real(self, uow, entry)  # type: ignore[arg-type]

    monkeypatch.setattr(IssueDocuments, "_draft", draft)
    assert await issue() == 3
    issued = {d.booking.booking_id for d in await documents_of(world) if d.booking}
    assert issued == {b.id for b in fine}
    # SendDocuments likewise: files that fail to render keep no other waiting.
    renderer = make_renderer()
    failing_numbers = {d.number for d in (await documents_of(world))[:2]}

    class Flaky:
        content_type = renderer.content_type

        def render(self, document: Document) -> bytes:
            if document.number in failing_numbers:
                raise RuntimeError("the renderer broke")
            return renderer.render(document)

    storage = MemoryStorage()
    send = SendDocuments(world.uow, storage, Flaky(), world.outbox, world.clock)
    assert await send() == 1


async def test_a_credit_note_gives_back_vat_at_its_invoices_rate(world: World) -> None:
    booking = await play(world, [("card", 0), ("payout", 0)])
    assert await issuer_of(world, rate=21)() == 2
    booking.refund(booking.end + DISPUTE_WINDOW + timedelta(hours=2), 1_000, "goodwill")
    await publish(world, booking)
    assert await issuer_of(world, rate=6)() == 2  # the rate changed since the invoice
    documents = {d.kind: d for d in await documents_of(world)}
    credit = documents[DocumentKind.CREDIT_NOTE]
    assert credit.vat_rate_percent == 21
    assert (credit.net_cents, credit.vat_cents) == vat_split(credit.amount_cents, 21)
    assert credit.corrects == documents[DocumentKind.COMMISSION_INVOICE].number


async def test_a_refund_note_waits_for_the_receipt_it_corrects(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking = await play(world, [("card", 0), ("refund", 50)])
    real = IssueDocuments._draft
    broken = True

    async def draft(self: IssueDocuments, uow: object, entry: object) -> object:
        if broken and ISSUED_FROM[entry.movement] is DocumentKind.RECEIPT:  # type: ignore[attr-defined]
            raise RuntimeError("the database went away")
        return await real(self, uow, entry)  # type: ignore[arg-type]

    monkeypatch.setattr(IssueDocuments, "_draft", draft)
    assert await issuer_of(world)() == 0  # the refund note waits with its receipt
    assert await documents_of(world) == []
    # Even alone (its receipt's entry out of sight), it is not issued without it.
    async with world.uow as uow:
        entries = await uow.ledger.for_booking(booking.id)
    (refund,) = [e for e in entries if e.movement is Movement.REFUND]
    assert not await issuer_of(world).issue(refund)
    assert await documents_of(world) == []
    broken = False
    assert await issuer_of(world)() == 2
    documents = {d.kind: d for d in await documents_of(world)}
    assert documents[DocumentKind.REFUND_NOTE].corrects == documents[DocumentKind.RECEIPT].number


async def test_documents_issued_long_after_their_movement_are_stored_not_emailed(
    world: World,
) -> None:
    storage = MemoryStorage()
    send = SendDocuments(world.uow, storage, make_renderer(), world.outbox, world.clock)
    await play(world, [("card", 0)])
    assert await issuer_of(world)() == 1 and await send() == 1  # issued soon after: emailed
    late = await play(world, [("card", 0)])
    async with world.uow as uow:
        (capture, *_) = await uow.ledger.for_booking(late.id)
    # A first deploy, a month after the payment.
    world.clock.advance(capture.occurred_at + timedelta(days=31) - world.clock.now())
    assert await issuer_of(world)(True) == 1  # the backfill
    assert await send() == 1 and len(storage.objects) == 2  # stored and listed
    emails = [m for m in world.uow.outbox_rows.values() if "document_id" in m.payload]
    first = min(await documents_of(world), key=lambda d: d.issued_at)
    assert [m.payload["document_id"] for m in emails] == [str(first.id)]
    assert await send() == 0  # dealt with: never emailed later either


async def test_the_minute_run_reads_the_last_week_and_the_daily_run_everything(
    world: World,
) -> None:
    booking = await play(world, [("card", 0)])
    async with world.uow as uow:
        (capture, *_) = await uow.ledger.for_booking(booking.id)
    world.clock.advance(capture.occurred_at + timedelta(days=8) - world.clock.now())
    assert await issuer_of(world)() == 0  # older than a week: not the minute run's
    assert await issuer_of(world)(True) == 1  # the daily run and the backfill


async def test_an_admins_read_is_recorded_against_each_user_the_page_shows(world: World) -> None:
    booking = await play(world, [("card", 0), ("payout", 0)])
    assert await issuer_of(world)() == 2  # the owner's receipt, the caregiver's invoice
    read = ReadDocuments(world.uow, MemoryStorage(), world.audit)
    admin = uuid4()
    page = await read.for_admin(admin, DocumentFilter(), 20, 0)
    assert page.total == 2
    recipients = {d.recipient_id for d in await documents_of(world)}
    assert len(recipients) == 2 and booking.owner_id in recipients
    entries = {(e.object_type, e.object_id): e for e in world.uow.audit_rows}
    assert set(entries) == {("user", str(r)) for r in recipients}
    assert all(
        e.actor_id == admin
        and e.action is AuditAction.READ_DOCUMENTS
        and e.outcome == "read 1 document(s) (1-2 of 2)"
        for e in entries.values()
    )
    # A second page past the end reads nothing and says so, against the search.
    await read.for_admin(admin, DocumentFilter(booking_id=booking.id), 20, 5)
    last = world.uow.audit_rows[-1]
    assert (last.object_type, last.object_id) == ("booking", str(booking.id))
    assert last.outcome == f"read 0 document(s) (none of 2; booking {booking.id})"
