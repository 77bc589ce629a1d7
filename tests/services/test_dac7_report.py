"""The DAC7 report ties out to the ledger: random booking histories are built
through the real use cases (capture, payout, refunds after payout), then the
report's figures are compared with sums taken straight from the ledger."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tailtribe.adapters.security.second_factor import tax_details_box
from tailtribe.domain.errors import InvalidInput
from tailtribe.domain.model.audit import AuditAction, AuditFilter
from tailtribe.domain.model.caregivers import Caregiver, ProfileDetails
from tailtribe.domain.model.dac7 import Operator, quarter_of, year_bounds
from tailtribe.domain.model.ledger import Movement
from tailtribe.domain.model.notifications import EmailKind
from tailtribe.domain.model.tax_details import SealedTaxDetails, TaxDetails
from tailtribe.domain.model.time import BRUSSELS
from tailtribe.domain.model.users import Locale, Role, User
from tailtribe.domain.services.payments.disputes import ManageDisputes
from tailtribe.domain.services.payments.payouts import PayOutDue
from tailtribe.domain.services.reports.dac7 import (
    BuildDac7Report,
    ReadDac7Report,
    SendDac7Copies,
    identity_line,
    opened,
)
from tests.domain.test_booking_state_machine import june_booking
from tests.services.conftest import World

YEAR = 2027
ADMIN = uuid4()
SELLERS = [UUID(int=1), UUID(int=2)]
OPERATOR = Operator("TailTribe BV", "Rue de la Loi 16", "1000", "Brussel", "BE", None, None)


@dataclass(frozen=True)
class History:
    seller: int
    start_day: int  # days after 1 December of the year before
    payout_delay_hours: int  # after the dispute window
    refunds: list[tuple[int, int]]  # (hours after the payout, percent of the total)


histories = st.builds(
    History,
    seller=st.integers(0, 1),
    start_day=st.integers(0, 420),
    payout_delay_hours=st.integers(0, 24 * 40),
    refunds=st.lists(st.tuples(st.integers(1, 24 * 100), st.integers(1, 40)), max_size=2),
)


def build(world: World) -> BuildDac7Report:
    return BuildDac7Report(world.uow, tax_details_box("k" * 40), world.clock, OPERATOR)


async def seed_sellers(world: World) -> None:
    async with world.uow as uow:
        for n, cid in enumerate(SELLERS):
            user = User(
                id=uuid4(),
                email=f"seller{n}@example.be",
                full_name=f"Seller {n}",
                password_hash=None,
                locale=Locale.EN,
                roles=frozenset({Role.CAREGIVER}),
                created_at=world.clock.now(),
            )
            await uow.users.add(user)
            await uow.caregivers.add(
                Caregiver(
                    id=cid,
                    user_id=user.id,
                    profile=ProfileDetails(display_name=f"S{n}"),
                    stripe_account_id=f"acct_{n}",
                )
            )
        await uow.commit()


def at(instant: datetime, world: World) -> None:
    world.clock.advance(instant - world.clock.now())


async def play(world: World, h: History) -> None:
    day = date(YEAR - 1, 12, 1) + timedelta(days=h.start_day)
    start = datetime.combine(day, time(15), BRUSSELS)
    booking = june_booking(start=start, end=start + timedelta(days=2, hours=-4))
    booking.caregiver_id = SELLERS[h.seller]
    at(booking.created_at, world)
    total = booking.price.total_cents
    intent = await world.gateway.create_payment_intent(booking.id, total, str(booking.id))
    booking.attach_payment(intent.id, intent.client_secret)
    booking.authorize(world.clock.now(), total)
    booking.accept(world.clock.now())
    booking.complete(booking.end)
    async with world.uow as uow:
        await uow.bookings.add(booking)
        await world.outbox.publish(uow, [booking])
        await uow.commit()
    await world.gateway.capture(intent.id, f"capture {booking.id}")
    at(booking.end + timedelta(hours=48 + h.payout_delay_hours, minutes=1), world)
    assert await PayOutDue(
        world.uow, world.gateway, world.outbox, world.clock, tax_details_box("test-key")
    ).one(booking.id, booking.caregiver_id)
    disputes = ManageDisputes(world.uow, world.gateway, world.outbox, world.clock, world.audit)
    refunded = 0
    for hours, percent in h.refunds:
        amount = min(total * percent // 100, total - refunded)
        if amount <= 0:
            continue
        world.clock.advance(timedelta(hours=hours))
        await disputes.refund(ADMIN, booking.id, amount, "goodwill")
        refunded += amount


START, END = year_bounds(YEAR)


def pay_time(h: History) -> datetime:
    """When `play` pays the booking out."""
    day = date(YEAR - 1, 12, 1) + timedelta(days=h.start_day)
    end = datetime.combine(day, time(15), BRUSSELS) + timedelta(days=2, hours=-4)
    return end + timedelta(hours=48 + h.payout_delay_hours, minutes=1)


def run(coro: object) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(histories, min_size=1, max_size=5))
def test_the_report_equals_the_ledger_quarter_by_quarter(plays: list[History]) -> None:
    async def scenario() -> None:
        world = World()
        at(datetime(YEAR - 1, 11, 1, tzinfo=UTC), world)
        await seed_sellers(world)
        # each booking's own history moves forward; the clock goes back for the next
        for h in plays:
            await play(world, h)
        at(datetime(YEAR + 2, 1, 2, tzinfo=UTC), world)
        report = await build(world)(YEAR)

        start, end = year_bounds(YEAR)
        wanted: dict[tuple[UUID, int], list[int]] = defaultdict(lambda: [0, 0])
        paid: dict[tuple[UUID, int], set[UUID]] = defaultdict(set)
        async with world.uow as uow:
            for booking in list(world.uow.store.bookings.values()):
                for e in await uow.ledger.for_booking(booking.id):
                    if not start <= e.occurred_at < end:
                        continue
                    key = (booking.caregiver_id, quarter_of(e.occurred_at))
                    sign = {
                        Movement.TRANSFER: (1, 0),
                        Movement.REVERSAL: (-1, 0),
                        Movement.COMMISSION: (0, 1),
                        Movement.COMMISSION_RETURN: (0, -1),
                    }.get(e.movement, (0, 0))
                    wanted[key][0] += sign[0] * e.amount_cents
                    wanted[key][1] += sign[1] * e.amount_cents
                    if e.movement is Movement.TRANSFER:
                        paid[key].add(booking.id)
        assert sum(len(p) for p in paid.values()) == sum(START <= pay_time(h) < END for h in plays)
        got = {s.figures.caregiver_id: s for s in report.sellers}
        for cid in SELLERS:
            rows = [wanted[(cid, q)] for q in range(4)]
            if cid not in got:
                assert sum(r[0] for r in rows) == 0 and sum(r[1] for r in rows) == 0
                continue
            for q, quarter in enumerate(got[cid].figures.quarters):
                assert quarter.consideration_cents == wanted[(cid, q)][0]
                assert quarter.fees_cents == wanted[(cid, q)][1]
                assert quarter.activities == len(paid[(cid, q)])
            assert got[cid].name == f"Seller {SELLERS.index(cid)}"
            assert not got[cid].complete

    run(scenario())


async def test_a_year_not_begun_or_before_dac7_is_refused(world: World) -> None:
    at(datetime(YEAR, 12, 31, 22, 59, tzinfo=UTC), world)  # 23:59 in Brussels
    for year in (2022, YEAR + 1):
        with pytest.raises(InvalidInput) as refused:
            await build(world)(year)
        assert refused.value.errors[0].field == "year"
    assert (await build(world)(YEAR)).sellers == []


async def test_reading_the_report_is_audited(world: World) -> None:
    at(datetime(YEAR + 1, 1, 5, tzinfo=UTC), world)
    read = ReadDac7Report(build(world), world.audit)
    await read(ADMIN, YEAR)
    with pytest.raises(InvalidInput):
        await read(ADMIN, 2020)
    async with world.uow as uow:
        page = await uow.audit.list(AuditFilter(action=AuditAction.READ_DAC7_REPORT), 10, None)
    outcomes = sorted((e.object_id, e.outcome) for e in page.items)
    assert outcomes[0] == ("dac7:2020", "refused: a year from 2023 to 2028")
    assert outcomes[1] == ("dac7:2027", "read 0 sellers, 0 without due-diligence data")


def copies(world: World) -> SendDac7Copies:
    return SendDac7Copies(world.uow, tax_details_box("k" * 40), world.outbox, world.clock)


def queued_copies(world: World) -> list[dict[str, object]]:
    return [
        m.payload for m in world.uow.outbox_rows.values() if m.topic == EmailKind.DAC7_COPY.topic
    ]


async def test_the_copies_go_from_1_january_once_per_seller(world: World) -> None:
    at(datetime(YEAR - 1, 11, 1, tzinfo=UTC), world)
    await seed_sellers(world)
    # seller 0: paid in the first quarter, part refunded in the second; seller 1 erased
    await play(world, History(0, 60, 0, [(24 * 50, 25)]))
    await play(world, History(1, 90, 0, []))
    async with world.uow as uow:
        erased = await uow.caregivers.find(SELLERS[1])
        assert erased is not None
        user = await uow.users.get(erased.user_id)
        assert user is not None
        user.erased_at = world.clock.now()
        await uow.users.save(user)
        await uow.commit()

    at(datetime(YEAR, 12, 31, 22, 59, tzinfo=UTC), world)  # 23:59 on 31 December
    assert await copies(world)() == 0
    at(datetime(YEAR, 12, 31, 23, 0, tzinfo=UTC), world)  # midnight in Brussels
    assert await copies(world)() == 1
    assert await copies(world)() == 0  # once
    [payload] = queued_copies(world)
    report = await build(world)(YEAR)
    [seller0] = [s for s in report.sellers if s.figures.caregiver_id == SELLERS[0]]
    quarters = seller0.figures.quarters
    assert payload["year"] == YEAR
    assert payload["consideration_cents"] == [q.consideration_cents for q in quarters]
    assert payload["fees_cents"] == [q.fees_cents for q in quarters]
    assert payload["activities"] == [q.activities for q in quarters]
    assert payload["identity"] == "-"  # no due-diligence data given
    async with world.uow as uow:
        assert await uow.dac7_copies.sent(YEAR) == {SELLERS[0]}
        recipient = await uow.users.get(UUID(str(payload["user_id"])))
    assert recipient is not None and recipient.full_name == "Seller 0"
    # a year later, the next year's copies: none, nothing was paid in it
    at(datetime(YEAR + 1, 1, 15, tzinfo=UTC), world)
    assert await copies(world)() == 0
    assert len(queued_copies(world)) == 1


async def test_the_copies_go_in_january_only(world: World) -> None:
    at(datetime(YEAR - 1, 11, 1, tzinfo=UTC), world)
    await seed_sellers(world)
    await play(world, History(0, 60, 0, []))
    at(datetime(YEAR + 1, 1, 31, 23, 0, tzinfo=UTC), world)  # 1 February in Brussels
    assert await copies(world)() == 0  # the copies were due by 31 January
    at(datetime(YEAR + 1, 1, 31, 22, 59, tzinfo=UTC), world)  # 31 January, 23:59
    assert await copies(world)() == 1


def test_the_copy_never_shows_a_whole_identifier() -> None:
    cid = UUID(int=9)
    details = TaxDetails(
        caregiver_id=cid,
        first_name="Lotte",
        last_name="Peeters",
        birth_date=date(1990, 5, 17),
        street="Meir 1",
        postcode="2000",
        city="Antwerpen",
        country="BE",
        tin="90051712345",
        tin_country="BE",
        iban="BE68539007547034",
        enterprise_number=None,
        vat_number=None,
        updated_at=datetime(2027, 1, 1, tzinfo=UTC),
    )
    line = identity_line(details)
    assert "TIN …345 (BE)" in line and "IBAN …7034" in line
    assert "90051712345" not in line and "BE68539007547034" not in line
    assert line == "Lotte P.; …05-17; 2000 Antwerpen (BE); TIN …345 (BE); IBAN …7034"
    for whole in ("Peeters", "1990", "Meir"):  # no full name, birth date or address
        assert whole not in line
    business = dataclasses.replace(
        details, enterprise_number="0403170701", vat_number="BE0403170701"
    )
    assert identity_line(business).endswith("; VAT …701") and "BE0403170701" not in (
        identity_line(business)
    )


def test_details_that_do_not_open_count_as_missing() -> None:
    cid = UUID(int=9)
    box, other = tax_details_box("k" * 40), tax_details_box("o" * 40)
    text = TaxDetails(
        caregiver_id=cid,
        first_name="Lotte",
        last_name="Peeters",
        birth_date=date(1990, 5, 17),
        street="Meir 1",
        postcode="2000",
        city="Antwerpen",
        country="BE",
        tin="90051712345",
        tin_country="BE",
        iban="BE68539007547034",
        enterprise_number=None,
        vat_number=None,
        updated_at=datetime(2027, 1, 1, tzinfo=UTC),
    ).seal_text()
    now = datetime(2027, 1, 1, tzinfo=UTC)
    assert opened(box, SealedTaxDetails(cid, box.seal(text), now)) is not None
    assert opened(box, SealedTaxDetails(cid, other.seal(text), now)) is None  # key rotated
    assert opened(box, None) is None
