"""DAC7 requests: reminders at 20 and 40 days, payouts withheld from the later of
60 days and the second reminder while the details are missing, never after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tailtribe.domain.errors import DomainError
from tailtribe.domain.model.booking_payout import PayoutStatus
from tailtribe.domain.model.bookings import Booking
from tailtribe.domain.model.events import PayoutsWithheld, TaxDetailsReminded, TaxDetailsRequested
from tailtribe.domain.model.tax_requests import (
    FIRST_REMINDER_AFTER,
    SECOND_REMINDER_AFTER,
    WITHHOLD_AFTER,
    TaxDetailsRequest,
    TaxRequestStep,
)
from tests.domain.test_booking_state_machine import june_booking

START = datetime(2027, 1, 10, 9, tzinfo=UTC)
TICK = timedelta(microseconds=1)
instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)
# How late each run of the job comes (0 up to 3 days).
lags = st.lists(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)), max_size=80)


def test_the_first_request_is_recorded_with_its_email() -> None:
    caregiver = uuid4()
    request = TaxDetailsRequest.first(caregiver, START)
    assert request.requested_at == START and request.withholding_from is None
    assert request.pull_events() == [TaxDetailsRequested(occurred_at=START, caregiver_id=caregiver)]


def test_each_step_comes_at_its_instant_and_not_a_microsecond_earlier() -> None:
    request = TaxDetailsRequest.first(uuid4(), START)
    request.pull_events()
    for at, step in (
        (START + FIRST_REMINDER_AFTER, TaxRequestStep.FIRST_REMINDER),
        (START + SECOND_REMINDER_AFTER, TaxRequestStep.SECOND_REMINDER),
        (START + WITHHOLD_AFTER, TaxRequestStep.WITHHOLD_NOTICE),
    ):
        assert request.advance(at - TICK, complete=False) is None
        assert not request.withholds(at - TICK, complete=False)
        assert request.advance(at, complete=False) is step
        assert request.advance(at, complete=False) is None  # once
    assert request.withholds(START + WITHHOLD_AFTER, complete=False)
    assert not request.withholds(START + WITHHOLD_AFTER, complete=True)
    events = request.pull_events()
    assert [type(e) for e in events] == [TaxDetailsReminded, TaxDetailsReminded, PayoutsWithheld]
    first, second = events[0], events[1]
    assert isinstance(first, TaxDetailsReminded) and isinstance(second, TaxDetailsReminded)
    assert (first.reminder, first.withhold_from) == (1, None)
    assert (second.reminder, second.withhold_from) == (2, START + WITHHOLD_AFTER)


def test_a_late_second_reminder_moves_withholding_to_its_own_instant() -> None:
    request = TaxDetailsRequest.first(uuid4(), START)
    request.advance(START + FIRST_REMINDER_AFTER, complete=False)
    late = START + timedelta(days=75)  # the job did not run for weeks
    assert request.advance(late, complete=False) is TaxRequestStep.SECOND_REMINDER
    assert request.withholding_from == late
    assert not request.withholds(late - TICK, complete=False)
    assert request.withholds(late, complete=False)


@given(lags, st.booleans())
def test_runs_at_any_pace_send_each_email_once_in_order_and_nothing_once_complete(
    waits: list[timedelta], complete_midway: bool
) -> None:
    request = TaxDetailsRequest.first(uuid4(), START)
    now, complete = START, False
    steps: list[tuple[TaxRequestStep, datetime]] = []
    for i, wait in enumerate(waits):
        now += wait
        complete = complete or (complete_midway and i == len(waits) // 2)
        step = request.advance(now, complete)
        if step is not None:
            assert not complete
            steps.append((step, now))
    names = [s for s, _ in steps]
    assert names == list(TaxRequestStep)[: len(names)]  # in order, each once
    for step, at in steps:
        if step is TaxRequestStep.FIRST_REMINDER:
            assert at >= START + FIRST_REMINDER_AFTER
        elif step is TaxRequestStep.SECOND_REMINDER:
            assert at >= START + SECOND_REMINDER_AFTER
            assert request.withholding_from == max(START + WITHHOLD_AFTER, at)
        else:
            assert at >= START + WITHHOLD_AFTER
    assert len(request.pull_events()) == 1 + len(steps)  # the request, then each step


@given(instants, instants, st.booleans())
def test_withholding_needs_the_second_reminder_sixty_days_and_missing_details(
    now: datetime, second: datetime, complete: bool
) -> None:
    request = TaxDetailsRequest(
        caregiver_id=uuid4(),
        requested_at=START,
        first_reminder_at=START + FIRST_REMINDER_AFTER,
        second_reminder_at=second,
    )
    expected = not complete and now >= START + WITHHOLD_AFTER and now >= second
    assert request.withholds(now, complete) is expected
    never_reminded = TaxDetailsRequest(caregiver_id=uuid4(), requested_at=START)
    assert not never_reminded.withholds(now, complete)


def test_a_withheld_payout_counts_no_attempt_and_comes_back_scheduled() -> None:
    b = june_booking()
    b.authorize(b.created_at + timedelta(minutes=5), 10_000)
    b.accept(b.created_at + timedelta(hours=2))
    b.complete(b.end)
    due = b.dispute.deadline
    assert due is not None
    with pytest.raises(DomainError):
        b.withhold_payout(due - TICK)  # not due yet
    b.withhold_payout(due)
    assert (b.payout.status, b.payout.attempts) == (PayoutStatus.WITHHELD, 0)
    assert not b.is_payout_due(due)
    with pytest.raises(DomainError):
        b.claim_payout(due)
    with pytest.raises(DomainError):
        b.release_payout(due)  # an admin's release is for held payouts
    b.release_withheld_payout()
    assert b.payout.status is PayoutStatus.SCHEDULED and b.is_payout_due(due)
    with pytest.raises(DomainError):
        b.release_withheld_payout()
    assert b.pay_out(due) == b.settlement.payout_cents


@given(st.integers(min_value=1, max_value=10_000))
def test_a_refund_of_a_withheld_booking_acts_as_on_a_scheduled_one(refund: int) -> None:
    def booking_at(withheld: bool) -> Booking:
        b = june_booking()
        b.authorize(b.created_at + timedelta(minutes=5), 10_000)
        b.accept(b.created_at + timedelta(hours=2))
        b.complete(b.end)
        assert b.dispute.deadline is not None
        if withheld:
            b.withhold_payout(b.dispute.deadline)
        b.refund(b.dispute.deadline, refund)
        return b

    scheduled, withheld = booking_at(False), booking_at(True)
    assert withheld.settlement == scheduled.settlement
    assert withheld.expected_ledger() == scheduled.expected_ledger()
    if scheduled.payout.status is PayoutStatus.NONE:
        assert withheld.payout.status is PayoutStatus.NONE
    else:
        assert withheld.payout.status is PayoutStatus.WITHHELD


def test_a_chargeback_holds_a_withheld_payout_for_an_admin() -> None:
    b = june_booking()
    b.authorize(b.created_at + timedelta(minutes=5), 10_000)
    b.accept(b.created_at + timedelta(hours=2))
    b.complete(b.end)
    assert b.dispute.deadline is not None
    b.withhold_payout(b.dispute.deadline)
    b.open_chargeback(b.dispute.deadline, "dp_1", 10_000)
    assert b.payout.status is PayoutStatus.HELD
