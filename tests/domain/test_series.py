"""Weekly series: the pattern's occurrences (DST included), the series'
answer, and each occurrence's payment steps (docs/series.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tailtribe.domain.errors import InvalidInput, InvalidTransition
from tailtribe.domain.model.booking_payment import PaymentStatus
from tailtribe.domain.model.bookings import Booking, BookingStatus
from tailtribe.domain.model.cancellation import Canceller
from tailtribe.domain.model.events import (
    MoneyMoved,
    OccurrenceAccepted,
    OccurrenceEnded,
    OccurrenceLapsed,
    OccurrencePaymentNeeded,
    SeriesAccepted,
    SeriesExpired,
    SeriesPaymentMethodSaved,
)
from tailtribe.domain.model.ledger import LedgerEntry, Movement, problems
from tailtribe.domain.model.pricing import Service
from tailtribe.domain.model.series import (
    CHARGE_LEAD,
    CONFIRM_GRACE,
    MAX_WEEKS,
    SETUP_WINDOW,
    UNPAID_LEAD,
    BookingSeries,
    SeriesStatus,
    WeeklyPattern,
    pay_by,
)
from tailtribe.domain.model.time import BRUSSELS
from tests.factories import booking_request

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
weekday_sets = st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True)
clock_times = st.builds(time, st.integers(6, 20), st.sampled_from([0, 15, 30, 45]))
first_dates = st.dates(date(2027, 1, 1), date(2028, 12, 31))


@given(weekday_sets, clock_times, first_dates, st.integers(1, 60))
def test_a_count_gives_that_many_occurrences_on_the_weekdays_at_the_local_time(
    days: list[int], at: time, first: date, count: int
) -> None:
    count = min(count, MAX_WEEKS * len(days))
    pattern = WeeklyPattern(tuple(days), at, 60, first, count=count)
    periods = pattern.periods(Service.DOG_WALKING)
    assert len(periods) == count
    starts = [start for start, _ in periods]
    assert starts == sorted(starts)
    for start, end in periods:
        here = start.astimezone(BRUSSELS)
        assert here.weekday() in days
        assert (here.hour, here.minute) == (at.hour, at.minute)  # across DST too
        assert end - start == timedelta(minutes=60)
        assert first <= here.date() < first + timedelta(weeks=MAX_WEEKS)


@given(weekday_sets, first_dates, st.integers(0, 7 * MAX_WEEKS - 1))
def test_until_keeps_every_matching_day_up_to_it(days: list[int], first: date, span: int) -> None:
    until = first + timedelta(days=span)
    expected = [
        first + timedelta(days=i)
        for i in range(span + 1)
        if (first + timedelta(days=i)).weekday() in days
    ]
    pattern = WeeklyPattern(tuple(days), time(9, 0), 30, first, until=until)
    if not expected:
        with pytest.raises(InvalidInput):
            pattern.dates()
    else:
        assert pattern.dates() == expected


@given(weekday_sets, first_dates, st.integers(1, 400))
def test_more_than_26_weeks_is_refused(days: list[int], first: date, extra: int) -> None:
    with pytest.raises(InvalidInput):
        WeeklyPattern(
            tuple(days), time(9, 0), 30, first, until=first + timedelta(weeks=26, days=extra - 1)
        )
    with pytest.raises(InvalidInput):
        WeeklyPattern(tuple(days), time(9, 0), 30, first, count=MAX_WEEKS * len(days) + extra)


def test_count_and_until_are_one_or_the_other_and_weekdays_are_named_once() -> None:
    first = date(2027, 3, 1)
    for wrong in (
        dict(count=3, until=first + timedelta(days=20)),
        dict(),
    ):
        with pytest.raises(InvalidInput):
            WeeklyPattern((0,), time(9, 0), 30, first, **wrong)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        WeeklyPattern((0, 0), time(9, 0), 30, first, count=2)
    with pytest.raises(InvalidInput):
        WeeklyPattern((7,), time(9, 0), 30, first, count=2)


def test_a_series_across_the_spring_and_autumn_changes_keeps_the_local_time() -> None:
    # Sundays at 08:30 from March to November 2027: DST starts on 28 March
    # and ends on 31 October.
    pattern = WeeklyPattern((6,), time(8, 30), 45, date(2027, 3, 14), until=date(2027, 9, 10))
    periods = pattern.periods(Service.DOG_WALKING)
    utc_times = {(s.hour, s.minute) for s, _ in periods}
    assert utc_times == {(7, 30), (6, 30)}  # winter UTC+1, summer UTC+2
    before = [s for s, _ in periods if s.date() < date(2027, 3, 28)]
    after = [s for s, _ in periods if s.date() >= date(2027, 3, 28)]
    assert all(s.hour == 7 for s in before) and all(s.hour == 6 for s in after)
    assert all(s.astimezone(BRUSSELS).time() == time(8, 30) for s, _ in periods)
    autumn = WeeklyPattern((6,), time(8, 30), 45, date(2027, 10, 24), count=2)
    a, b = (s for s, _ in autumn.periods(Service.DOG_WALKING))
    assert b - a == timedelta(days=7, hours=1)  # the week of 31 October has 169 hours


def test_a_start_in_the_spring_gap_moves_forward_by_it() -> None:
    pattern = WeeklyPattern((6,), time(2, 30), 30, date(2027, 3, 28), count=1)
    ((start, _),) = pattern.periods(Service.DOG_WALKING)
    assert start.astimezone(BRUSSELS).time() == time(3, 30)


def test_only_walks_visits_and_day_care_repeat_and_each_must_be_a_valid_period() -> None:
    pattern = WeeklyPattern((0,), time(9, 0), 60, date(2027, 3, 1), count=2)
    for service in (Service.BOARDING, Service.HOUSE_SITTING):
        with pytest.raises(InvalidInput):
            pattern.periods(service)
    too_long = WeeklyPattern((0,), time(9, 0), 240, date(2027, 3, 1), count=2)
    with pytest.raises(InvalidInput):
        too_long.periods(Service.DOG_WALKING)  # a visit lasts at most 3 hours
    assert len(too_long.periods(Service.DAY_CARE)) == 2


@given(st.integers(0, 24 * 14 * 60), st.integers(0, 24 * 14 * 60))
def test_pay_by_is_a_day_ahead_but_never_before_the_grace_nor_after_the_start(
    start_in: int, accepted_ago: int
) -> None:
    start = NOW + timedelta(minutes=start_in)
    accepted = NOW - timedelta(minutes=accepted_ago)
    deadline = pay_by(start, accepted)
    assert deadline <= start
    assert deadline >= min(start, accepted + CONFIRM_GRACE)
    if start - UNPAID_LEAD >= accepted + CONFIRM_GRACE:
        assert deadline == start - UNPAID_LEAD


def series(now: datetime = NOW, first_start: datetime | None = None) -> BookingSeries:
    return BookingSeries.request(
        id=uuid4(),
        owner_id=uuid4(),
        caregiver_id=uuid4(),
        service=Service.DOG_WALKING,
        pet_ids=(uuid4(),),
        pattern=WeeklyPattern((0,), time(9, 0), 60, date(2027, 3, 8), count=4),
        first_start=first_start or now + timedelta(days=7),
        occurrences=4,
        now=now,
    )


def test_the_caregiver_answers_once_the_card_is_saved_and_within_the_deadline() -> None:
    s = series()
    s.attach_setup("cus_1", "seti_1", "seti_1_secret")
    with pytest.raises(InvalidTransition):
        s.accept(NOW + timedelta(minutes=5), 4)  # no card yet
    assert s.save_card(NOW + timedelta(minutes=2), "pm_card_visa")
    assert not s.save_card(NOW + timedelta(minutes=3), "pm_card_visa")  # a repeat
    names = [type(e) for e in s.pull_events()]
    assert names.count(SeriesPaymentMethodSaved) == 1
    with pytest.raises(InvalidTransition):
        s.accept(s.response_deadline, 4)
    s.accept(NOW + timedelta(hours=1), 4)
    assert s.status is SeriesStatus.ACCEPTED
    assert [type(e) for e in s.pull_events()] == [SeriesAccepted]
    with pytest.raises(InvalidTransition):
        s.decline(NOW + timedelta(hours=2))


@given(st.integers(0, 48 * 60), st.booleans())
def test_a_request_expires_without_a_card_after_30_minutes_else_after_24_hours(
    minutes: int, saved: bool
) -> None:
    s = series()
    if saved:
        s.save_card(NOW, "pm_card_visa")
    at = NOW + timedelta(minutes=minutes)
    due = at >= s.response_deadline or (not saved and at >= NOW + SETUP_WINDOW)
    assert s.is_due_to_expire(at) is due
    if due:
        s.expire(at)
        assert s.status is SeriesStatus.EXPIRED
        (event,) = [e for e in s.pull_events() if isinstance(e, SeriesExpired)]
        assert event.asked is saved
    else:
        with pytest.raises(InvalidTransition):
            s.expire(at)


def occurrence(series_id: UUID, start: datetime, now: datetime = NOW) -> Booking:
    b = booking_request(uuid4(), uuid4(), (uuid4(),), start, now=now)
    b.series_id = series_id
    b.pull_events()  # its BookingRequested
    return b


def ledger(booking: Booking, kept: list[LedgerEntry]) -> list[LedgerEntry]:
    for e in booking.pull_events():
        if isinstance(e, MoneyMoved):
            kept.append(
                LedgerEntry(
                    uuid4(), booking.id, Movement(e.movement), e.amount_cents, e.occurred_at
                )
            )
    return kept


def test_an_occurrence_is_accepted_unpaid_charged_48h_ahead_and_its_ledger_balances() -> None:
    start = NOW + timedelta(days=10)
    b = occurrence(uuid4(), start)
    assert not b.is_due_to_expire(NOW + timedelta(hours=30))  # the series expires it
    b.accept_occurrence(NOW + timedelta(hours=1), NOW + timedelta(hours=1))
    assert b.status is BookingStatus.ACCEPTED and b.awaits_payment
    assert b.pay_by == start - UNPAID_LEAD
    assert [type(e) for e in b.pull_events()] == [OccurrenceAccepted]
    # Unpaid: it neither starts nor completes nor is reminded of.
    assert not b.is_due_to_start(start) and not b.is_due_to_complete(b.end)
    assert not b.is_due_for_reminder(start - timedelta(hours=2))
    assert not b.is_due_for_charge(start - CHARGE_LEAD - timedelta(seconds=1))
    assert b.is_due_for_charge(start - CHARGE_LEAD)
    b.attach_payment("pi_off", "pi_off_secret")
    b.authorize_occurrence(start - CHARGE_LEAD, b.price.total_cents)
    b.capture_occurrence(start - CHARGE_LEAD)
    entries = ledger(b, [])
    assert [e.movement for e in entries] == [Movement.AUTHORIZATION, Movement.CAPTURE]
    assert problems(entries, b.expected_ledger()) == []
    assert not b.awaits_payment and b.is_due_to_start(start)
    assert not b.is_due_for_charge(start - CHARGE_LEAD)


def test_a_failed_off_session_payment_asks_the_owner_then_lapses_unpaid() -> None:
    start = NOW + timedelta(days=3)
    b = occurrence(uuid4(), start)
    b.accept_occurrence(NOW, NOW)
    b.attach_payment("pi_off", "pi_off_secret")
    b.need_payment(start - CHARGE_LEAD, "authentication_required")
    assert b.payment.status is PaymentStatus.FAILED
    (asked,) = [e for e in b.pull_events() if isinstance(e, OccurrencePaymentNeeded)]
    assert asked.reason == "authentication_required" and asked.pay_by == start - UNPAID_LEAD
    assert not b.is_due_for_charge(start - CHARGE_LEAD)  # the owner confirms it, not the job
    assert not b.is_due_to_lapse(start - UNPAID_LEAD - timedelta(seconds=1))
    with pytest.raises(InvalidTransition):
        b.lapse(start - UNPAID_LEAD - timedelta(seconds=1))
    b.lapse(start - UNPAID_LEAD)
    assert b.status is BookingStatus.CANCELLED and b.reason == "unpaid"
    assert str(b.payment.status) == PaymentStatus.CANCELED.value
    assert [type(e) for e in b.pull_events()] == [OccurrenceLapsed]
    assert problems([], b.expected_ledger()) == []


def test_a_confirmed_occurrence_is_paid_and_no_longer_lapses() -> None:
    start = NOW + timedelta(days=3)
    b = occurrence(uuid4(), start)
    b.accept_occurrence(NOW, NOW)
    b.attach_payment("pi_off", "pi_off_secret")
    b.need_payment(start - CHARGE_LEAD, "declined")
    b.authorize_occurrence(start - CHARGE_LEAD + timedelta(hours=1), b.price.total_cents)
    b.capture_occurrence(start - CHARGE_LEAD + timedelta(hours=1))
    assert not b.is_due_to_lapse(start)
    assert b.payment.captured_cents == b.price.total_cents


def test_occurrences_answer_only_with_their_series_and_one_off_bookings_never_do() -> None:
    b = occurrence(uuid4(), NOW + timedelta(days=3))
    with pytest.raises(InvalidTransition):
        b.accept(NOW)
    with pytest.raises(InvalidTransition):
        b.decline(NOW)
    b.end_with_series(NOW, "decline")
    assert b.status is BookingStatus.DECLINED
    assert [type(e) for e in b.pull_events()] == [OccurrenceEnded]
    single = booking_request(uuid4(), uuid4(), (uuid4(),), NOW + timedelta(days=3), now=NOW)
    with pytest.raises(InvalidTransition):
        single.accept_occurrence(NOW, NOW)
    with pytest.raises(InvalidTransition):
        single.end_with_series(NOW, "expire")
    with pytest.raises(InvalidTransition):
        single.need_payment(NOW, "declined")


@given(st.integers(1, 20))
def test_cancelling_a_paid_occurrence_with_the_series_refunds_its_policy_share_quietly(
    days: int,
) -> None:
    start = NOW + timedelta(days=days)
    b = occurrence(uuid4(), start)
    b.accept_occurrence(NOW, NOW)
    b.attach_payment("pi_off", "pi_off_secret")
    b.authorize_occurrence(NOW, b.price.total_cents)
    b.capture_occurrence(NOW)
    kept = ledger(b, [])
    refund = b.cancel(Canceller.OWNER, NOW + timedelta(hours=1), None, quiet=True)
    events = b.pull_events()
    (ended,) = [e for e in events if isinstance(e, OccurrenceEnded)]
    assert ended.refund_cents == refund
    kept += [
        LedgerEntry(uuid4(), b.id, Movement(e.movement), e.amount_cents, e.occurred_at)
        for e in events
        if isinstance(e, MoneyMoved)
    ]
    assert problems(kept, b.expected_ledger()) == []
