"""Meet-and-greet rules: the slot, the lifecycle, and its claim on the calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tailtribe.domain.errors import InvalidInput, InvalidTransition
from tailtribe.domain.model.availability import Occupancy, fits
from tailtribe.domain.model.meet_and_greets import (
    OPEN,
    REMINDER_LEAD,
    RESPONSE_WINDOW,
    MeetAndGreet,
    MeetStatus,
    validate_slot,
)
from tailtribe.domain.model.notifications import Party
from tailtribe.domain.model.pricing import Service

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
minutes = st.integers(min_value=-30, max_value=200)
quarters_ahead = st.integers(min_value=1, max_value=4 * 24 * 60)


def meeting(start: datetime, duration: int = 30, now: datetime = NOW) -> MeetAndGreet:
    return MeetAndGreet.request(
        id=uuid4(),
        owner_id=uuid4(),
        caregiver_id=uuid4(),
        start=start,
        duration_minutes=duration,
        now=now,
    )


@given(quarters_ahead, minutes)
def test_a_slot_is_a_future_quarter_hour_of_15_to_60_minutes(quarters: int, duration: int) -> None:
    start = NOW + timedelta(minutes=15 * quarters)
    valid = 15 <= duration <= 60 and duration % 15 == 0
    if valid:
        assert validate_slot(start, duration, NOW) == start + timedelta(minutes=duration)
    else:
        with pytest.raises(InvalidInput):
            validate_slot(start, duration, NOW)


@given(st.integers(min_value=1, max_value=14), st.integers(min_value=-10_000, max_value=0))
def test_off_step_or_past_starts_are_refused(off: int, quarters: int) -> None:
    with pytest.raises(InvalidInput):
        validate_slot(NOW + timedelta(hours=2, minutes=off), 30, NOW)
    with pytest.raises(InvalidInput):
        validate_slot(NOW + timedelta(minutes=15 * quarters), 30, NOW)
    with pytest.raises(InvalidInput):
        validate_slot(datetime(2027, 5, 1, 10, 0), 30, NOW)  # naive


@given(quarters_ahead, st.integers(min_value=0, max_value=3 * 24 * 60))
def test_it_expires_at_24_hours_or_its_start_whichever_first(quarters: int, later: int) -> None:
    m = meeting(NOW + timedelta(minutes=15 * quarters))
    at = NOW + timedelta(minutes=later)
    due = at >= min(NOW + RESPONSE_WINDOW, m.start)
    assert m.is_due_to_expire(at) is due
    if due:
        m.expire(at)
        assert m.status is MeetStatus.EXPIRED
        with pytest.raises(InvalidTransition):
            m.accept(at)
    else:
        with pytest.raises(InvalidTransition):
            m.expire(at)
        m.accept(at)
        assert m.status is MeetStatus.ACCEPTED


@given(st.lists(st.sampled_from(["accept", "decline", "cancel_owner", "cancel_caregiver"])))
def test_final_states_stay_final(commands: list[str]) -> None:
    m = meeting(NOW + timedelta(days=3))
    for command in commands:
        before = m.status
        try:
            if command == "accept":
                m.accept(NOW)
            elif command == "decline":
                m.decline(NOW)
            else:
                m.cancel(Party.OWNER if command == "cancel_owner" else Party.CAREGIVER, NOW)
        except InvalidTransition:
            assert m.status is before
            continue
        assert before in OPEN
    # Every event names this meet-and-greet; one per change of status.
    events = m.pull_events()
    assert all(e.meet_and_greet_id == m.id for e in events)  # type: ignore[attr-defined]


def test_no_cancel_once_started_and_one_reminder_within_the_lead() -> None:
    start = NOW + timedelta(days=2)
    m = meeting(start)
    m.accept(NOW)
    assert not m.is_due_for_reminder(start - REMINDER_LEAD - timedelta(seconds=1))
    m.remind(start - REMINDER_LEAD)
    with pytest.raises(InvalidTransition):
        m.remind(start - timedelta(minutes=5))
    with pytest.raises(InvalidTransition):
        m.cancel(Party.OWNER, start)
    m.cancel(Party.CAREGIVER, start - timedelta(minutes=1))
    assert m.cancelled_by is Party.CAREGIVER


@given(st.sampled_from(Service), quarters_ahead, st.integers(min_value=1, max_value=4))
def test_it_claims_the_calendar_like_a_walk(service: Service, quarters: int, n: int) -> None:
    """It clashes with what a walk clashes with, both ways."""
    m = meeting(NOW + timedelta(minutes=15 * quarters), 60)
    other = Occupancy(service, m.start + timedelta(minutes=30), m.end + timedelta(hours=1), 1)
    walk = Occupancy(Service.DOG_WALKING, m.start, m.end, n)
    assert fits(m.occupancy, [other], 4) is fits(walk, [other], 4)
    assert fits(other, [m.occupancy], 4) is fits(other, [walk], 4)
