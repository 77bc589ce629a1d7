"""Outbox retries (docs/rules.md, "Notifications"): exponential backoff, then failed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from tailtribe.domain.model.outbox import MAX_ATTEMPTS, OutboxMessage, OutboxStatus

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def message() -> OutboxMessage:
    return OutboxMessage(
        id=uuid4(), topic="email.booking_requested", payload={}, created_at=T0, available_at=T0
    )


def test_backoff_doubles_from_one_minute_then_fails_at_max_attempts() -> None:
    m = message()
    delays = []
    now = T0
    for attempt in range(1, MAX_ATTEMPTS):
        m.mark_attempt_failed(now, f"timeout {attempt}")
        assert m.status is OutboxStatus.PENDING, attempt
        assert m.attempts == attempt
        assert m.last_error == f"timeout {attempt}"
        delays.append(m.available_at - now)
        now = m.available_at
    assert delays == [timedelta(minutes=2**k) for k in range(MAX_ATTEMPTS - 1)]
    assert all(a < b for a, b in pairwise(delays))
    available = m.available_at
    m.mark_attempt_failed(now, "still down")
    assert m.attempts == MAX_ATTEMPTS
    assert m.status is OutboxStatus.FAILED
    assert m.available_at == available  # not rescheduled
    assert m.sent_at is None


def test_max_attempts_is_a_sensible_bound() -> None:
    assert 3 <= MAX_ATTEMPTS <= 20


@settings(max_examples=200, deadline=None)
@given(gaps=st.lists(st.integers(0, 10_000), min_size=MAX_ATTEMPTS, max_size=MAX_ATTEMPTS))
def test_backoff_grows_whatever_the_time_of_each_failure(gaps: list[int]) -> None:
    m = message()
    now = T0
    previous = timedelta(0)
    for i, gap in enumerate(gaps, start=1):
        now = max(now, m.available_at) + timedelta(seconds=gap)
        m.mark_attempt_failed(now, "boom")
        if i < MAX_ATTEMPTS:
            delay = m.available_at - now
            assert delay > previous
            assert m.available_at > now
            previous = delay
            assert m.status is OutboxStatus.PENDING
        else:
            assert m.status is OutboxStatus.FAILED


def test_errors_are_truncated() -> None:
    m = message()
    m.mark_attempt_failed(T0, "x" * 10_000)
    assert m.last_error is not None and 0 < len(m.last_error) <= 2000


def test_mark_sent() -> None:
    m = message()
    m.mark_attempt_failed(T0, "boom")
    m.mark_sent(T0 + timedelta(minutes=1))
    assert m.status is OutboxStatus.SENT
    assert m.sent_at == T0 + timedelta(minutes=1)
