"""The DAC7 request job and payout withholding, with a test clock, in memory:
reminders once each at their instants, payouts paid the day before the 60
days, withheld at the boundary, scheduled again and paid once the details
are saved."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from tailtribe.adapters.security.second_factor import tax_details_box
from tailtribe.adapters.stdnum.tax_ids import StdnumTaxIdValidator
from tailtribe.domain.model.booking_payout import PayoutStatus
from tailtribe.domain.model.bookings import Booking
from tailtribe.domain.model.caregivers import Caregiver, CaregiverStatus, ProfileDetails
from tailtribe.domain.model.notifications import EVENT_TOPIC_PREFIX, EmailKind
from tailtribe.domain.model.tax_details import SealedTaxDetails
from tailtribe.domain.model.tax_requests import (
    FIRST_REMINDER_AFTER,
    SECOND_REMINDER_AFTER,
    WITHHOLD_AFTER,
)
from tailtribe.domain.services.caregivers.tax_details_access import (
    ManageTaxDetails,
    TaxDetailsRequests,
)
from tailtribe.domain.services.caregivers.tax_requests import SendTaxDetailsRequests
from tailtribe.domain.services.notifications.relay_outbox import RelayOutbox
from tailtribe.domain.services.payments.payouts import PayOutDue
from tests.domain.test_booking_state_machine import JUNE_END, JUNE_START, june_booking
from tests.services.conftest import World

DAY = timedelta(days=1)
TICK = timedelta(microseconds=1)


async def give_details(world: World, user_id: UUID) -> None:
    manage = ManageTaxDetails(
        world.uow, tax_details_box("test-key"), StdnumTaxIdValidator(), world.clock
    )
    await manage.put(
        user_id,
        first_name="Sofie",
        last_name="Peeters",
        birth_date=date(1985, 7, 30),
        street="Kouter 1",
        postcode="9000",
        city="Gent",
        country="BE",
        tin="85073003328",
        tin_country="BE",
        iban="BE71096123456769",
        enterprise_number=None,
        vat_number=None,
    )


async def approved_caregiver(world: World) -> Caregiver:
    caregiver = Caregiver(
        id=uuid4(),
        user_id=uuid4(),
        profile=ProfileDetails(display_name="Lotte"),
        status=CaregiverStatus.APPROVED,
        stripe_account_id="acct_1",
    )
    async with world.uow as uow:
        await uow.caregivers.add(caregiver)
        await uow.commit()
    return caregiver


async def completed(world: World, caregiver_id: UUID, shift: timedelta) -> Booking:
    """A captured boarding of the caregiver's, its payout due 48 h after its end."""
    booking = june_booking(start=JUNE_START + shift, end=JUNE_END + shift)
    booking.caregiver_id = caregiver_id
    intent = await world.gateway.create_payment_intent(booking.id, 10_000, f"{booking.id}")
    booking.attach_payment(intent.id, intent.client_secret)
    booking.authorize(booking.created_at, 10_000)
    booking.accept(booking.created_at + timedelta(hours=1))
    booking.complete(booking.end)
    await world.gateway.capture(intent.id, f"capture:{booking.id}")
    async with world.uow as uow:
        await uow.bookings.add(booking)
        await world.outbox.publish(uow, [booking])
        await uow.commit()
    return booking


async def status(world: World, booking: Booking) -> PayoutStatus:
    async with world.uow as uow:
        found = await uow.bookings.get(booking.id)
    assert found is not None
    return found.payout.status


def tax_topics(world: World) -> list[str]:
    names = ("TaxDetailsRequested", "TaxDetailsReminded", "PayoutsWithheld")
    return [
        m.topic.removeprefix(EVENT_TOPIC_PREFIX)
        for m in sorted(world.uow.outbox_rows.values(), key=lambda m: m.created_at)
        if m.topic.removeprefix(EVENT_TOPIC_PREFIX) in names
    ]


def at(world: World, instant: datetime) -> None:
    world.clock.advance(instant - world.clock.now())


