"""The money ledger: every movement of a booking's money, double-entry.

Each movement takes an amount from one account and puts it in another, so a
booking's entries always sum to zero; what the accounts hold must then agree
with the booking (what was captured, refunded, paid out) and with Stripe.

    owner      --authorization-->  card_hold   --capture-->     escrow
    owner      --immediate_capture-->              escrow      (no hold: Bancontact)
    card_hold  --authorization_release-->                        owner
    escrow     --refund-->          owner
    escrow     --commission-->      platform    --stripe_fee-->  stripe_fees
    escrow     --transfer-->        caregiver
    caregiver  --reversal-->        escrow
    platform   --commission_return--> escrow   (a refund after the payout)
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


class Account(enum.StrEnum):
    OWNER = "owner"
    CARD_HOLD = "card_hold"
    ESCROW = "escrow"
    PLATFORM = "platform"
    CAREGIVER = "caregiver"
    STRIPE_FEES = "stripe_fees"


class Movement(enum.StrEnum):
    AUTHORIZATION = "authorization"
    AUTHORIZATION_RELEASE = "authorization_release"
    CAPTURE = "capture"
    IMMEDIATE_CAPTURE = "immediate_capture"
    REFUND = "refund"
    COMMISSION = "commission"
    TRANSFER = "transfer"
    REVERSAL = "reversal"
    COMMISSION_RETURN = "commission_return"
    STRIPE_FEE = "stripe_fee"


# Each movement always goes the same way.
ROUTES: dict[Movement, tuple[Account, Account]] = {
    Movement.AUTHORIZATION: (Account.OWNER, Account.CARD_HOLD),
    Movement.AUTHORIZATION_RELEASE: (Account.CARD_HOLD, Account.OWNER),
    Movement.CAPTURE: (Account.CARD_HOLD, Account.ESCROW),
    Movement.IMMEDIATE_CAPTURE: (Account.OWNER, Account.ESCROW),
    Movement.REFUND: (Account.ESCROW, Account.OWNER),
    Movement.COMMISSION: (Account.ESCROW, Account.PLATFORM),
    Movement.TRANSFER: (Account.ESCROW, Account.CAREGIVER),
    Movement.REVERSAL: (Account.CAREGIVER, Account.ESCROW),
    Movement.COMMISSION_RETURN: (Account.PLATFORM, Account.ESCROW),
    Movement.STRIPE_FEE: (Account.PLATFORM, Account.STRIPE_FEES),
}


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    id: UUID
    booking_id: UUID
    movement: Movement
    amount_cents: int
    occurred_at: datetime
    reference: str | None = None  # the Stripe object, where there is one

    @property
    def source(self) -> Account:
        return ROUTES[self.movement][0]

    @property
    def destination(self) -> Account:
        return ROUTES[self.movement][1]


def balances(entries: Iterable[LedgerEntry]) -> dict[Account, int]:
    """What each account holds of the booking's money (the owner's is negative)."""
    held = dict.fromkeys(Account, 0)
    for e in entries:
        held[e.source] -= e.amount_cents
        held[e.destination] += e.amount_cents
    return held


def captured(moved: dict[Movement, int]) -> int:
    """Captured in all: from a card's hold, or taken at once without one."""
    return moved[Movement.CAPTURE] + moved[Movement.IMMEDIATE_CAPTURE]


def totals(entries: Iterable[LedgerEntry]) -> dict[Movement, int]:
    out = dict.fromkeys(Movement, 0)
    for e in entries:
        out[e.movement] += e.amount_cents
    return out


@dataclass(frozen=True, slots=True)
class Expected:
    """What the booking says happened to its money."""

    authorized_cents: int  # held on the card now
    captured_cents: int
    refunded_cents: int
    paid_out_cents: int  # net of reversals
    commission_cents: int  # taken by the platform so far
    fee_cents: int


def problems(entries: Iterable[LedgerEntry], expected: Expected) -> list[str]:
    """Every way the entries disagree with themselves or with the booking."""
    entries = list(entries)
    found: list[str] = []
    if any(e.amount_cents <= 0 for e in entries):
        found.append("an entry has an amount that is not positive")
    held = balances(entries)
    if sum(held.values()) != 0:
        found.append(f"the entries do not sum to zero ({sum(held.values())})")
    moved = totals(entries)
    checks = {
        "card_hold": (held[Account.CARD_HOLD], expected.authorized_cents),
        "captured": (captured(moved), expected.captured_cents),
        "refunded": (moved[Movement.REFUND], expected.refunded_cents),
        "caregiver": (held[Account.CAREGIVER], expected.paid_out_cents),
        "platform": (held[Account.PLATFORM], expected.commission_cents - expected.fee_cents),
        "stripe_fees": (held[Account.STRIPE_FEES], expected.fee_cents),
        "owner": (
            held[Account.OWNER],
            -(expected.authorized_cents + expected.captured_cents - expected.refunded_cents),
        ),
    }
    for name, (actual, wanted) in checks.items():
        if actual != wanted:
            found.append(f"{name}: the ledger has {actual}, the booking {wanted}")
    if held[Account.ESCROW] < 0:
        found.append(f"escrow is negative ({held[Account.ESCROW]})")
    return found
