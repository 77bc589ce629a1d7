"""Money and the commission split (docs/rules.md, "Money").

Expectations are computed with Decimal and ROUND_HALF_UP, independently of the
Fraction arithmetic of the code under test.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tailtribe.domain.errors import InvalidInput
from tailtribe.domain.model.money import (
    DEFAULT_COMMISSION,
    CommissionRate,
    Money,
    round_half_up,
    share,
    split,
)

MAX_TOTAL = 10**9

totals = st.integers(min_value=0, max_value=MAX_TOTAL)
# Every rate 0..100 with up to two decimals: 0, 0.01, ..., 17.5, ..., 100.
percents = st.integers(min_value=0, max_value=100_00).map(lambda n: Decimal(n).scaleb(-2))
rates = percents.map(CommissionRate)


def expected_commission(total: int, percent: Decimal) -> int:
    """round_half_up(total * percent / 100), in exact Decimal arithmetic."""
    with localcontext() as ctx:
        ctx.prec = 60
        exact = Decimal(total) * percent / Decimal(100)
        return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@settings(max_examples=500, deadline=None)
@given(total=totals, rate=rates)
@example(total=1, rate=CommissionRate(Decimal(50)))  # 0.5 -> 1 (half up)
@example(total=3, rate=CommissionRate(Decimal(50)))  # 1.5 -> 2
@example(total=5, rate=CommissionRate(Decimal(10)))  # 0.5 -> 1
@example(total=1, rate=CommissionRate(Decimal("49.99")))  # 0.4999 -> 0
@example(total=2, rate=CommissionRate(Decimal("17.5")))  # 0.35 -> 0
@example(total=20, rate=CommissionRate(Decimal("17.5")))  # 3.5 -> 4
@example(total=MAX_TOTAL, rate=CommissionRate(Decimal(100)))
@example(total=MAX_TOTAL, rate=CommissionRate(Decimal(0)))
@example(total=0, rate=CommissionRate(Decimal("17.5")))
def test_split_invariants(total: int, rate: CommissionRate) -> None:
    parts = split(total, rate)
    assert parts.total_cents == total
    assert parts.commission_cents + parts.payout_cents == total
    assert parts.commission_cents >= 0
    assert parts.payout_cents >= 0
    assert type(parts.commission_cents) is int
    assert type(parts.payout_cents) is int
    assert parts.commission_cents == expected_commission(total, rate.percent)


@settings(max_examples=300, deadline=None)
@given(
    total=totals,
    delta=st.integers(min_value=0, max_value=MAX_TOTAL),
    rate=rates,
)
@example(total=0, delta=1, rate=CommissionRate(Decimal(50)))
@example(total=2, delta=1, rate=CommissionRate(Decimal("17.5")))
def test_commission_is_monotone_in_total(total: int, delta: int, rate: CommissionRate) -> None:
    assert split(total, rate).commission_cents <= split(total + delta, rate).commission_cents


@settings(max_examples=300, deadline=None)
@given(total=totals, low=percents, high=percents)
def test_commission_is_monotone_in_rate(total: int, low: Decimal, high: Decimal) -> None:
    low, high = min(low, high), max(low, high)
    assert (
        split(total, CommissionRate(low)).commission_cents
        <= split(total, CommissionRate(high)).commission_cents
    )


def test_default_commission_is_twenty_percent() -> None:
    assert DEFAULT_COMMISSION.percent == Decimal(20)
    parts = split(12_345, DEFAULT_COMMISSION)
    # 12345 * 0.20 = 2469.0 exactly
    assert (parts.commission_cents, parts.payout_cents) == (2469, 9876)


@pytest.mark.parametrize(
    ("total", "percent", "commission"),
    [
        (1000, "17.5", 175),  # 175.0
        (1001, "17.5", 175),  # 175.175
        (1003, "17.5", 176),  # 175.525
        (2, "25", 1),  # 0.5 rounds up
        (6, "25", 2),  # 1.5 rounds up
        (10, "15", 2),  # 1.5 rounds up
        (10, "14.99", 1),  # 1.499 rounds down
        (999_999_999, "100", 999_999_999),
        (999_999_999, "0.01", 100_000),  # 99999.9999 -> 100000
    ],
)
def test_commission_examples(total: int, percent: str, commission: int) -> None:
    parts = split(total, CommissionRate.parse(percent))
    assert parts.commission_cents == commission
    assert parts.payout_cents == total - commission


def test_split_refuses_a_negative_total() -> None:
    with pytest.raises(InvalidInput):
        split(-1, DEFAULT_COMMISSION)


@settings(max_examples=300, deadline=None)
@given(
    numerator=st.integers(min_value=0, max_value=10**12),
    denominator=st.integers(min_value=1, max_value=10**4),
)
def test_round_half_up_matches_decimal(numerator: int, denominator: int) -> None:
    from fractions import Fraction

    with localcontext() as ctx:
        ctx.prec = 60
        want = int(
            (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        )
    # Decimal division is exact enough at 60 digits for these sizes except for
    # repeating expansions, which are never exactly .5, so rounding agrees.
    assert round_half_up(Fraction(numerator, denominator)) == want
    assert round_half_up(Fraction(-numerator, denominator)) == -want


@settings(max_examples=300, deadline=None)
@given(amount=totals, percent=st.sampled_from([0, 50, 100]))
def test_share_is_half_up_percentage(amount: int, percent: int) -> None:
    got = share(amount, percent)
    assert got == expected_commission(amount, Decimal(percent))
    assert 0 <= got <= amount


# -- CommissionRate -----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["abc", "-1", "100.01", "NaN", "nan", "inf", "-inf", "Infinity", "sNaN", "", " ", "101"],
)
def test_commission_rate_parse_refuses(text: str) -> None:
    with pytest.raises(InvalidInput):
        CommissionRate.parse(text)


@pytest.mark.parametrize(
    ("text", "percent"),
    [
        ("0", "0"),
        ("20", "20"),
        ("17.5", "17.5"),
        (" 17.50 ", "17.5"),
        ("100", "100"),
        ("0.01", "0.01"),
    ],
)
def test_commission_rate_parse_accepts(text: str, percent: str) -> None:
    assert CommissionRate.parse(text).percent == Decimal(percent)


@settings(max_examples=200, deadline=None)
@given(percent=percents)
def test_commission_rate_parse_round_trips(percent: Decimal) -> None:
    assert CommissionRate.parse(str(percent)).percent == percent


@settings(max_examples=200, deadline=None)
@given(
    percent=st.one_of(
        st.decimals(max_value=Decimal("-0.01"), allow_nan=False, allow_infinity=False, places=2),
        st.decimals(min_value=Decimal("100.01"), allow_nan=False, allow_infinity=False, places=2),
    )
)
def test_commission_rate_refuses_out_of_range(percent: Decimal) -> None:
    with pytest.raises(InvalidInput):
        CommissionRate(percent)


# -- Money ---------------------------------------------------------------------


@pytest.mark.parametrize("amount", [1.0, 0.5, 10.0, True, False, Decimal("1.5"), "100", None])
def test_money_refuses_non_integer_amounts(amount: object) -> None:
    with pytest.raises((TypeError, InvalidInput)):
        Money(amount)  # type: ignore[arg-type]


def test_money_arithmetic() -> None:
    assert Money(150) + Money(250) == Money(400)
    assert Money(400) - Money(150) == Money(250)
    assert Money.zero() == Money(0, "EUR")
    assert Money(5).currency == "EUR"
    with pytest.raises(ValueError, match="mix"):
        Money(1, "EUR") + Money(1, "USD")
