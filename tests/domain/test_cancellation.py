"""Cancellation policies and refunds (docs/rules.md, "Cancellation and refunds").

Cut-offs are noon Brussels time, N days before the start day; "until" means
strictly before the cut-off instant. Expected instants below are worked out by
hand in UTC: CET is UTC+1, CEST (last Sunday of March .. last Sunday of
October) is UTC+2.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tailtribe.domain.model.cancellation import (
    CancellationPolicy,
    effective_policy,
    owner_refund_cents,
    refund_percent,
    settle,
)
from tailtribe.domain.model.money import CommissionRate
from tailtribe.domain.model.pricing import Service

BRUSSELS = ZoneInfo("Europe/Brussels")
FLEXIBLE, MODERATE, STRICT = (
    CancellationPolicy.FLEXIBLE,
    CancellationPolicy.MODERATE,
    CancellationPolicy.STRICT,
)
SECOND = timedelta(seconds=1)
POLICY_SERVICES = [Service.DAY_CARE, Service.HOUSE_SITTING, Service.BOARDING]
VISITS = [Service.DOG_WALKING, Service.DROP_IN]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def check_cutoff(
    policy: CancellationPolicy,
    service: Service,
    start: datetime,
    cutoff: datetime,
    before: int,
    after: int,
) -> None:
    """`before`% one second before the cut-off, `after`% at the cut-off instant."""
    assert refund_percent(policy, service, start, cutoff - SECOND) == before
    assert refund_percent(policy, service, start, cutoff) == after
    assert refund_percent(policy, service, start, cutoff + SECOND) == after


# -- the table, in summer (CEST) -----------------------------------------------------
# Boarding starting Saturday 13 June 2026 15:00 CEST = 13:00 UTC.
JUNE_START = utc(2026, 6, 13, 13, 0)


@pytest.mark.parametrize("service", POLICY_SERVICES)
def test_flexible_table(service: Service) -> None:
    # 100% until noon Friday 12 June (10:00 UTC), 50% until the start, then 0%.
    check_cutoff(FLEXIBLE, service, JUNE_START, utc(2026, 6, 12, 10, 0), 100, 50)
    check_cutoff(FLEXIBLE, service, JUNE_START, JUNE_START, 50, 0)
    assert refund_percent(FLEXIBLE, service, JUNE_START, utc(2026, 5, 1)) == 100
    assert refund_percent(FLEXIBLE, service, JUNE_START, utc(2026, 6, 20)) == 0


@pytest.mark.parametrize("service", POLICY_SERVICES)
def test_moderate_table(service: Service) -> None:
    # 100% until noon Wednesday 10 June (10:00 UTC), 50% until the start, then 0%.
    check_cutoff(MODERATE, service, JUNE_START, utc(2026, 6, 10, 10, 0), 100, 50)
    check_cutoff(MODERATE, service, JUNE_START, JUNE_START, 50, 0)
    assert refund_percent(MODERATE, service, JUNE_START, utc(2026, 6, 12, 10, 0)) == 50


@pytest.mark.parametrize("service", POLICY_SERVICES)
def test_strict_table(service: Service) -> None:
    # 100% until noon Saturday 6 June (10:00 UTC), 50% until noon Friday 12 June, then 0%
    # (also between that noon and the start).
    check_cutoff(STRICT, service, JUNE_START, utc(2026, 6, 6, 10, 0), 100, 50)
    check_cutoff(STRICT, service, JUNE_START, utc(2026, 6, 12, 10, 0), 50, 0)
    assert refund_percent(STRICT, service, JUNE_START, JUNE_START - SECOND) == 0
    assert refund_percent(STRICT, service, JUNE_START, utc(2026, 6, 7, 10, 0)) == 50


def test_start_day_is_the_brussels_day_not_the_utc_day() -> None:
    # Saturday 13 June 2026 00:30 CEST is still Friday 12 June 22:30 UTC.
    start = utc(2026, 6, 12, 22, 30)
    # The start day is Saturday 13 June: 100% until noon Friday 12 June (10:00 UTC).
    check_cutoff(FLEXIBLE, Service.BOARDING, start, utc(2026, 6, 12, 10, 0), 100, 50)
    check_cutoff(FLEXIBLE, Service.BOARDING, start, start, 50, 0)
    check_cutoff(STRICT, Service.BOARDING, start, utc(2026, 6, 6, 10, 0), 100, 50)
    check_cutoff(STRICT, Service.BOARDING, start, utc(2026, 6, 12, 10, 0), 50, 0)


# -- around DST changes ---------------------------------------------------------------


def test_start_the_day_after_spring_forward() -> None:
    # Start Monday 30 March 2026 09:00 CEST = 07:00 UTC. Sunday 29 March is already CEST.
    start = utc(2026, 3, 30, 7, 0)
    # flexible: noon Sunday 29 March CEST = 10:00 UTC
    check_cutoff(FLEXIBLE, Service.HOUSE_SITTING, start, utc(2026, 3, 29, 10, 0), 100, 50)
    # moderate: noon Friday 27 March CET = 11:00 UTC
    check_cutoff(MODERATE, Service.HOUSE_SITTING, start, utc(2026, 3, 27, 11, 0), 100, 50)
    # strict: noon Monday 23 March CET = 11:00 UTC; 50% until noon Sunday 29 March CEST
    check_cutoff(STRICT, Service.HOUSE_SITTING, start, utc(2026, 3, 23, 11, 0), 100, 50)
    check_cutoff(STRICT, Service.HOUSE_SITTING, start, utc(2026, 3, 29, 10, 0), 50, 0)


def test_start_on_the_spring_forward_day() -> None:
    # Start Sunday 29 March 2026 10:00 CEST = 08:00 UTC; the day before is still CET.
    start = utc(2026, 3, 29, 8, 0)
    check_cutoff(FLEXIBLE, Service.BOARDING, start, utc(2026, 3, 28, 11, 0), 100, 50)
    check_cutoff(FLEXIBLE, Service.BOARDING, start, start, 50, 0)
    check_cutoff(STRICT, Service.BOARDING, start, utc(2026, 3, 22, 11, 0), 100, 50)
    check_cutoff(STRICT, Service.BOARDING, start, utc(2026, 3, 28, 11, 0), 50, 0)


def test_start_the_day_after_fall_back() -> None:
    # Start Monday 26 October 2026 10:00 CET = 09:00 UTC. Sunday 25 October is CET from 01:00 UTC.
    start = utc(2026, 10, 26, 9, 0)
    # flexible: noon Sunday 25 October CET = 11:00 UTC
    check_cutoff(FLEXIBLE, Service.DAY_CARE, start, utc(2026, 10, 25, 11, 0), 100, 50)
    # moderate: noon Friday 23 October CEST = 10:00 UTC
    check_cutoff(MODERATE, Service.DAY_CARE, start, utc(2026, 10, 23, 10, 0), 100, 50)
    # strict: noon Monday 19 October CEST = 10:00 UTC; 50% until noon Sunday 25 October CET
    check_cutoff(STRICT, Service.DAY_CARE, start, utc(2026, 10, 19, 10, 0), 100, 50)
    check_cutoff(STRICT, Service.DAY_CARE, start, utc(2026, 10, 25, 11, 0), 50, 0)


def test_start_in_the_repeated_autumn_hour() -> None:
    # Start Sunday 31 October 2027 02:30 CET (the second 02:30) = 01:30 UTC.
    start = utc(2027, 10, 31, 1, 30)
    # flexible: noon Saturday 30 October CEST = 10:00 UTC
    check_cutoff(FLEXIBLE, Service.BOARDING, start, utc(2027, 10, 30, 10, 0), 100, 50)
    check_cutoff(FLEXIBLE, Service.BOARDING, start, start, 50, 0)


# -- visits always follow flexible ---------------------------------------------------


@pytest.mark.parametrize("service", VISITS)
@pytest.mark.parametrize("chosen", list(CancellationPolicy))
def test_visits_always_follow_flexible(service: Service, chosen: CancellationPolicy) -> None:
    # A walk on Saturday 13 June 2026 10:00 CEST = 08:00 UTC.
    start = utc(2026, 6, 13, 8, 0)
    assert effective_policy(service, chosen) is FLEXIBLE
    # Strict would give 50% here (after noon 7 days before) ...
    check_cutoff(chosen, service, start, utc(2026, 6, 12, 10, 0), 100, 50)
    # ... and 0% here (after noon the day before); flexible gives 50% until the start.
    check_cutoff(chosen, service, start, start, 50, 0)


@pytest.mark.parametrize("service", POLICY_SERVICES)
@pytest.mark.parametrize("chosen", list(CancellationPolicy))
def test_other_services_keep_the_chosen_policy(
    service: Service, chosen: CancellationPolicy
) -> None:
    assert effective_policy(service, chosen) is chosen


# -- properties ----------------------------------------------------------------------


def oracle_percent(
    policy: CancellationPolicy, service: Service, start: datetime, at: datetime
) -> int:
    """The table of docs/rules.md, written out independently."""
    if service in VISITS:
        policy = FLEXIBLE
    start_day = start.astimezone(BRUSSELS).date()

    def noon(days_before: int) -> datetime:
        day: date = start_day - timedelta(days=days_before)
        return datetime.combine(day, time(12), tzinfo=BRUSSELS)

    full_until = {FLEXIBLE: noon(1), MODERATE: noon(3), STRICT: noon(7)}[policy]
    half_until = {FLEXIBLE: start, MODERATE: start, STRICT: noon(1)}[policy]
    if at < full_until:
        return 100
    if at < half_until:
        return 50
    return 0


instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
# Cancellations up to 12 days before the start, and a little after, to the second.
offsets = st.integers(min_value=-12 * 24 * 3600, max_value=2 * 24 * 3600)


@settings(max_examples=500, deadline=None)
@given(
    policy=st.sampled_from(list(CancellationPolicy)),
    service=st.sampled_from(list(Service)),
    start=instants,
    offset=offsets,
)
@example(STRICT, Service.BOARDING, utc(2026, 3, 30, 7, 0), -(2 * 24 * 3600 + 21 * 3600))
def test_refund_percent_matches_the_table(
    policy: CancellationPolicy, service: Service, start: datetime, offset: int
) -> None:
    at = start + timedelta(seconds=offset)
    assert refund_percent(policy, service, start, at) == oracle_percent(policy, service, start, at)


@settings(max_examples=300, deadline=None)
@given(
    policy=st.sampled_from(list(CancellationPolicy)),
    service=st.sampled_from(list(Service)),
    start=instants,
    days_before=st.integers(min_value=0, max_value=8),
    nudge=st.sampled_from([-1, 0, 1]),
)
def test_refund_percent_at_every_noon_cut_off(
    policy: CancellationPolicy, service: Service, start: datetime, days_before: int, nudge: int
) -> None:
    """Cancel exactly at (or a second around) noon Brussels, 0..8 days before the start day."""
    start_day = start.astimezone(BRUSSELS).date()
    noon = datetime.combine(start_day - timedelta(days=days_before), time(12), tzinfo=BRUSSELS)
    at = noon.astimezone(UTC) + timedelta(seconds=nudge)
    assert refund_percent(policy, service, start, at) == oracle_percent(policy, service, start, at)
    # ... and exactly at the start, or a second either side.
    at = start + timedelta(seconds=nudge)
    assert refund_percent(policy, service, start, at) == oracle_percent(policy, service, start, at)


@settings(max_examples=500, deadline=None)
@given(
    policy=st.sampled_from(list(CancellationPolicy)),
    service=st.sampled_from(list(Service)),
    start=instants,
    first=offsets,
    later=st.integers(min_value=0, max_value=14 * 24 * 3600),
)
def test_refund_percent_never_grows_as_cancellation_moves_later(
    policy: CancellationPolicy, service: Service, start: datetime, first: int, later: int
) -> None:
    early = start + timedelta(seconds=first)
    late = early + timedelta(seconds=later)
    p_early = refund_percent(policy, service, start, early)
    p_late = refund_percent(policy, service, start, late)
    assert p_early in (0, 50, 100) and p_late in (0, 50, 100)
    assert p_early >= p_late
    # Always 0% from the start on, always 100% well ahead (8 days before the start day).
    assert refund_percent(policy, service, start, start) == 0
    assert refund_percent(policy, service, start, start - timedelta(days=9)) == 100


@settings(max_examples=300, deadline=None)
@given(
    policy=st.sampled_from(list(CancellationPolicy)),
    service=st.sampled_from(list(Service)),
    start=instants,
    offset=offsets,
    captured=st.integers(min_value=0, max_value=10**9),
)
def test_owner_refund_is_the_share_of_the_captured_total(
    policy: CancellationPolicy, service: Service, start: datetime, offset: int, captured: int
) -> None:
    at = start + timedelta(seconds=offset)
    pct = oracle_percent(policy, service, start, at)
    want = int((Decimal(captured) * pct / 100).quantize(Decimal(1), ROUND_HALF_UP))
    got = owner_refund_cents(policy, service, start, at, captured)
    assert got == want
    assert 0 <= got <= captured


# -- settle ----------------------------------------------------------------------------

rates = st.integers(min_value=0, max_value=100_00).map(
    lambda n: CommissionRate(Decimal(n).scaleb(-2))
)


@st.composite
def settlements(draw: st.DrawFn) -> tuple[int, int, int, CommissionRate]:
    captured = draw(st.integers(min_value=0, max_value=10**9))
    refunded = draw(
        st.one_of(
            st.integers(min_value=0, max_value=captured),
            st.sampled_from([0, captured, captured // 2]),
        )
    )
    paid_out = draw(st.integers(min_value=0, max_value=captured))
    return captured, refunded, paid_out, draw(rates)


@settings(max_examples=500, deadline=None)
@given(case=settlements())
def test_settle_never_moves_more_than_was_captured(
    case: tuple[int, int, int, CommissionRate],
) -> None:
    captured, refunded, paid_out, rate = case
    s = settle(captured, refunded, paid_out, rate)
    kept = captured - refunded
    assert s.captured_cents == captured
    assert s.refunded_cents == refunded <= captured
    assert s.kept_cents == kept
    assert s.refunded_cents + s.commission_cents + s.payout_cents == captured
    assert min(s.refunded_cents, s.commission_cents, s.payout_cents, s.reversal_cents) >= 0
    assert s.reversal_cents <= paid_out
    # The kept amount is the new total for commission and payout.
    want = int((Decimal(kept) * rate.percent / 100).quantize(Decimal(1), ROUND_HALF_UP))
    assert s.commission_cents == want
    # Whatever was paid out beyond the new payout comes back, nothing more.
    assert s.reversal_cents == max(0, paid_out - s.payout_cents)
    assert paid_out - s.reversal_cents <= s.payout_cents


def test_settle_example_reverses_in_proportion() -> None:
    # 100.00 captured at 20%: 80.00 paid out; a 50.00 refund leaves 50.00 kept,
    # 10.00 commission, 40.00 payout, so 40.00 of the transfer comes back.
    s = settle(10_000, 5_000, 8_000, CommissionRate(Decimal(20)))
    assert (s.commission_cents, s.payout_cents, s.reversal_cents) == (1_000, 4_000, 4_000)


@pytest.mark.parametrize(("captured", "refunded"), [(100, 101), (100, -1), (0, 1)])
def test_settle_refuses_refunds_beyond_the_capture(captured: int, refunded: int) -> None:
    with pytest.raises(ValueError, match="refund"):
        settle(captured, refunded, 0, CommissionRate(Decimal(20)))
