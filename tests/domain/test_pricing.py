"""Services, units and quotes (docs/rules.md, "Services and prices").

Days and nights follow the Brussels calendar, DST included. Instants are built
as Brussels wall-clock times (fold 0/1, gaps and ambiguous hours included) and
passed in UTC, as they are stored.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tailtribe.domain.errors import InvalidInput
from tailtribe.domain.model.money import CommissionRate
from tailtribe.domain.model.pricing import Service, ServicePrice, quote, units

BRUSSELS = ZoneInfo("Europe/Brussels")

# Sundays of the DST changes in Brussels (last Sunday of March / October).
DST_DAYS = [
    date(2025, 3, 30),
    date(2025, 10, 26),
    date(2026, 3, 29),
    date(2026, 10, 25),
    date(2027, 3, 28),
    date(2027, 10, 31),
    date(2028, 3, 26),
    date(2028, 10, 29),
]
NIGHT_SERVICES = [Service.HOUSE_SITTING, Service.BOARDING]
VISIT_SERVICES = [Service.DOG_WALKING, Service.DROP_IN]
THIRTY_DAYS = timedelta(days=30)


def wall(day: date, clock: time, fold: int = 0) -> datetime:
    """A Brussels wall-clock time (possibly in a gap or ambiguous), as a UTC instant."""
    return datetime.combine(day, clock).replace(tzinfo=BRUSSELS, fold=fold).astimezone(UTC)


def brussels_date(instant: datetime) -> date:
    return instant.astimezone(BRUSSELS).date()


# A day near a DST change (a few days either side, so that a booking crosses it)
# or any day in 2025..2030.
near_dst_days = st.builds(
    lambda d, k: d + timedelta(days=k),
    st.sampled_from(DST_DAYS),
    st.integers(min_value=-31, max_value=2),
)
days = st.one_of(near_dst_days, st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)))
# Times of day with a bias towards the DST hours 02:00..03:00 and the edges of the day.
clock_times = st.one_of(
    st.times(),
    st.builds(time, st.just(2), st.integers(0, 59), st.integers(0, 59)),
    st.sampled_from([time(0, 0), time(23, 59, 59), time(2, 0), time(2, 30), time(3, 0), time(12)]),
)
folds = st.integers(min_value=0, max_value=1)


# -- nights ----------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(
    service=st.sampled_from(NIGHT_SERVICES),
    day=days,
    nights=st.integers(min_value=1, max_value=30),
    t_start=clock_times,
    t_end=clock_times,
    f_start=folds,
    f_end=folds,
)
# 18:00 -> 10:00 over the spring-forward night is 16 wall hours but 15 real hours:
# one night, not 15h // 24h == 0.
@example(Service.BOARDING, date(2026, 3, 28), 1, time(18), time(10), 0, 0)
# 10:00 -> 09:00 over the autumn night lasts 24 real hours but is one night.
@example(Service.HOUSE_SITTING, date(2026, 10, 24), 1, time(10), time(9, 30), 0, 0)
# Start in the spring-forward gap, end in the autumn ambiguous hour.
@example(Service.HOUSE_SITTING, date(2026, 3, 29), 1, time(2, 30), time(2, 30), 0, 1)
@example(Service.BOARDING, date(2027, 10, 30), 1, time(2, 30), time(2, 30), 1, 0)
# 00:00 -> 23:59:59 the next day: just under 48 h, still one night.
@example(Service.BOARDING, date(2027, 3, 27), 1, time(0), time(23, 59, 59), 0, 0)
# Just under 30 days in real time across the spring change: 30 nights.
@example(Service.HOUSE_SITTING, date(2026, 3, 1), 30, time(10), time(10, 30), 0, 0)
def test_nights_follow_the_brussels_calendar(
    service: Service,
    day: date,
    nights: int,
    t_start: time,
    t_end: time,
    f_start: int,
    f_end: int,
) -> None:
    start = wall(day, t_start, f_start)
    end = wall(day + timedelta(days=nights), t_end, f_end)
    # The wall times chosen are on `day` and `day + nights`, even in a gap or a repeated hour.
    assert brussels_date(start) == day
    assert brussels_date(end) == day + timedelta(days=nights)
    if end - start > THIRTY_DAYS:
        with pytest.raises(InvalidInput):
            units(service, start, end)
    else:
        assert units(service, start, end) == nights


def test_spring_forward_night_counts_one_not_zero() -> None:
    # Saturday 28 March 2026 18:00 CET (17:00 UTC) to Sunday 29 March 10:00 CEST (08:00 UTC):
    # only 15 hours, yet one night.
    start = datetime(2026, 3, 28, 17, 0, tzinfo=UTC)
    end = datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
    assert end - start == timedelta(hours=15)
    assert units(Service.BOARDING, start, end) == 1
    assert units(Service.HOUSE_SITTING, start, end) == 1


def test_autumn_week_counts_seven_nights() -> None:
    # Friday 23 Oct 2026 20:00 CEST (18:00 UTC) to Friday 30 Oct 08:00 CET (07:00 UTC):
    # 6 days 13 hours of real time, seven nights.
    start = datetime(2026, 10, 23, 18, 0, tzinfo=UTC)
    end = datetime(2026, 10, 30, 7, 0, tzinfo=UTC)
    assert units(Service.HOUSE_SITTING, start, end) == 7


def test_night_ending_the_same_local_day_is_refused() -> None:
    # 23:30 UTC on 28 March is already 00:30 on Sunday 29 March in Brussels (CET = UTC+1).
    start = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)
    end = datetime(2026, 3, 29, 20, 0, tzinfo=UTC)  # 22:00 CEST, same local day
    with pytest.raises(InvalidInput):
        units(Service.BOARDING, start, end)


@settings(max_examples=300, deadline=None)
@given(
    service=st.sampled_from(NIGHT_SERVICES),
    day=days,
    t_start=clock_times,
    t_end=clock_times,
    f_start=folds,
    f_end=folds,
)
def test_nights_on_the_same_local_day_are_refused(
    service: Service, day: date, t_start: time, t_end: time, f_start: int, f_end: int
) -> None:
    start = wall(day, t_start, f_start)
    end = wall(day, t_end, f_end)
    with pytest.raises(InvalidInput):
        units(service, start, end)


@settings(max_examples=300, deadline=None)
@given(service=st.sampled_from(list(Service)), day=days, extra=st.integers(1, 10 * 24 * 3600))
def test_bookings_over_thirty_days_are_refused(service: Service, day: date, extra: int) -> None:
    start = wall(day, time(10))
    end = start + THIRTY_DAYS + timedelta(seconds=extra)
    with pytest.raises(InvalidInput):
        units(service, start, end)


@settings(max_examples=300, deadline=None)
@given(
    service=st.sampled_from(list(Service)),
    start=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    ),
    back=st.integers(min_value=0, max_value=3 * 24 * 3600),
)
def test_end_not_after_start_is_refused(service: Service, start: datetime, back: int) -> None:
    with pytest.raises(InvalidInput):
        units(service, start, start - timedelta(seconds=back))


@pytest.mark.parametrize("service", list(Service))
def test_naive_datetimes_are_refused(service: Service) -> None:
    with pytest.raises(InvalidInput):
        units(service, datetime(2026, 6, 1, 10), datetime(2026, 6, 3, 10))


# -- day care --------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(
    day=days,
    span=st.integers(min_value=0, max_value=31),
    t_start=clock_times,
    t_end=clock_times,
    f_start=folds,
    f_end=folds,
)
@example(date(2026, 3, 29), 0, time(1, 30), time(3, 30), 0, 0)  # a 23-hour day
@example(date(2026, 10, 25), 0, time(1, 30), time(3, 30), 0, 0)  # a 25-hour day
@example(date(2026, 3, 27), 3, time(8), time(18), 0, 0)
def test_day_care_counts_calendar_days_touched(
    day: date, span: int, t_start: time, t_end: time, f_start: int, f_end: int
) -> None:
    start = wall(day, t_start, f_start)
    end = wall(day + timedelta(days=span), t_end, f_end)
    local_start, local_end = start.astimezone(BRUSSELS), end.astimezone(BRUSSELS)
    refused = (
        end <= start
        or end - start > THIRTY_DAYS
        # The daily slot repeats each day and never crosses midnight.
        or local_end.time() <= local_start.time()
    )
    if refused:
        with pytest.raises(InvalidInput):
            units(Service.DAY_CARE, start, end)
        return
    got = units(Service.DAY_CARE, start, end)
    assert got == (local_end.date() - local_start.date()).days + 1
    assert got == span + 1
    assert got >= 1


def test_day_care_examples() -> None:
    # Monday 8 June 2026, 08:00-18:00 CEST = 06:00-16:00 UTC.
    assert (
        units(Service.DAY_CARE, wall(date(2026, 6, 8), time(8)), wall(date(2026, 6, 8), time(18)))
        == 1
    )
    # Monday to Friday, 08:00-18:00 each day: five days.
    assert (
        units(Service.DAY_CARE, wall(date(2026, 6, 8), time(8)), wall(date(2026, 6, 12), time(18)))
        == 5
    )
    # Over the spring-forward Sunday: Sat, Sun, Mon = three days.
    assert (
        units(Service.DAY_CARE, wall(date(2026, 3, 28), time(9)), wall(date(2026, 3, 30), time(17)))
        == 3
    )


# -- visits ----------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(
    service=st.sampled_from(VISIT_SERVICES),
    day=days,
    clock=clock_times,
    fold=folds,
    seconds=st.integers(min_value=1, max_value=6 * 3600),
)
@example(Service.DOG_WALKING, date(2026, 6, 1), time(10), 0, 15 * 60)
@example(Service.DOG_WALKING, date(2026, 6, 1), time(10), 0, 15 * 60 - 1)
@example(Service.DROP_IN, date(2026, 6, 1), time(10), 0, 3 * 3600)
@example(Service.DROP_IN, date(2026, 6, 1), time(10), 0, 3 * 3600 + 1)
def test_visit_is_one_unit_of_15_minutes_to_3_hours(
    service: Service, day: date, clock: time, fold: int, seconds: int
) -> None:
    start = wall(day, clock, fold)
    end = start + timedelta(seconds=seconds)
    if 15 * 60 <= seconds <= 3 * 3600:
        assert units(service, start, end) == 1
    else:
        with pytest.raises(InvalidInput):
            units(service, start, end)


def test_visit_across_the_spring_gap_is_measured_in_real_time() -> None:
    # 01:50 CET (00:50 UTC) to 03:10 CEST (01:10 UTC) on 29 March 2026: 20 real minutes.
    start = datetime(2026, 3, 29, 0, 50, tzinfo=UTC)
    end = datetime(2026, 3, 29, 1, 10, tzinfo=UTC)
    assert units(Service.DOG_WALKING, start, end) == 1
    # 01:55 CET to 03:05 CEST: 10 real minutes, too short although the clock moved 70 min.
    with pytest.raises(InvalidInput):
        units(
            Service.DOG_WALKING,
            datetime(2026, 3, 29, 0, 55, tzinfo=UTC),
            datetime(2026, 3, 29, 1, 5, tzinfo=UTC),
        )


# -- representation ------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(
    service=st.sampled_from(list(Service)),
    day=st.one_of(near_dst_days, st.sampled_from(DST_DAYS)),
    span=st.integers(min_value=0, max_value=31),
    t_start=clock_times,
    t_end=clock_times,
    f_start=folds,
    f_end=folds,
)
# House sitting from Thu 1 Oct 2026 10:00 to Sat 31 Oct 10:00: 30 nights. In UTC it is
# 30 days + 1 hour (the autumn change) and refused; with Brussels tzinfo Python subtracts
# wall clocks, gets exactly 30 days, and accepts it.
@example(Service.HOUSE_SITTING, date(2026, 10, 1), 30, time(10), time(10), 0, 0)
# A one-hour walk from 02:00 CEST to 02:00 CET (the repeated hour) on 25 October 2026:
# in UTC it is 00:00 -> 01:00 and fine; with Brussels tzinfo the wall clocks are equal
# and it is refused as "end must be after start".
@example(Service.DOG_WALKING, date(2026, 10, 25), 0, time(2), time(2), 0, 1)
def test_units_do_not_depend_on_the_timezone_the_instants_carry(
    service: Service,
    day: date,
    span: int,
    t_start: time,
    t_end: time,
    f_start: int,
    f_end: int,
) -> None:
    """The same two instants give the same answer whether they carry UTC or Brussels.

    Python compares and subtracts two datetimes with the *same* tzinfo by their wall
    clocks, so code that does `end - start` on Brussels-aware values measures wall time.
    """
    start_utc = wall(day, t_start, f_start)
    end_utc = wall(day + timedelta(days=span), t_end, f_end)
    start_bxl = start_utc.astimezone(BRUSSELS)
    end_bxl = end_utc.astimezone(BRUSSELS)
    # The same instants (compared by timestamp: PEP 495 makes `==` between an ambiguous
    # local time and another zone always False).
    assert start_bxl.timestamp() == start_utc.timestamp()
    assert end_bxl.timestamp() == end_utc.timestamp()

    def outcome(start: datetime, end: datetime) -> int | str:
        try:
            return units(service, start, end)
        except InvalidInput:
            return "refused"

    in_utc = outcome(start_utc, end_utc)
    in_brussels = outcome(start_bxl, end_bxl)
    assert in_utc == in_brussels, (
        f"DOMAIN BUG: units({service}, {start_bxl.isoformat()}, {end_bxl.isoformat()}) gives "
        f"{in_brussels!r} with Brussels-aware instants but {in_utc!r} for the same instants "
        f"in UTC (validate_period measures end - start on whatever tzinfo it is given)"
    )


# -- prices and quotes ------------------------------------------------------------


@pytest.mark.parametrize("price", [-1, 0, 1, 50, 99])
def test_service_price_below_one_euro_is_refused(price: int) -> None:
    with pytest.raises(InvalidInput):
        ServicePrice(Service.DOG_WALKING, price)


@pytest.mark.parametrize("extra", [-1, -100])
def test_negative_extra_pet_price_is_refused(extra: int) -> None:
    with pytest.raises(InvalidInput):
        ServicePrice(Service.BOARDING, 2500, extra)


def test_service_price_minimums_are_accepted() -> None:
    p = ServicePrice(Service.BOARDING, 100, 0)
    assert (p.price_cents, p.extra_pet_price_cents) == (100, 0)


def test_service_price_refuses_float_amounts() -> None:
    """docs/rules.md: "No floats anywhere on a money path"."""
    refused = False
    try:
        ServicePrice(Service.BOARDING, 2500.5)  # type: ignore[arg-type]
    except (InvalidInput, TypeError):
        refused = True
    assert refused, (
        "DOMAIN BUG: ServicePrice(BOARDING, 2500.5) is accepted; a float price reaches "
        "quote() and the commission split (pricing.py ServicePrice.__post_init__ checks "
        "only the range, not the type)"
    )


prices = st.builds(
    ServicePrice,
    service=st.sampled_from(list(Service)),
    price_cents=st.integers(min_value=100, max_value=1_000_000),
    extra_pet_price_cents=st.integers(min_value=0, max_value=1_000_000),
)
rates = st.integers(min_value=0, max_value=100_00).map(
    lambda n: CommissionRate(Decimal(n).scaleb(-2))
)


def period_for(service: Service, day: date, length: int) -> tuple[datetime, datetime, int]:
    """A valid period for `service` and its number of units, by construction."""
    if service in (Service.DOG_WALKING, Service.DROP_IN):
        start = wall(day, time(9))
        return start, start + timedelta(minutes=15 + length % 166), 1
    if service is Service.DAY_CARE:
        k = length % 30
        return wall(day, time(8)), wall(day + timedelta(days=k), time(18)), k + 1
    n = 1 + length % 29
    return wall(day, time(15)), wall(day + timedelta(days=n), time(11)), n


@settings(max_examples=500, deadline=None)
@given(
    price=prices,
    pets=st.integers(min_value=1, max_value=20),
    day=days,
    length=st.integers(min_value=0, max_value=1000),
    rate=rates,
)
def test_quote_total_and_split(
    price: ServicePrice, pets: int, day: date, length: int, rate: CommissionRate
) -> None:
    start, end, n = period_for(price.service, day, length)
    q = quote(price, pets, start, end, rate)
    assert q.units == n
    assert q.total_cents == n * (price.price_cents + price.extra_pet_price_cents * (pets - 1))
    assert q.commission_cents + q.caregiver_payout_cents == q.total_cents
    assert q.commission_cents >= 0 and q.caregiver_payout_cents >= 0
    want = (Decimal(q.total_cents) * rate.percent / 100).quantize(Decimal(1), ROUND_HALF_UP)
    assert q.commission_cents == int(want)


def test_quote_example() -> None:
    # Boarding Fri 12 June 2026 15:00 -> Mon 15 June 11:00: 3 nights,
    # 2 pets at 25.00 + 8.00 extra: 3 * 33.00 = 99.00, 17.5% = 17.325 -> 17.33.
    q = quote(
        ServicePrice(Service.BOARDING, 2500, 800),
        2,
        wall(date(2026, 6, 12), time(15)),
        wall(date(2026, 6, 15), time(11)),
        CommissionRate(Decimal("17.5")),
    )
    assert (q.units, q.total_cents, q.commission_cents, q.caregiver_payout_cents) == (
        3,
        9900,
        1733,
        8167,
    )


@pytest.mark.parametrize("pets", [0, -1, 21])
def test_quote_refuses_pet_counts(pets: int) -> None:
    start, end, _ = period_for(Service.BOARDING, date(2026, 6, 12), 2)
    with pytest.raises(InvalidInput):
        quote(ServicePrice(Service.BOARDING, 2500), pets, start, end, CommissionRate(Decimal(20)))


@settings(max_examples=100, deadline=None)
@given(service=st.sampled_from(list(Service)), day=days)
def test_quote_refuses_invalid_periods(service: Service, day: date) -> None:
    start = wall(day, time(10))
    with pytest.raises(InvalidInput):
        quote(ServicePrice(service, 1000), 1, start, start, CommissionRate(Decimal(20)))
