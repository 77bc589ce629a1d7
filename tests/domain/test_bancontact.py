"""Bancontact (docs/rules.md, Payments): taken at once, without a hold.

Paid before acceptance, accepted without a capture, refunded in full when the
request ends unaccepted, the cancellation policy once accepted; the ledger
balances at every step with no card-hold movement.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tailtribe.domain.errors import InvalidInput, InvalidTransition
from tailtribe.domain.model.booking_payment import PaymentMethod
from tailtribe.domain.model.bookings import Booking, BookingStatus, was_accepted
from tailtribe.domain.model.cancellation import Canceller
from tailtribe.domain.model.events import (
    BookingAccepted,
    BookingCancelled,
    MoneyMoved,
    PaymentAuthorized,
    RefundIssued,
)
from tailtribe.domain.model.ledger import Account, LedgerEntry, Movement, balances, problems
from tests.domain.test_booking_state_machine import (
    JUNE_START,
    P,
    S,
    june_booking,
)

FEE = 175
T0 = JUNE_START - timedelta(days=10)


def entries(booking: Booking, kept: list[LedgerEntry]) -> list[LedgerEntry]:
    """The ledger so far: what was kept plus what the booking just posted."""
    for e in booking.pull_events():
        if isinstance(e, MoneyMoved):
            kept.append(
                LedgerEntry(
                    uuid4(), booking.id, Movement(e.movement), e.amount_cents, e.occurred_at
                )
            )
    return kept


def paid(at: datetime = T0 + timedelta(minutes=5)) -> Booking:
    b = june_booking()
    b.pay(at, b.price.total_cents, PaymentMethod.BANCONTACT)
    b.record_capture(at, "ch_1", FEE)
    return b


def test_paid_before_acceptance_without_a_hold() -> None:
    b = paid()
    assert (b.status, b.payment.status, b.payment.captured_cents) == (
        S.REQUESTED,
        P.CAPTURED,
        10_000,
    )
    assert b.is_paid and b.paid_ahead and b.payment.method is PaymentMethod.BANCONTACT
    events = b.pull_events()
    assert [type(e) for e in events if not isinstance(e, MoneyMoved)] == [PaymentAuthorized]
    moved = [(e.movement, e.amount_cents) for e in events if isinstance(e, MoneyMoved)]
    assert moved == [("immediate_capture", 10_000), ("stripe_fee", FEE)]
    # Not expired by the payment window: paid, it waits for the caregiver.
    assert not b.is_due_to_expire(T0 + timedelta(hours=2))
    assert b.is_due_to_expire(T0 + timedelta(hours=24))


def test_paying_twice_or_another_amount_is_refused() -> None:
    b = june_booking()
    with pytest.raises(InvalidInput):
        b.pay(T0, 9_999, PaymentMethod.BANCONTACT)
    b.pay(T0, 10_000, PaymentMethod.BANCONTACT)
    with pytest.raises(InvalidTransition):
        b.pay(T0, 10_000, PaymentMethod.BANCONTACT)
    with pytest.raises(InvalidTransition):
        b.authorize(T0, 10_000)


def test_accepting_captures_nothing_more() -> None:
    b = paid()
    b.pull_events()
    b.accept(T0 + timedelta(hours=1))
    events = b.pull_events()
    assert [type(e) for e in events] == [BookingAccepted]
    assert (b.status, b.payment.captured_cents) == (S.ACCEPTED, 10_000)


def test_a_chargeback_before_acceptance_holds_the_payout_to_come() -> None:
    b = paid()
    b.open_chargeback(T0 + timedelta(minutes=30), "dp_1", 10_000)
    assert b.payout.is_held
    b.accept(T0 + timedelta(hours=1))
    b.complete(b.end + timedelta(minutes=1))
    assert b.payout.is_held  # completing schedules nothing while the bank disputes


@pytest.mark.parametrize("end", ["decline", "expire", "cancel"])
def test_a_request_that_ends_unaccepted_refunds_everything(end: str) -> None:
    b = paid()
    kept = entries(b, [])
    if end == "decline":
        b.decline(T0 + timedelta(hours=1))
    elif end == "expire":
        b.expire(T0 + timedelta(hours=24))
    else:
        assert b.cancel(Canceller.OWNER, T0 + timedelta(hours=1)) == 10_000
    assert (b.payment.status, b.payment.refunded_cents) == (P.REFUNDED, 10_000)
    events = b.pull_events()
    refunds = [e for e in events if isinstance(e, RefundIssued)]
    if end == "cancel":  # the cancellation's own email tells the refund
        assert refunds == []
        [cancelled] = [e for e in events if isinstance(e, BookingCancelled)]
        assert cancelled.refund_cents == 10_000
    else:
        assert [(r.amount_cents, r.reason) for r in refunds] == [(10_000, end + "d")]
    kept += [
        LedgerEntry(uuid4(), b.id, Movement(e.movement), e.amount_cents, e.occurred_at)
        for e in events
        if isinstance(e, MoneyMoved)
    ]
    assert problems(kept, b.expected_ledger()) == []
    held = balances(kept)
    # The owner has all back; Stripe's fee on the refunded payment is the platform's cost.
    assert (held[Account.OWNER], held[Account.ESCROW], held[Account.CARD_HOLD]) == (0, 0, 0)
    assert (held[Account.PLATFORM], held[Account.STRIPE_FEES]) == (-FEE, FEE)
    assert b.payout.status.value == "none"
    assert not was_accepted(b.status, 10_000, 10_000, PaymentMethod.BANCONTACT)


@given(
    hours_before=st.integers(min_value=1, max_value=9 * 24),
    by=st.sampled_from(list(Canceller)),
)
def test_after_acceptance_the_policy_applies_and_the_ledger_balances(
    hours_before: int, by: Canceller
) -> None:
    """A Bancontact booking cancelled after acceptance refunds what a card
    booking would, and its ledger balances with the booking."""
    card, bancontact = june_booking(), paid()
    card.authorize(T0 + timedelta(minutes=5), 10_000)
    card.accept(T0 + timedelta(hours=1))
    card.record_capture(T0 + timedelta(hours=1), "ch_2", FEE)
    kept = entries(bancontact, [])
    bancontact.accept(T0 + timedelta(hours=1))
    when = JUNE_START - timedelta(hours=hours_before)
    assert bancontact.cancel(by, when) == card.cancel(by, when)
    kept = entries(bancontact, kept)
    assert problems(kept, bancontact.expected_ledger()) == []
    assert bancontact.settlement == card.settlement
    assert not any(e.movement is Movement.CAPTURE for e in kept)
    shown = was_accepted(
        bancontact.status,
        bancontact.payment.captured_cents,
        bancontact.payment.refunded_cents,
        PaymentMethod.BANCONTACT,
    )
    # Contacts stay shared once accepted, unless all went back (the safe side).
    assert shown is (bancontact.payment.refunded_cents < 10_000)


def test_contacts_stay_masked_while_a_paid_request_waits() -> None:
    b = paid()
    assert b.shown_text("call me on 0470 12 34 56") != "call me on 0470 12 34 56"
    b.accept(T0 + timedelta(hours=1))
    assert b.shown_text("call me on 0470 12 34 56") == "call me on 0470 12 34 56"
    assert b.status is BookingStatus.ACCEPTED
