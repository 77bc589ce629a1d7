"""Months in Brussels time for the monthly statements: every instant lies in
its own month's bounds, months follow each other without a gap."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tailtribe.domain.model.statements import (
    month_bounds,
    month_of,
    months_between,
    next_month,
    previous_month,
)

instants = st.datetimes(
    min_value=datetime(2001, 1, 1), max_value=datetime(2199, 1, 1), timezones=st.just(UTC)
)


@given(instants)
def test_an_instant_lies_within_its_brussels_month(at: datetime) -> None:
    period = month_of(at)
    start, end = month_bounds(period)
    assert period.day == 1
    assert start <= at < end
    assert month_of(start) == period and month_of(end) == next_month(period)
    assert month_of(end - timedelta(microseconds=1)) == period


@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2199, 1, 1)))
def test_months_follow_each_other(day: date) -> None:
    period = day.replace(day=1)
    assert previous_month(next_month(period)) == period
    assert next_month(previous_month(period)) == period
    assert month_bounds(period)[1] == month_bounds(next_month(period))[0]
    assert months_between(previous_month(period), next_month(period)) == [
        previous_month(period),
        period,
        next_month(period),
    ]


def test_the_last_half_hour_of_january_in_brussels_is_januarys() -> None:
    assert month_of(datetime(2027, 1, 31, 22, 30, tzinfo=UTC)) == date(2027, 1, 1)
    assert month_of(datetime(2027, 1, 31, 23, 30, tzinfo=UTC)) == date(2027, 2, 1)
    # Summer time: midnight in Brussels is 22:00 UTC.
    assert month_bounds(date(2027, 7, 1))[0] == datetime(2027, 6, 30, 22, tzinfo=UTC)
