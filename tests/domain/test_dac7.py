"""The DAC7 figures per seller and quarter (docs/dac7.md, "The yearly report")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tailtribe.domain.model.dac7 import (
    SellerMovement,
    figures,
    quarter_of,
    whole_euros,
    year_bounds,
)
from tailtribe.domain.model.ledger import Movement
from tailtribe.domain.model.time import BRUSSELS

YEAR = 2027
SELLERS = [UUID(int=i) for i in range(1, 4)]
BOOKINGS = [UUID(int=100 + i) for i in range(6)]
START, END = year_bounds(YEAR)

instants = st.datetimes(
    min_value=datetime(YEAR - 1, 12, 1), max_value=datetime(YEAR + 1, 1, 31), timezones=st.just(UTC)
)
movements = st.builds(
    SellerMovement,
    caregiver_id=st.sampled_from(SELLERS),
    booking_id=st.sampled_from(BOOKINGS),
    movement=st.sampled_from(list(Movement)),
    amount_cents=st.integers(min_value=1, max_value=10**7),
    occurred_at=instants,
)


def brussels(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BRUSSELS)


def test_quarters_are_brussels_quarters() -> None:
    # 31 March 23:30 in Brussels is 21:30 UTC: still the first quarter
    assert quarter_of(brussels(YEAR, 3, 31, 23, 30)) == 0
    assert quarter_of(brussels(YEAR, 4, 1, 0, 0)) == 1
    # 30 September 22:30 UTC is 1 October 00:30 in Brussels (summer time)
    assert quarter_of(datetime(YEAR, 9, 30, 22, 30, tzinfo=UTC)) == 3
    assert quarter_of(datetime(YEAR, 9, 30, 21, 59, tzinfo=UTC)) == 2
    # 31 December 23:30 UTC is already next year in Brussels
    assert year_bounds(YEAR)[1] == datetime(YEAR, 12, 31, 23, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="timezone-aware"):
        quarter_of(datetime(YEAR, 1, 1))


def _move(
    movement: Movement, cents: int, at: datetime, booking: int = 0, seller: int = 0
) -> SellerMovement:
    return SellerMovement(SELLERS[seller], BOOKINGS[booking], movement, cents, at)


def test_a_refund_after_payout_reduces_the_quarter_it_happens_in() -> None:
    [seller] = figures(
        YEAR,
        [
            _move(Movement.TRANSFER, 8000, brussels(YEAR, 3, 31, 23, 30)),
            _move(Movement.COMMISSION, 2000, brussels(YEAR, 3, 31, 23, 30)),
            _move(Movement.REVERSAL, 4000, brussels(YEAR, 4, 2, 10)),
            _move(Movement.COMMISSION_RETURN, 1000, brussels(YEAR, 4, 2, 10)),
            # the owner's side of the money is not the seller's
            _move(Movement.CAPTURE, 10000, brussels(YEAR, 3, 1)),
            _move(Movement.REFUND, 5000, brussels(YEAR, 4, 2, 10)),
        ],
    )
    q1, q2, q3, q4 = seller.quarters
    assert (q1.consideration_cents, q1.fees_cents, q1.activities) == (8000, 2000, 1)
    # the reversal takes consideration back in Q2 and does not change the count
    assert (q2.consideration_cents, q2.fees_cents, q2.activities) == (-4000, -1000, 0)
    assert q3 == q4
    assert (seller.consideration_cents, seller.fees_cents, seller.activities) == (4000, 1000, 1)


def test_a_seller_whose_year_nets_to_zero_is_not_reportable() -> None:
    at = brussels(YEAR, 5, 1)
    out = figures(
        YEAR,
        [
            _move(Movement.TRANSFER, 8000, at),
            _move(Movement.COMMISSION, 2000, at),
            _move(Movement.REVERSAL, 8000, at),
            _move(Movement.COMMISSION_RETURN, 2000, at),
            _move(Movement.TRANSFER, 500, brussels(YEAR - 1, 12, 31, 23, 59), seller=1),
        ],
    )
    assert out == []


def test_a_booking_counts_once_in_the_quarter_of_its_first_transfer() -> None:
    [seller] = figures(
        YEAR,
        [
            _move(Movement.TRANSFER, 100, brussels(YEAR, 2, 1)),
            _move(Movement.TRANSFER, 100, brussels(YEAR, 8, 1)),
            _move(Movement.TRANSFER, 100, brussels(YEAR, 8, 1), booking=1),
        ],
    )
    assert [q.activities for q in seller.quarters] == [1, 0, 1, 0]


@given(st.lists(movements, max_size=60))
def test_the_figures_sum_to_the_ledger(moves: list[SellerMovement]) -> None:
    out = {s.caregiver_id: s for s in figures(YEAR, moves)}
    in_year = [m for m in moves if START <= m.occurred_at < END]

    def signed(m: SellerMovement, plus: Movement, minus: Movement) -> int:
        return (
            m.amount_cents if m.movement is plus else -m.amount_cents if m.movement is minus else 0
        )

    for seller in SELLERS:
        for q in range(4):
            mine = [
                m for m in in_year if m.caregiver_id == seller and quarter_of(m.occurred_at) == q
            ]
            cons = sum(signed(m, Movement.TRANSFER, Movement.REVERSAL) for m in mine)
            fees = sum(signed(m, Movement.COMMISSION, Movement.COMMISSION_RETURN) for m in mine)
            if seller in out:
                assert out[seller].quarters[q].consideration_cents == cons
                assert out[seller].quarters[q].fees_cents == fees
        year = [m for m in in_year if m.caregiver_id == seller]
        total = sum(signed(m, Movement.TRANSFER, Movement.REVERSAL) for m in year)
        fees_total = sum(signed(m, Movement.COMMISSION, Movement.COMMISSION_RETURN) for m in year)
        assert (seller in out) == (total != 0 or fees_total != 0)
        if seller in out:
            paid = {m.booking_id for m in year if m.movement is Movement.TRANSFER}
            assert out[seller].activities == len(paid)
            assert all(q.activities >= 0 for q in out[seller].quarters)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_whole_euros_round_half_away_from_zero(cents: int) -> None:
    expected = int((Decimal(cents) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert whole_euros(cents) == expected
    assert abs(whole_euros(cents) * 100 - cents) <= 50


def test_whole_euros_examples() -> None:
    assert [whole_euros(c) for c in (0, 49, 50, 149, 150, -150, -149)] == [0, 0, 1, 1, 2, -2, -1]


def test_year_bounds_are_brussels_midnights() -> None:
    start, end = year_bounds(YEAR)
    assert start.astimezone(UTC) == datetime(YEAR - 1, 12, 31, 23, tzinfo=UTC)
    assert end - start == timedelta(days=365)
