"""The search store loads only the weekly windows of the weekdays a period
touches; `Availability.allows` must decide the same on that subset as on
the whole week, for every service and period, across DST changes."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from tailtribe.domain.model.availability import Availability, WeeklyWindow
from tailtribe.domain.model.pricing import Service
from tailtribe.domain.services.caregivers.search import period_weekdays

BRUSSELS = ZoneInfo("Europe/Brussels")
HALF_HOURS = [time(h, m) for h in range(24) for m in (0, 30)]


@st.composite
def weeks(draw: st.DrawFn) -> Availability:
    windows = []
    for day in range(7):
        if draw(st.booleans()):
            a, b = sorted(
                draw(st.lists(st.sampled_from(HALF_HOURS), min_size=2, max_size=2, unique=True))
            )
            windows.append(WeeklyWindow(day, a, b))
    return Availability(weekly=tuple(windows))


# Around both 2027 DST changes (28 March and 31 October) and ordinary weeks.
periods_start = st.builds(
    lambda day, slot: (
        datetime(2027, 3, 20, tzinfo=BRUSSELS) + timedelta(days=day, minutes=30 * slot)
    ),
    st.sampled_from([*range(0, 14), *range(218, 232)]),
    st.integers(0, 47),
)


@settings(max_examples=500, deadline=None)
@given(weeks(), periods_start, st.integers(1, 48 * 9), st.sampled_from(list(Service)))
def test_the_touched_weekdays_decide_like_the_whole_week(
    week: Availability, start: datetime, half_hours: int, service: Service
) -> None:
    end = start + timedelta(minutes=30 * half_hours)
    touched = set(period_weekdays(start, end))
    subset = Availability(weekly=tuple(w for w in week.weekly if w.weekday in touched))
    assert subset.allows(service, start, end) == week.allows(service, start, end)


@given(periods_start, st.integers(1, 48 * 20))
def test_touched_weekdays_are_the_local_days_from_start_to_end(
    start: datetime, half_hours: int
) -> None:
    end = start + timedelta(minutes=30 * half_hours)
    first, last = start.astimezone(BRUSSELS).date(), end.astimezone(BRUSSELS).date()
    days = {(first + timedelta(days=i)).weekday() for i in range((last - first).days + 1)}
    assert set(period_weekdays(start, end)) == days
