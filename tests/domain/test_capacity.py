"""Capacity and availability (docs/rules.md, "Availability", "Booking lifecycle").

Capacity: 1 at a time for visits and house sitting (which takes the caregiver
away from home, so it also excludes hosting), `max_pets` pets hosted at any
instant for boarding and day care. fits() is checked against a brute-force
scan of every boundary instant.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from tailtribe.domain.model.availability import (
    Availability,
    BlockedPeriod,
    Occupancy,
    WeeklyWindow,
    fits,
)
from tailtribe.domain.model.pricing import Service

BRUSSELS = ZoneInfo("Europe/Brussels")
EXCLUSIVE = {Service.DOG_WALKING, Service.DROP_IN, Service.HOUSE_SITTING}
HOSTED = {Service.BOARDING, Service.DAY_CARE}
BASE = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
QUARTER = timedelta(minutes=15)


def brute_force_violations(claims: list[Occupancy], max_pets: int) -> list[str]:
    """Every rule broken at some instant; intervals are half-open [start, end)."""
    problems = []
    for t in sorted({c.start for c in claims} | {c.end for c in claims}):
        active = [c for c in claims if c.start <= t < c.end]
        away = [c for c in active if c.service in EXCLUSIVE]
        hosted = [c for c in active if c.service in HOSTED]
        if len(away) > 1:
            problems.append(f"{t}: {len(away)} visits/house sittings at once")
        if any(c.service is Service.HOUSE_SITTING for c in active) and hosted:
            problems.append(f"{t}: house sitting while hosting")
        if sum(c.pets for c in hosted) > max_pets:
            problems.append(f"{t}: {sum(c.pets for c in hosted)} pets hosted > {max_pets}")
    return problems


@st.composite
def occupancies(draw: st.DrawFn) -> Occupancy:
    service = draw(st.sampled_from(list(Service)))
    start = BASE + QUARTER * draw(st.integers(0, 4 * 24 * 5))  # five days, 15-minute grid
    if service in (Service.DOG_WALKING, Service.DROP_IN):
        length = QUARTER * draw(st.integers(1, 12))  # 15 min .. 3 h
    else:
        length = QUARTER * draw(st.integers(4, 4 * 24 * 3))  # 1 h .. 3 days
    return Occupancy(service, start, start + length, draw(st.integers(1, 4)))


@settings(max_examples=400, deadline=None)
@given(
    requests=st.lists(occupancies(), min_size=1, max_size=25),
    max_pets=st.integers(1, 6),
)
def test_fits_accepts_exactly_what_keeps_every_instant_within_capacity(
    requests: list[Occupancy], max_pets: int
) -> None:
    accepted: list[Occupancy] = []
    for new in requests:
        ok = fits(new, list(accepted), max_pets)
        problems = brute_force_violations([*accepted, new], max_pets)
        # Sound (never accepts an overbooking) and complete (never refuses a booking
        # that breaks nothing).
        assert ok == (not problems), (new, ok, problems)
        if ok:
            accepted.append(new)
    assert brute_force_violations(accepted, max_pets) == []
    # The first request is refused only when it alone exceeds capacity.
    first = requests[0]
    assert (first in accepted) == (first.service not in HOSTED or first.pets <= max_pets)


def claim(service: Service, start_hour: float, end_hour: float, pets: int = 1) -> Occupancy:
    return Occupancy(
        service,
        BASE + timedelta(hours=start_hour),
        BASE + timedelta(hours=end_hour),
        pets,
    )


def test_fits_examples() -> None:
    walk = claim(Service.DOG_WALKING, 10, 11)
    # Back-to-back visits touch without overlapping.
    assert fits(claim(Service.DROP_IN, 11, 12), [walk], 1)
    assert fits(claim(Service.DOG_WALKING, 9, 10), [walk], 1)
    assert not fits(claim(Service.DROP_IN, 10.5, 11.5), [walk], 6)
    assert not fits(claim(Service.HOUSE_SITTING, 0, 48), [walk], 6)
    # Walks may overlap hosting; house sitting may not.
    boarding = claim(Service.BOARDING, 0, 72, pets=2)
    assert fits(walk, [boarding], 2)
    assert not fits(claim(Service.HOUSE_SITTING, 24, 48), [boarding], 6)
    assert not fits(claim(Service.BOARDING, 24, 48), [claim(Service.HOUSE_SITTING, 0, 30)], 6)
    assert fits(claim(Service.BOARDING, 30, 48), [claim(Service.HOUSE_SITTING, 0, 30)], 6)
    # Pets hosted add up to max_pets, not beyond.
    assert fits(claim(Service.DAY_CARE, 8, 18, pets=2), [boarding], 4)
    assert not fits(claim(Service.DAY_CARE, 8, 18, pets=3), [boarding], 4)
    # Two bookings that do not overlap each other but both overlap the new one.
    a = claim(Service.BOARDING, 0, 10, pets=2)
    b = claim(Service.BOARDING, 10, 20, pets=2)
    assert fits(claim(Service.DAY_CARE, 5, 15, pets=1), [a, b], 3)
    assert not fits(claim(Service.DAY_CARE, 5, 15, pets=2), [a, b], 3)
    # One booking with more pets than the caregiver hosts.
    assert not fits(claim(Service.BOARDING, 0, 24, pets=3), [], 2)
    assert fits(claim(Service.BOARDING, 0, 24, pets=2), [], 2)


# -- availability -----------------------------------------------------------------------

MONDAY = date(2026, 6, 1)  # a Monday (CEST)
TUESDAY, WEDNESDAY = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)
MON_8_18 = WeeklyWindow(0, time(8), time(18))
WED_8_18 = WeeklyWindow(2, time(8), time(18))


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BRUSSELS).astimezone(UTC)


def test_walk_inside_a_monday_window() -> None:
    a = Availability(weekly=(MON_8_18,))
    assert a.allows(Service.DOG_WALKING, at(MONDAY, 10), at(MONDAY, 11))
    assert a.allows(Service.DOG_WALKING, at(MONDAY, 8), at(MONDAY, 9))
    assert a.allows(Service.DROP_IN, at(MONDAY, 17, 30), at(MONDAY, 18))
    assert not a.allows(Service.DOG_WALKING, at(MONDAY, 7, 30), at(MONDAY, 8, 30))
    assert not a.allows(Service.DOG_WALKING, at(MONDAY, 17, 30), at(MONDAY, 18, 15))
    assert not a.allows(Service.DOG_WALKING, at(TUESDAY, 10), at(TUESDAY, 11))
    assert not Availability().allows(Service.DOG_WALKING, at(MONDAY, 10), at(MONDAY, 11))


def test_windows_are_brussels_wall_clock_across_dst() -> None:
    a = Availability(weekly=(MON_8_18,))
    # Monday 30 March 2026 (CEST, UTC+2): 08:30 local is 06:30 UTC.
    assert a.allows(
        Service.DOG_WALKING,
        datetime(2026, 3, 30, 6, 30, tzinfo=UTC),
        datetime(2026, 3, 30, 7, 30, tzinfo=UTC),
    )
    # Monday 23 March 2026 (CET, UTC+1): 06:30 UTC is 07:30 local, before the window.
    assert not a.allows(
        Service.DOG_WALKING,
        datetime(2026, 3, 23, 6, 30, tzinfo=UTC),
        datetime(2026, 3, 23, 7, 30, tzinfo=UTC),
    )
    # Monday 19 October 2026 (CEST): 17:30-18:00 local is 15:30-16:00 UTC.
    assert a.allows(
        Service.DROP_IN,
        datetime(2026, 10, 19, 15, 30, tzinfo=UTC),
        datetime(2026, 10, 19, 16, 0, tzinfo=UTC),
    )
    # Monday 26 October 2026 (CET): 16:30-17:00 UTC is 17:30-18:00 local.
    assert a.allows(
        Service.DROP_IN,
        datetime(2026, 10, 26, 16, 30, tzinfo=UTC),
        datetime(2026, 10, 26, 17, 0, tzinfo=UTC),
    )
    assert not a.allows(
        Service.DROP_IN,
        datetime(2026, 10, 26, 16, 30, tzinfo=UTC),
        datetime(2026, 10, 26, 17, 30, tzinfo=UTC),
    )


def test_blocked_periods_refuse_any_overlap() -> None:
    blocked = BlockedPeriod(at(MONDAY, 10, 30), at(MONDAY, 12))
    a = Availability(weekly=(MON_8_18,), blocked=(blocked,))
    assert not a.allows(Service.DOG_WALKING, at(MONDAY, 10), at(MONDAY, 11))
    assert not a.allows(Service.DOG_WALKING, at(MONDAY, 11), at(MONDAY, 11, 30))
    # Touching the blocked period is fine.
    assert a.allows(Service.DOG_WALKING, at(MONDAY, 12), at(MONDAY, 13))
    assert a.allows(Service.DOG_WALKING, at(MONDAY, 9, 30), at(MONDAY, 10, 30))


def test_overnight_services_need_a_window_on_the_start_and_end_days() -> None:
    both = Availability(weekly=(MON_8_18, WED_8_18))
    only_monday = Availability(weekly=(MON_8_18,))
    for service in (Service.BOARDING, Service.HOUSE_SITTING):
        # Drop-off Monday 16:00, pick-up Wednesday 10:00; Tuesday needs no window.
        assert both.allows(service, at(MONDAY, 16), at(WEDNESDAY, 10))
        assert not only_monday.allows(service, at(MONDAY, 16), at(WEDNESDAY, 10))
        # Drop-off outside Monday's window.
        assert not both.allows(service, at(MONDAY, 19), at(WEDNESDAY, 10))
        # A holiday on the Tuesday in between blocks the whole stay.
        holiday = BlockedPeriod(at(TUESDAY, 0), at(WEDNESDAY, 0))
        blocked = Availability(weekly=(MON_8_18, WED_8_18), blocked=(holiday,))
        assert not blocked.allows(service, at(MONDAY, 16), at(WEDNESDAY, 10))


def test_day_care_needs_a_window_every_day() -> None:
    tue = WeeklyWindow(1, time(7), time(19))
    assert Availability(weekly=(MON_8_18, tue)).allows(
        Service.DAY_CARE, at(MONDAY, 9), at(TUESDAY, 17)
    )
    assert not Availability(weekly=(MON_8_18,)).allows(
        Service.DAY_CARE, at(MONDAY, 9), at(TUESDAY, 17)
    )
    assert not Availability(weekly=(MON_8_18, tue)).allows(
        Service.DAY_CARE, at(MONDAY, 7), at(TUESDAY, 17)
    )


@settings(max_examples=300, deadline=None)
@given(
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)),
    start_minute=st.integers(0, 24 * 60 - 1),
    length=st.integers(15, 180),
    service=st.sampled_from([Service.DOG_WALKING, Service.DROP_IN]),
)
def test_visits_are_allowed_exactly_inside_a_window(
    day: date, start_minute: int, length: int, service: Service
) -> None:
    windows = (WeeklyWindow(0, time(8), time(18)), WeeklyWindow(5, time(9, 30), time(12)))
    start = at(day, start_minute // 60, start_minute % 60)
    end = start + timedelta(minutes=length)
    ls, le = start.astimezone(BRUSSELS), end.astimezone(BRUSSELS)
    inside = ls.date() == le.date() and any(
        w.weekday == ls.weekday() and w.start <= ls.time() and le.time() <= w.end for w in windows
    )
    assert Availability(weekly=windows).allows(service, start, end) == inside
