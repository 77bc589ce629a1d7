"""The ledger's checks: each way a ledger can disagree with its booking is named."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from tailtribe.domain.model.ledger import (
    Account,
    Expected,
    LedgerEntry,
    Movement,
    balances,
    problems,
)

T = datetime(2026, 6, 1, tzinfo=UTC)
BOOKING = uuid4()


def entry(movement: Movement, amount: int) -> LedgerEntry:
    return LedgerEntry(uuid4(), BOOKING, movement, amount, T)


# A booking of 100.00, captured, 30.00 refunded before the payout, then paid out:
# kept 70.00, commission 14.00, caregiver 56.00, Stripe's fee 1.75.
SETTLED = [
    entry(Movement.AUTHORIZATION, 10_000),
    entry(Movement.CAPTURE, 10_000),
    entry(Movement.STRIPE_FEE, 175),
    entry(Movement.REFUND, 3_000),
    entry(Movement.COMMISSION, 1_400),
    entry(Movement.TRANSFER, 5_600),
]
EXPECTED = Expected(
    authorized_cents=0,
    captured_cents=10_000,
    refunded_cents=3_000,
    paid_out_cents=5_600,
    commission_cents=1_400,
    fee_cents=175,
)


def test_a_settled_booking_balances() -> None:
    assert problems(SETTLED, EXPECTED) == []
    held = balances(SETTLED)
    assert held[Account.ESCROW] == 0
    assert held[Account.OWNER] == -7_000
    assert held[Account.PLATFORM] == 1_400 - 175
    assert sum(held.values()) == 0


def test_each_disagreement_is_named() -> None:
    missing_transfer = SETTLED[:-1]
    assert any(p.startswith("caregiver:") for p in problems(missing_transfer, EXPECTED))
    double_refund = [*SETTLED, entry(Movement.REFUND, 3_000)]
    found = problems(double_refund, EXPECTED)
    assert any(p.startswith("refunded:") for p in found)
    assert any(p.startswith("escrow is negative") for p in found)
    no_capture = [e for e in SETTLED if e.movement is not Movement.CAPTURE]
    assert any(p.startswith("captured:") for p in problems(no_capture, EXPECTED))
    zero = [*SETTLED, entry(Movement.REFUND, 0)]
    assert "an entry has an amount that is not positive" in problems(zero, EXPECTED)
    still_held = [*SETTLED, entry(Movement.AUTHORIZATION, 500)]
    assert any(p.startswith("card_hold:") for p in problems(still_held, EXPECTED))


@given(st.lists(st.tuples(st.sampled_from(list(Movement)), st.integers(1, 10**9)), max_size=30))
def test_entries_always_sum_to_zero(moves: list[tuple[Movement, int]]) -> None:
    """Double entry: whatever moves, the accounts together hold nothing."""
    assert sum(balances(entry(m, a) for m, a in moves).values()) == 0