async def test_reminders_once_each_payouts_withheld_at_sixty_days_and_paid_once_given(
    world: World,
) -> None:
    caregiver = await approved_caregiver(world)
    early = await completed(world, caregiver.id, timedelta(0))
    late = await completed(world, caregiver.id, DAY)
    assert early.dispute.deadline is not None and late.dispute.deadline is not None
    assert late.dispute.deadline - early.dispute.deadline == DAY
    job = SendTaxDetailsRequests(world.uow, world.outbox, world.clock)
    payouts = PayOutDue(
        world.uow, world.gateway, world.outbox, world.clock, tax_details_box("test-key")
    )
    # First seen by the job 60 days before the later payout comes due.
    asked = late.dispute.deadline - WITHHOLD_AFTER
    at(world, asked)
    assert await job() == 1
    assert await job() == 0  # a second run changes nothing
    assert tax_topics(world) == ["TaxDetailsRequested"]
    for step in (FIRST_REMINDER_AFTER, SECOND_REMINDER_AFTER):
        at(world, asked + step - TICK)
        assert await job() == 0
        at(world, asked + step)
        assert await job() == 1
        assert await job() == 0
    assert tax_topics(world) == ["TaxDetailsRequested"] + ["TaxDetailsReminded"] * 2, tax_topics(
        world
    )
    [last] = [
        m
        for m in world.uow.outbox_rows.values()
        if m.topic.endswith("TaxDetailsReminded") and m.payload["reminder"] == 2
    ]
    assert last.payload["withhold_from"] == (asked + WITHHOLD_AFTER).isoformat()
    # The day before the 60 days: still paid.
    at(world, early.dispute.deadline)
    assert await job() == 0
    assert await payouts() == 1
    assert await status(world, early) is PayoutStatus.PAID
    # At the boundary: the notice goes first, then the due payout is withheld.
    at(world, asked + WITHHOLD_AFTER)
    assert await job() == 1
    assert await payouts() == 0
    assert await status(world, late) is PayoutStatus.WITHHELD
    async with world.uow as uow:
        withheld = await uow.bookings.get(late.id)
    assert withheld is not None and withheld.payout.attempts == 0
    assert await payouts() == 0 and await job() == 0  # nothing more, nothing twice
    assert tax_topics(world) == [
        "TaxDetailsRequested",
        "TaxDetailsReminded",
        "TaxDetailsReminded",
        "PayoutsWithheld",
    ]
    # The caregiver gives the details: scheduled at once, paid by the next run.
    world.clock.advance(3 * DAY)
    await give_details(world, caregiver.user_id)
    assert await status(world, late) is PayoutStatus.SCHEDULED
    assert await payouts() == 1
    assert await status(world, late) is PayoutStatus.PAID
    world.clock.advance(30 * DAY)
    assert await job() == 0


async def test_a_caregiver_who_gave_the_details_is_never_asked(world: World) -> None:
    caregiver = await approved_caregiver(world)
    await give_details(world, caregiver.user_id)
    job = SendTaxDetailsRequests(world.uow, world.outbox, world.clock)
    assert await job() == 0
    world.clock.advance(WITHHOLD_AFTER * 2)
    assert await job() == 0
    assert tax_topics(world) == []


async def test_details_given_after_the_first_reminder_stop_the_rest(world: World) -> None:
    caregiver = await approved_caregiver(world)
    job = SendTaxDetailsRequests(world.uow, world.outbox, world.clock)
    assert await job() == 1
    world.clock.advance(FIRST_REMINDER_AFTER)
    assert await job() == 1
    await give_details(world, caregiver.user_id)
    world.clock.advance(WITHHOLD_AFTER)
    assert await job() == 0
    assert tax_topics(world) == ["TaxDetailsRequested", "TaxDetailsReminded"]


async def test_a_caregiver_not_approved_is_not_asked(world: World) -> None:
    caregiver = await approved_caregiver(world)
    async with world.uow as uow:
        found = await uow.caregivers.get(caregiver.id)
        assert found is not None
        found.status = CaregiverStatus.PENDING_REVIEW
        await uow.caregivers.save(found)
        await uow.commit()
    assert await SendTaxDetailsRequests(world.uow, world.outbox, world.clock)() == 0


