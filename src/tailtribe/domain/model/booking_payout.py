"""The caregiver's payout for a booking: its status, the transfer and its retries.

It changes when the payout rules (retries, holds, reversals) change; the booking
decides when a payout step may happen, this part what it does.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

# A transfer that fails is tried again after 5 min, 20 min, 80 min, 5 h 20;
# after the fifth failure the payout is held for an admin.
PAYOUT_FIRST_RETRY = timedelta(minutes=5)
PAYOUT_MAX_ATTEMPTS = 5


class PayoutStatus(enum.StrEnum):
    """The caregiver's share: none (nothing to pay yet), scheduled (sent once the
    dispute window ends), held (a dispute, a chargeback or repeated failures:
    an admin decides), withheld (due, but the caregiver's DAC7 tax details are
    missing after the reminders: scheduled again when they give them), paid,
    reversed (taken back after a refund or chargeback)."""

    NONE = "none"
    SCHEDULED = "scheduled"
    HELD = "held"
    WITHHELD = "withheld"
    PAID = "paid"
    REVERSED = "reversed"


# Owed to the caregiver and not transferred yet.
UNSENT = frozenset({PayoutStatus.SCHEDULED, PayoutStatus.HELD, PayoutStatus.WITHHELD})


@dataclass
class BookingPayout:
    status: PayoutStatus = PayoutStatus.NONE
    paid_out_cents: int = 0
    reversed_cents: int = 0
    transfer_id: str | None = None
    attempts: int = 0
    retry_at: datetime | None = None

    @property
    def commission_taken(self) -> bool:
        """The platform took its commission when the caregiver was paid."""
        return self.status in (PayoutStatus.PAID, PayoutStatus.REVERSED)

    @property
    def is_scheduled(self) -> bool:
        return self.status is PayoutStatus.SCHEDULED

    @property
    def is_held(self) -> bool:
        return self.status is PayoutStatus.HELD

    @property
    def is_withheld(self) -> bool:
        return self.status is PayoutStatus.WITHHELD

    @property
    def is_unsent(self) -> bool:
        """Owed and not sent: waiting for its time, an admin or tax details."""
        return self.status in UNSENT

    def schedule_if_none(self) -> None:
        """Schedule a payout not decided yet; a hold (a chargeback's) stays."""
        if self.status is PayoutStatus.NONE:
            self.status = PayoutStatus.SCHEDULED

    def hold(self) -> None:
        self.status = PayoutStatus.HELD

    def withhold(self) -> None:
        """A due payout waits for the caregiver's tax details: no attempt counted."""
        self.status = PayoutStatus.WITHHELD

    def unwithhold(self) -> None:
        """The tax details are given: the payout is due again, as it was."""
        self.status = PayoutStatus.SCHEDULED

    def reschedule(self, anything_to_pay: bool) -> None:
        """Start afresh after a hold: scheduled when there is money to pay, no retries counted."""
        self.status = PayoutStatus.SCHEDULED if anything_to_pay else PayoutStatus.NONE
        self.attempts, self.retry_at = 0, None

    def drop(self) -> None:
        """Nothing is left to pay: a payout waiting for its time is given up."""
        if self.status in UNSENT:
            self.status = PayoutStatus.NONE

    def may_retry(self, now: datetime) -> bool:
        return self.retry_at is None or now >= self.retry_at

    def claim(self, now: datetime) -> int:
        """Count an attempt and set when the next may be made; returns its number."""
        self.attempts += 1
        self.retry_at = now + PAYOUT_FIRST_RETRY * 4 ** (self.attempts - 1)
        return self.attempts

    @property
    def exhausted(self) -> bool:
        return self.attempts >= PAYOUT_MAX_ATTEMPTS

    def paid(self, amount_cents: int, transfer_id: str | None) -> None:
        self.paid_out_cents = amount_cents
        self.status = PayoutStatus.PAID
        self.transfer_id = transfer_id
        self.retry_at = None

    def reverse(self, amount_cents: int) -> None:
        """Part of a transfer made comes back (a refund after the payout)."""
        self.paid_out_cents -= amount_cents
        self.reversed_cents += amount_cents
        self.status = PayoutStatus.REVERSED
