"""Caregivers' monthly statements drawn from the ledger (docs/documents.md):
over random payout and refund histories spread over months, each statement's
lines and totals are its month's transfers, reversals and commissions, cent
for cent; months end at midnight in Brussels; a second run issues nothing."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from tailtribe.adapters.pdf import make_renderer
from tailtribe.domain.model.booking_payment import PaymentMethod
from tailtribe.domain.model.bookings import Booking
from tailtribe.domain.model.caregivers import Caregiver, ProfileDetails
from tailtribe.domain.model.documents import Document, DocumentKind, vat_split
from tailtribe.domain.model.ledger import LedgerEntry, Movement
from tailtribe.domain.model.notifications import EmailKind
from tailtribe.domain.model.pricing import Service
from tailtribe.domain.model.statements import month_bounds, month_of
from tailtribe.domain.model.users import Locale
from tailtribe.domain.ports.documents import DocumentFilter
from tailtribe.domain.services.documents.issue import (
    DocumentTerms,
    IssueStatements,
    SendDocuments,
)
from tailtribe.domain.services.documents.read import ReadDocuments
from tests.adapters.test_pdf_documents import euros, text_of
from tests.domain.test_booking_state_machine import june_booking
from tests.factories import user
from tests.services.conftest import World
from tests.services.test_documents import ISSUER, MemoryStorage, OpenBox, publish

WINDOW = timedelta(hours=48)
HOUR = timedelta(hours=1)
FIRST_DAY = datetime(2026, 1, 5, 8, tzinfo=UTC)
LANGUAGES = (Locale.NL, Locale.FR, Locale.EN)


def statements_of(world: World, rate: int = 21) -> IssueStatements:
    return IssueStatements(
        world.uow, world.ids, world.clock, DocumentTerms(ISSUER, rate), OpenBox()
    )


async def caregivers(world: World, count: int) -> list[Caregiver]:
    now = world.clock.now()
    made = []
    async with world.uow as uow:
        for i in range(count):
            account = user(f"Carer{i}", now, locale=LANGUAGES[i % len(LANGUAGES)])
            profile = Caregiver(
                id=uuid4(),
                user_id=account.id,
                profile=ProfileDetails(display_name=f"Carer{i}"),
                stripe_account_id=f"acct_{i}",
            )
            await uow.users.add(account)
            await uow.caregivers.add(profile)
            made.append(profile)
        await uow.commit()
    return made


@dataclasses.dataclass(frozen=True)
class Story:
    """One booking's money: who looks after the pet, when it starts, how it
    is paid, a refund before the payout (percent of what remains, 0 for none),
    the hours between the dispute window's end and the payout (None: never
    paid out), then refunds after the payout (hours after it, percent)."""

    caregiver: int
    start: datetime
    bancontact: bool
    refund_before: int
    payout_delay: int | None
    refunds_after: tuple[tuple[int, int], ...]


@st.composite
def stories(draw: st.DrawFn) -> Story:
    return Story(
        caregiver=draw(st.integers(0, 2)),
        start=FIRST_DAY + timedelta(hours=draw(st.integers(0, 24 * 150))),
        bancontact=draw(st.booleans()),
        refund_before=draw(st.sampled_from([0, 0, 30, 100])),
        payout_delay=draw(st.one_of(st.none(), st.integers(0, 24 * 40))),
        refunds_after=tuple(
            draw(st.lists(st.tuples(st.integers(1, 24 * 70), st.integers(1, 100)), max_size=3))
        ),
    )


async def play(world: World, carer: Caregiver, story: Story) -> Booking:
    """Drive one booking through the domain's transitions at the story's
    times, each published (the ledger gets its entries as in production)."""
    booking = june_booking(Service.DOG_WALKING, start=story.start, end=story.start + HOUR)
    booking.caregiver_id = carer.id
    owner = dataclasses.replace(user("Olga", world.clock.now()), id=booking.owner_id)
    async with world.uow as uow:
        await uow.users.add(owner)
        await uow.commit()
    now = booking.created_at + timedelta(minutes=5)
    total = booking.price.total_cents
    booking.attach_payment(f"pi_{booking.id.hex}", "secret")
    if story.bancontact:
        booking.pay(now, total, PaymentMethod.BANCONTACT)
    else:
        booking.authorize(now, total)
    await publish(world, booking, new=True)
    booking.accept(now + timedelta(hours=1))
    await publish(world, booking)
    if story.refund_before:
        share = max(1, booking.payment.remaining_cents * story.refund_before // 100)
        booking.refund(now + timedelta(hours=2), share, "goodwill")
        await publish(world, booking)
    if story.payout_delay is None:
        return booking
    booking.start_service(booking.start)
    booking.complete(booking.end, WINDOW)
    paid_at = booking.end + WINDOW + timedelta(hours=story.payout_delay)
    if not booking.is_payout_due(paid_at):
        return booking  # all refunded: nothing to pay out
    booking.pay_out(paid_at, f"tr_{booking.id.hex}")
    await publish(world, booking)
    for hours, percent in story.refunds_after:
        remaining = booking.payment.remaining_cents
        if remaining == 0:
            break
        booking.refund(paid_at + timedelta(hours=hours), max(1, remaining * percent // 100))
        await publish(world, booking)
    return booking


async def statements(world: World) -> list[Document]:
    async with world.uow as uow:
        page = await uow.documents.list(DocumentFilter(kind=DocumentKind.STATEMENT), 10_000, 0)
    return [s.document for s in page.items]


async def whole_ledger(world: World, bookings: list[Booking]) -> list[LedgerEntry]:
    entries: list[LedgerEntry] = []
    async with world.uow as uow:
        for booking in bookings:
            entries += await uow.ledger.for_booking(booking.id)
    return entries


@settings(max_examples=40, deadline=None)
@given(
    # Walks of an hour, each starting at its own hour: a caregiver's never overlap.
    histories=st.lists(stories(), min_size=1, max_size=6, unique_by=lambda s: s.start),
    rate=st.sampled_from([0, 6, 21]),
)
def test_each_months_statement_is_its_ledger_cent_for_cent(
    histories: list[Story], rate: int
) -> None:
    async def run() -> None:
        world = World()
        carers = await caregivers(world, 3)
        bookings = [await play(world, carers[s.caregiver], s) for s in histories]
        world.clock.advance(datetime(2027, 3, 10, tzinfo=UTC) - world.clock.now())
        issued = await statements_of(world, rate).backfill()
        documents = await statements(world)
        assert issued == len(documents)

        # What the ledger says, per caregiver's account and Brussels month.
        user_of = {c.id: c.user_id for c in carers}
        caregiver_of = {b.id: b.caregiver_id for b in bookings}
        paid: defaultdict[tuple[UUID, date], int] = defaultdict(int)
        commission: defaultdict[tuple[UUID, date], int] = defaultdict(int)
        count: defaultdict[tuple[UUID, date], int] = defaultdict(int)
        entries = await whole_ledger(world, bookings)
        for e in entries:
            if e.movement not in (Movement.TRANSFER, Movement.REVERSAL):
                continue
            key = (user_of[caregiver_of[e.booking_id]], month_of(e.occurred_at))
            sign = 1 if e.movement is Movement.TRANSFER else -1
            paid[key] += sign * e.amount_cents
            count[key] += 1
            # The commission taken with a transfer, given back with a reversal.
            paired = Movement.COMMISSION if sign == 1 else Movement.COMMISSION_RETURN
            commission[key] += sign * sum(
                x.amount_cents
                for x in entries
                if x.booking_id == e.booking_id
                and x.movement is paired
                and x.occurred_at == e.occurred_at
            )

        # One statement per caregiver and month with a transfer or reversal, no other.
        assert sorted((d.recipient_id, d.period) for d in documents) == sorted(count)
        for d in documents:
            assert d.period is not None
            key = (d.recipient_id, d.period)
            assert d.amount_cents == paid[key]
            assert len(d.lines) == count[key]
            assert sum(line.commission_cents for line in d.lines) == commission[key]
            start, end = month_bounds(d.period)
            for line in d.lines:
                assert start <= line.paid_at < end
                assert line.gross_cents - line.commission_cents == line.paid_out_cents
                size = vat_split(abs(line.commission_cents), rate)[1]
                assert line.vat_cents == (size if line.commission_cents >= 0 else -size)
            assert d.vat_rate_percent == rate
        # Every transfer and reversal is on exactly one statement.
        assert sum(len(d.lines) for d in documents) == sum(count.values())
        assert sum(d.amount_cents for d in documents) == sum(
            e.amount_cents if e.movement is Movement.TRANSFER else -e.amount_cents
            for e in entries
            if e.movement in (Movement.TRANSFER, Movement.REVERSAL)
        )
        # Numbers run 1..N; a second run, scheduled or backfill, issues nothing.
        assert sorted(d.sequence for d in documents) == list(range(1, len(documents) + 1))
        assert await statements_of(world, rate).backfill() == 0
        assert await statements_of(world, rate)() == 0

    asyncio.run(run())


def story_paid_at(paid_at: datetime, refunds_after: tuple[tuple[int, int], ...] = ()) -> Story:
    """A booking paid by card whose payout happens exactly at `paid_at`."""
    start = paid_at - WINDOW - HOUR
    return Story(0, start, False, 0, 0, refunds_after)


async def test_a_payout_at_2330_on_31_january_in_brussels_is_januarys(world: World) -> None:
    (carer,) = await caregivers(world, 1)
    # 22:30 UTC is 23:30 in Brussels (winter time); 23:30 UTC is already 1 February.
    january = await play(world, carer, story_paid_at(datetime(2027, 1, 31, 22, 30, tzinfo=UTC)))
    february = await play(world, carer, story_paid_at(datetime(2027, 1, 31, 23, 30, tzinfo=UTC)))
    issue = statements_of(world)

    # 23:50 in Brussels: January is not over; nothing of December either.
    world.clock.advance(datetime(2027, 1, 31, 22, 50, tzinfo=UTC) - world.clock.now())
    assert await issue() == 0
    # 00:10 on 1 February in Brussels (23:10 UTC on the 31st): January is over,
    # but a payout dated 23:59 may still be committing; an hour after, its statement.
    world.clock.advance(timedelta(minutes=20))
    assert await issue() == 0
    world.clock.advance(timedelta(hours=1))
    assert await issue() == 1
    (statement,) = await statements(world)
    assert statement.period == date(2027, 1, 1)
    assert [line.booking_id for line in statement.lines] == [january.id]
    assert statement.amount_cents == january.payout.paid_out_cents
    assert statement.number == "TT-S-2027-000001"
    assert await issue() == 0
    # February's waits for the end of February.
    world.clock.advance(datetime(2027, 2, 28, 23, 59, tzinfo=UTC) - world.clock.now())
    assert await issue() == 0
    world.clock.advance(timedelta(minutes=2))
    assert await issue() == 1
    later = [d for d in await statements(world) if d.period == date(2027, 2, 1)]
    assert [line.booking_id for line in later[0].lines] == [february.id]


async def test_a_month_of_reversals_only_gives_a_negative_statement(world: World) -> None:
    (carer,) = await caregivers(world, 1)
    paid_at = datetime(2027, 1, 10, 12, tzinfo=UTC)
    booking = await play(world, carer, story_paid_at(paid_at, ((24 * 30, 50),)))
    world.clock.advance(datetime(2027, 3, 1, 12, tzinfo=UTC) - world.clock.now())
    assert await statements_of(world).backfill() == 2
    january, february = sorted(await statements(world), key=lambda d: d.period or date.min)
    payout = booking.payout  # paid_out_cents is net of the reversal
    assert january.amount_cents == payout.paid_out_cents + payout.reversed_cents
    (line,) = february.lines
    assert february.amount_cents == line.paid_out_cents == -payout.reversed_cents < 0
    assert line.gross_cents < line.paid_out_cents  # the refund: reversal and commission
    assert line.commission_cents < 0 and line.vat_cents <= 0
    # Its file prints the reversal: the number and what was taken back.
    text = text_of(make_renderer().render(february))
    assert february.number in text
    taken = euros(-february.amount_cents, "nl")  # the caregiver's language: "€ 20,00"
    assert february.language == "nl" and taken.replace("€ ", "€ -") in text  # "€ -20,00"


async def test_a_statement_is_rendered_stored_listed_for_its_caregiver_and_emailed_once(
    world: World,
) -> None:
    carers = await caregivers(world, 3)  # nl, fr, en
    for carer, day in zip(carers, (4, 11, 18), strict=True):
        await play(world, carer, story_paid_at(datetime(2027, 1, day, 12, tzinfo=UTC)))
        await play(world, carer, story_paid_at(datetime(2027, 1, day + 2, 12, tzinfo=UTC)))
    world.clock.advance(datetime(2027, 2, 1, 6, tzinfo=UTC) - world.clock.now())
    assert await statements_of(world)() == 3
    storage = MemoryStorage()
    send = SendDocuments(world.uow, storage, make_renderer(), world.outbox, world.clock)
    assert await send() == 3
    assert await send() == 0
    documents = await statements(world)
    emails = [m for m in world.uow.outbox_rows.values() if "document_id" in m.payload]
    assert sorted(m.payload["document_id"] for m in emails) == sorted(str(d.id) for d in documents)
    assert {m.topic for m in emails} == {EmailKind.DOCUMENT_STATEMENT.topic}
    read = ReadDocuments(world.uow, storage, world.audit)
    for carer in carers:
        (d,) = [d for d in documents if d.recipient_id == carer.user_id]
        assert len(d.lines) == 2
        data, _ = storage.objects[f"private/documents/{carer.user_id}/{d.number}.pdf"]
        text = text_of(data)
        assert d.number in text
        assert euros(d.amount_cents, d.language) in text  # the total paid out
        assert euros(sum(line.gross_cents for line in d.lines), d.language) in text
        page = await read.mine(carer.user_id, DocumentFilter(), 20, 0)
        assert [v.stored.document.id for v in page.items] == [d.id]
    assert {d.language for d in documents} == {"nl", "fr", "en"}


async def test_a_backfilled_statement_is_stored_but_not_emailed(world: World) -> None:
    (carer,) = await caregivers(world, 1)
    await play(world, carer, story_paid_at(datetime(2027, 1, 4, 12, tzinfo=UTC)))
    await play(world, carer, story_paid_at(datetime(2027, 3, 8, 12, tzinfo=UTC)))
    # Issued on 9 April: January's ended more than 30 days ago, March's not.
    world.clock.advance(datetime(2027, 4, 9, 12, tzinfo=UTC) - world.clock.now())
    assert await statements_of(world).backfill() == 2
    storage = MemoryStorage()
    send = SendDocuments(world.uow, storage, make_renderer(), world.outbox, world.clock)
    assert await send() == 2
    documents = {d.period: d for d in await statements(world)}
    emailed = {
        m.payload["document_id"]
        for m in world.uow.outbox_rows.values()
        if "document_id" in m.payload
    }
    assert emailed == {str(documents[date(2027, 3, 1)].id)}
    assert len(storage.objects) == 2  # both stored, both listed
