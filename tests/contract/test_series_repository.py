"""Weekly series and their occurrences in store, alike on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4

from tailtribe.adapters.sqlalchemy.tables import SERIES_STATUSES, SETUP_STATUSES
from tailtribe.domain.model.bookings import Booking
from tailtribe.domain.model.caregivers import Caregiver
from tailtribe.domain.model.conversations import Conversation
from tailtribe.domain.model.pets import Pet
from tailtribe.domain.model.pricing import Service
from tailtribe.domain.model.series import (
    CHARGE_LEAD,
    BookingSeries,
    SeriesStatus,
    SetupStatus,
    WeeklyPattern,
)
from tailtribe.domain.model.users import User
from tailtribe.domain.ports.storage import DueWork, UnitOfWork
from tests.contract.conftest import UowFactory
from tests.factories import booking_request, caregiver, pet, user

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # a Monday
TICK = timedelta(microseconds=1)
# Mondays and Wednesdays (asked in that odd order), 9:30 in Brussels, four times.
PATTERN = WeeklyPattern(
    weekdays=(2, 0),
    start_time=time(9, 30),
    duration_minutes=60,
    first_date=date(2027, 3, 8),
    count=4,
)


def state(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


@dataclasses.dataclass(frozen=True)
class Scene:
    owner: User
    carer: User
    profile: Caregiver
    rex: Pet

    async def store(self, uow: UnitOfWork) -> None:
        for u in (self.owner, self.carer):
            await uow.users.add(u)
        await uow.caregivers.add(self.profile)
        await uow.pets.add(self.rex)


def scene(name: str = "O") -> Scene:
    owner, carer = user(name, NOW), user(f"{name}-carer", NOW)
    return Scene(owner, carer, caregiver(carer, NOW), pet(owner, NOW))


def series_of(
    s: Scene,
    *,
    now: datetime = NOW,
    pattern: WeeklyPattern = PATTERN,
    message: str | None = None,
) -> BookingSeries:
    periods = pattern.periods(Service.DOG_WALKING)
    return BookingSeries.request(
        id=uuid4(),
        owner_id=s.owner.id,
        caregiver_id=s.profile.id,
        service=Service.DOG_WALKING,
        pet_ids=(s.rex.id,),
        pattern=pattern,
        first_start=periods[0][0],
        occurrences=len(periods),
        now=now,
        message=message,
    )


def occurrences(s: Scene, series: BookingSeries) -> list[Booking]:
    found = []
    for start, _end in series.pattern.periods(series.service):
        booking = booking_request(s.owner.id, s.profile.id, (s.rex.id,), start, now=NOW)
        booking.series_id = series.id
        found.append(booking)
    return found


def test_the_table_checks_the_domain_statuses() -> None:
    assert tuple(s.value for s in SeriesStatus) == SERIES_STATUSES
    assert tuple(s.value for s in SetupStatus) == SETUP_STATUSES


async def test_a_series_round_trips_with_every_field(make_uow: UowFactory) -> None:
    s = scene()
    series = series_of(s, message="Every week, please")
    conversation = Conversation(uuid4(), s.owner.id, s.profile.id, s.carer.id, NOW)
    async with make_uow() as uow:
        await s.store(uow)
        await uow.conversations.add(conversation)
        await uow.series.add(series)
        await uow.commit()

    async with make_uow() as uow:
        stored = await uow.series.get(series.id)
        assert stored is not None and state(stored) == state(series)
        assert stored.pull_events() == []  # events leave through the outbox, not the store
        assert stored.pattern == PATTERN and stored.pattern.weekdays == (2, 0)
        assert await uow.series.get_by_setup_intent("seti_1") is None
        assert await uow.series.customer_of(s.owner.id) is None
        # Every optional field set.
        stored.attach_setup("cus_1", "seti_1", "seti_1_secret_x")
        stored.save_card(NOW + timedelta(minutes=5), "pm_1")
        stored.conversation_id = conversation.id
        stored.accept(NOW + timedelta(hours=1), 4)
        await uow.series.save(stored)
        await uow.commit()

    async with make_uow() as uow:
        again = await uow.series.get(series.id)
        by_intent = await uow.series.get_by_setup_intent("seti_1")
        assert again is not None and by_intent is not None
        assert state(again) == state(stored) == state(by_intent)
        assert again.status is SeriesStatus.ACCEPTED and again.card_saved
        assert again.decided_at == NOW + timedelta(hours=1)
        assert (again.customer_id, again.setup_client_secret) == ("cus_1", "seti_1_secret_x")
        assert await uow.series.customer_of(s.owner.id) == "cus_1"
        assert await uow.series.customer_of(s.carer.id) is None
        assert await uow.series.get(uuid4()) is None


async def test_an_until_pattern_round_trips(make_uow: UowFactory) -> None:
    s = scene()
    pattern = WeeklyPattern(
        weekdays=(0, 1, 2, 3, 4, 5, 6),
        start_time=time(23, 59),
        duration_minutes=30,
        first_date=date(2027, 3, 8),
        until=date(2027, 3, 9),
    )
    series = series_of(s, pattern=pattern)
    async with make_uow() as uow:
        await s.store(uow)
        await uow.series.add(series)
        await uow.commit()
    async with make_uow() as uow:
        stored = await uow.series.get(series.id)
    assert stored is not None and stored.pattern == pattern and stored.message is None


async def test_lists_newest_first_and_the_latest_customer(make_uow: UowFactory) -> None:
    a, b = scene("A"), scene("B")
    first = series_of(a, now=NOW)
    second = series_of(a, now=NOW + timedelta(hours=1))
    third = series_of(a, now=NOW + timedelta(hours=2))  # no customer: not the latest one
    other = series_of(b, now=NOW + timedelta(hours=3))
    first.attach_setup("cus_old", "seti_a", "s")
    second.attach_setup("cus_new", "seti_b", "s")
    other.attach_setup("cus_other", "seti_c", "s")
    async with make_uow() as uow:
        await a.store(uow)
        await b.store(uow)
        for series in (first, second, third, other):
            await uow.series.add(series)
        await uow.commit()

    async with make_uow() as uow:
        repo = uow.series
        mine = await repo.list_for(owner_id=a.owner.id, caregiver_id=None, limit=2, offset=0)
        assert mine.total == 3 and [x.id for x in mine.items] == [third.id, second.id]
        rest = await repo.list_for(owner_id=a.owner.id, caregiver_id=None, limit=2, offset=2)
        assert [x.id for x in rest.items] == [first.id]
        theirs = await repo.list_for(owner_id=None, caregiver_id=b.profile.id, limit=10, offset=0)
        assert theirs.total == 1 and [x.id for x in theirs.items] == [other.id]
        both = await repo.list_for(
            owner_id=a.owner.id, caregiver_id=b.profile.id, limit=10, offset=0
        )
        assert both.total == 0 and both.items == []
        everyone = await repo.list_for(owner_id=None, caregiver_id=None, limit=10, offset=0)
        assert [x.id for x in everyone.items] == [other.id, third.id, second.id, first.id]
        assert await repo.customer_of(a.owner.id) == "cus_new"
        assert await repo.customer_of(b.owner.id) == "cus_other"
        found = await repo.get_by_setup_intent("seti_b")
        assert found is not None and found.id == second.id


async def test_due_to_expire_at_each_deadline(make_uow: UowFactory) -> None:
    s = scene()
    # A card saved, the first walk a week away: 24 hours to answer.
    carded = series_of(s)
    carded.attach_setup("cus_1", "seti_1", "s")
    carded.save_card(NOW, "pm_1")
    # No card saved: 30 minutes to save one.
    cardless = series_of(s, now=NOW + timedelta(minutes=1))
    # Setup succeeded but no payment method known: not a saved card either.
    half = series_of(s, now=NOW + timedelta(minutes=2))
    half.setup_status = SetupStatus.SUCCEEDED
    # A card saved and the first walk sooner than 24 hours: answered before it.
    soon_day = NOW.date() + timedelta(days=1)
    soon = series_of(
        s,
        now=NOW + timedelta(minutes=3),
        pattern=WeeklyPattern(
            weekdays=(soon_day.weekday(),),
            start_time=time(8, 0),
            duration_minutes=60,
            first_date=soon_day,
            count=1,
        ),
    )
    soon.attach_setup("cus_1", "seti_4", "s")
    soon.save_card(NOW, "pm_1")
    # Answered already: never due.
    answered = series_of(s, now=NOW - timedelta(days=2))
    answered.decline(NOW - timedelta(days=1))
    everyone = (carded, cardless, half, soon, answered)
    async with make_uow() as uow:
        await s.store(uow)
        for series in everyone:
            await uow.series.add(series)
        await uow.commit()

    def expected(now: datetime) -> list[UUID]:
        due = [x for x in everyone if x.is_due_to_expire(now)]
        return [x.id for x in sorted(due, key=lambda x: (x.created_at, x.id))]

    setup_end = cardless.created_at + timedelta(minutes=30)
    instants = [
        NOW,
        setup_end - TICK,
        setup_end,
        half.setup_deadline - TICK,
        half.setup_deadline,
        soon.first_start - TICK,
        soon.first_start,
        carded.response_deadline - TICK,
        carded.response_deadline,
    ]
    async with make_uow() as uow:
        for at in instants:
            assert list(await uow.series.due_to_expire(at, 10)) == expected(at), at
        assert list(await uow.series.due_to_expire(setup_end - TICK, 10)) == []
        assert list(await uow.series.due_to_expire(setup_end, 10)) == [cardless.id]
        assert list(await uow.series.due_to_expire(soon.first_start, 10)) == [
            cardless.id,
            half.id,
            soon.id,
        ]
        assert carded.id not in await uow.series.due_to_expire(carded.response_deadline - TICK, 10)
        late = await uow.series.due_to_expire(carded.response_deadline, 10)
        assert list(late) == [carded.id, cardless.id, half.id, soon.id]  # oldest first
        assert list(await uow.series.due_to_expire(carded.response_deadline, 2)) == [
            carded.id,
            cardless.id,
        ]


def _ids(bookings: Sequence[Booking]) -> list[UUID]:
    return [b.id for b in bookings]


RULES: dict[DueWork, Callable[[Booking, datetime], bool]] = {
    DueWork.EXPIRE: lambda b, t: b.is_due_to_expire(t),
    DueWork.START: lambda b, t: b.is_due_to_start(t),
    DueWork.COMPLETE: lambda b, t: b.is_due_to_complete(t),
    DueWork.REMIND: lambda b, t: b.is_due_for_reminder(t),
    DueWork.CHARGE: lambda b, t: b.is_due_for_charge(t),
    DueWork.LAPSE: lambda b, t: b.is_due_to_lapse(t),
}


async def _check_rules(uow: UnitOfWork, bookings: Sequence[Booking], at: datetime) -> None:
    """Each job's list is exactly what the domain's is_due_* rules say."""
    for work, rule in RULES.items():
        want = [b.id for b in sorted(bookings, key=lambda b: b.start) if rule(b, at)]
        assert _ids(await uow.bookings.due(work, at, 50)) == want, (work, at)


async def test_occurrences_by_series_and_their_jobs(make_uow: UowFactory) -> None:
    s = scene()
    series = series_of(s)
    occ = occurrences(s, series)
    # A one-off request of the same owner, on a day of its own.
    one_off = booking_request(
        s.owner.id, s.profile.id, (s.rex.id,), datetime(2027, 3, 9, 10, 0, tzinfo=UTC), now=NOW
    )
    async with make_uow() as uow:
        await s.store(uow)
        await uow.series.add(series)
        for booking in reversed(occ):  # stored out of order
            await uow.bookings.add(booking)
        await uow.bookings.add(one_off)
        await uow.commit()

    async with make_uow() as uow:
        found = await uow.bookings.of_series(series.id)
        assert _ids(found) == _ids(occ)
        assert [b.start for b in found] == [p[0] for p in PATTERN.periods(Service.DOG_WALKING)]
        assert all(b.series_id == series.id and b.pay_by is None for b in found)
        assert await uow.bookings.of_series(uuid4()) == []

        listed = await uow.bookings.list_for(
            owner_id=s.owner.id, caregiver_id=None, status=None, limit=10, offset=0
        )
        assert sorted(_ids(listed.items)) == sorted(_ids([*occ, one_off]))

        # An admin's search: one series' occurrences, and starts in [from, before).
        def searched(**criteria: Any) -> Any:
            return uow.bookings.list_for(
                owner_id=None, caregiver_id=None, status=None, limit=10, offset=0, **criteria
            )

        assert sorted(_ids((await searched(series_id=series.id)).items)) == sorted(_ids(occ))
        assert (await searched(series_id=uuid4())).total == 0
        starts = sorted(b.start for b in [*occ, one_off])
        window = await searched(starts_from=starts[1], starts_before=starts[3])
        inside = [b.id for b in [*occ, one_off] if starts[1] <= b.start < starts[3]]
        assert len(inside) == 2 and sorted(_ids(window.items)) == sorted(inside)
        # Unanswered and unpaid, only the one-off request expires: occurrences go with the series.
        late = NOW + timedelta(hours=25)
        assert _ids(await uow.bookings.due(DueWork.EXPIRE, late, 10)) == [one_off.id]
        await _check_rules(uow, [*found, one_off], late)

        # The series is accepted: each occurrence, to be paid by its pay_by.
        for booking in found:
            booking.accept_occurrence(NOW, NOW)
        found[1].attach_payment("pi_1", "pi_1_secret")  # being charged: not charged again
        found[2].authorize_occurrence(NOW, found[2].price.total_cents)  # held, not taken
        found[3].authorize_occurrence(NOW, found[3].price.total_cents)
        found[3].capture_occurrence(NOW)  # paid
        for booking in found:
            await uow.bookings.save(booking)
        await uow.commit()

    async with make_uow() as uow:
        found = list(await uow.bookings.of_series(series.id))
        assert [b.pay_by for b in found] == [b.start - timedelta(hours=24) for b in found]
        everyone = [*found, one_off]
        first, second, third, fourth = found
        charge_at = first.start - CHARGE_LEAD
        due = uow.bookings.due
        assert _ids(await due(DueWork.CHARGE, charge_at - TICK, 10)) == []
        assert _ids(await due(DueWork.CHARGE, charge_at, 10)) == [first.id]
        # The second has its payment under way; the held third is due 48 hours ahead.
        assert _ids(await due(DueWork.CHARGE, third.start - CHARGE_LEAD - TICK, 10)) == [first.id]
        assert _ids(await due(DueWork.CHARGE, third.start - CHARGE_LEAD, 10)) == [
            first.id,
            third.id,
        ]
        assert first.pay_by is not None and second.pay_by is not None
        assert _ids(await due(DueWork.LAPSE, first.pay_by - TICK, 10)) == []
        assert _ids(await due(DueWork.LAPSE, first.pay_by, 10)) == [first.id]
        assert _ids(await due(DueWork.LAPSE, second.pay_by, 10)) == [first.id, second.id]
        # Unpaid occurrences neither start, complete nor are reminded of; the paid one does.
        assert _ids(await due(DueWork.REMIND, first.start - timedelta(hours=1), 10)) == []
        assert _ids(await due(DueWork.START, third.end, 10)) == []
        assert _ids(await due(DueWork.COMPLETE, third.end, 10)) == []
        assert _ids(await due(DueWork.REMIND, fourth.start - TICK, 10)) == [fourth.id]
        assert _ids(await due(DueWork.START, fourth.start - TICK, 10)) == []
        assert _ids(await due(DueWork.START, fourth.start, 10)) == [fourth.id]
        assert _ids(await due(DueWork.COMPLETE, fourth.end, 10)) == [fourth.id]
        for at in (
            charge_at - TICK,
            charge_at,
            first.pay_by,
            second.pay_by,
            third.start - CHARGE_LEAD,
            fourth.start - timedelta(hours=1),
            fourth.start,
            fourth.end,
        ):
            await _check_rules(uow, everyone, at)

        # The off-session payment failed: the owner is asked, and it lapses if unpaid.
        first.need_payment(charge_at, "card_declined")
        await uow.bookings.save(first)
        await uow.commit()

    async with make_uow() as uow:
        [first, *_] = await uow.bookings.of_series(series.id)
        assert first.pay_by is not None
        assert first.id not in _ids(await uow.bookings.due(DueWork.CHARGE, first.pay_by, 10))
        assert _ids(await uow.bookings.due(DueWork.LAPSE, first.pay_by, 10)) == [first.id]
        assert _ids(await uow.bookings.due(DueWork.LAPSE, first.pay_by - TICK, 10)) == []
        first.lapse(first.pay_by)
        await uow.bookings.save(first)
        await uow.commit()

    async with make_uow() as uow:
        assert _ids(await uow.bookings.due(DueWork.LAPSE, first.start, 10)) == []