async def test_a_crash_before_the_commit_leaves_the_step_for_the_next_run(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await approved_caregiver(world)
    job = SendTaxDetailsRequests(world.uow, world.outbox, world.clock)
    assert await job() == 1
    world.clock.advance(FIRST_REMINDER_AFTER)
    publish = world.outbox.publish

    async def crash(*args: object, **kwargs: object) -> object:
        raise RuntimeError("the process died")

    monkeypatch.setattr(world.outbox, "publish", crash)
    assert await job() == 0  # logged; nothing recorded
    monkeypatch.setattr(world.outbox, "publish", publish)
    assert await job() == 1
    assert await job() == 0
    assert tax_topics(world) == ["TaxDetailsRequested", "TaxDetailsReminded"]


async def test_each_step_becomes_its_own_email_to_the_caregiver(world: World) -> None:
    caregiver = await approved_caregiver(world)
    job = SendTaxDetailsRequests(world.uow, world.outbox, world.clock)
    relay = RelayOutbox(world.uow, world.ids, world.clock)
    start = world.clock.now()
    emails: dict[UUID, str] = {}  # the relay lists unsent emails again: once each here
    for step in (timedelta(0), FIRST_REMINDER_AFTER, SECOND_REMINDER_AFTER, WITHHOLD_AFTER):
        at(world, start + step)
        assert await job() == 1
        for message_id in await relay():
            message = world.uow.outbox_rows[message_id]
            assert message.payload["user_id"] == str(caregiver.user_id)
            emails.setdefault(message_id, message.topic)
    assert list(emails.values()) == [
        EmailKind.TAX_DETAILS_REQUESTED.topic,
        EmailKind.TAX_DETAILS_REMINDER.topic,
        EmailKind.TAX_DETAILS_LAST_REMINDER.topic,
        EmailKind.PAYOUTS_WITHHELD.topic,
    ]


async def test_saving_locks_the_request_before_the_caregiver(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The payout claim locks the request, then the booking; the transfer the
    booking, then the caregiver: a save taking the caregiver before the
    request would close a cycle."""
    caregiver = await approved_caregiver(world)
    assert await SendTaxDetailsRequests(world.uow, world.outbox, world.clock)() == 1
    locks: list[str] = []
    caregivers, requests = type(world.uow.caregivers), type(world.uow.tax_requests)
    by_user, get_request = caregivers.get_by_user, requests.get

    async def locking_by_user(self: object, user_id: UUID) -> object:
        locks.append("caregiver")
        return await by_user(self, user_id)  # type: ignore[arg-type]

    async def locking_get(self: object, caregiver_id: UUID, *, lock: bool = False) -> object:
        if lock:
            locks.append("request")
        return await get_request(self, caregiver_id, lock=lock)  # type: ignore[arg-type]

    monkeypatch.setattr(caregivers, "get_by_user", locking_by_user)
    monkeypatch.setattr(requests, "get", locking_get)
    begun = type(world.uow).__aenter__

    async def enter(self: object) -> object:
        locks.append("begin")
        return await begun(self)  # type: ignore[type-var]

    monkeypatch.setattr(type(world.uow), "__aenter__", enter)
    await give_details(world, caregiver.user_id)
    saving = locks[len(locks) - 1 - locks[::-1].index("begin") :]  # the saving transaction
    assert saving == ["begin", "request", "caregiver"]


async def test_details_that_no_longer_open_count_as_missing(world: World) -> None:
    caregiver = await approved_caregiver(world)
    late = await completed(world, caregiver.id, DAY)
    assert late.dispute.deadline is not None
    job = SendTaxDetailsRequests(world.uow, world.outbox, world.clock)
    payouts = PayOutDue(
        world.uow, world.gateway, world.outbox, world.clock, tax_details_box("test-key")
    )
    asked = late.dispute.deadline - WITHHOLD_AFTER
    at(world, asked)
    assert await job() == 1
    for step in (FIRST_REMINDER_AFTER, SECOND_REMINDER_AFTER):
        at(world, asked + step)
        assert await job() == 1
    # Given, but sealed under a secret key since rotated.
    old_box = tax_details_box("the-old-key")
    async with world.uow as uow:
        await uow.tax_details.save(
            SealedTaxDetails(caregiver.id, old_box.seal('{"x": 1}'), world.clock.now())
        )
        await uow.commit()
    at(world, asked + WITHHOLD_AFTER)
    assert await payouts() == 0
    assert await status(world, late) is PayoutStatus.WITHHELD
    requests = TaxDetailsRequests(world.uow, world.clock, tax_details_box("test-key"))
    seen = await requests.of(caregiver.id)
    assert (seen.complete, seen.unreadable, seen.withheld) == (False, True, True)
    # Given again under the current key: complete, paid.
    await give_details(world, caregiver.user_id)
    seen = await requests.of(caregiver.id)
    assert (seen.complete, seen.unreadable, seen.withheld) == (True, False, False)
    assert await payouts() == 1
