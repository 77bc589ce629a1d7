"""Cancellation policies and how much of a captured payment goes back.

Cut-offs are at noon Brussels time on a day counted back from the start day;
"until" means strictly before the cut-off instant.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from tailtribe.domain.model.money import CommissionRate, share, split
from tailtribe.domain.model.pricing import Service
from tailtribe.domain.model.time import days_before, local_date, local_noon, require_aware, utc


class CancellationPolicy(enum.StrEnum):
    """What an owner gets back when cancelling: all of it until noon (Brussels)
    1 (flexible), 3 (moderate) or 7 (strict) days before the start day, then
    half until the start (strict: until noon the day before the start day),
    then nothing. Walks and drop-ins always follow flexible."""

    FLEXIBLE = "flexible"
    MODERATE = "moderate"
    STRICT = "strict"


class Canceller(enum.StrEnum):
    OWNER = "owner"
    CAREGIVER = "caregiver"
    ADMIN = "admin"


# Policy -> (days before the start day for the 100% cut-off,
#            days before the start day for the 50% cut-off, or None = the start itself)
_CUTOFFS: dict[CancellationPolicy, tuple[int, int | None]] = {
    CancellationPolicy.FLEXIBLE: (1, None),
    CancellationPolicy.MODERATE: (3, None),
    CancellationPolicy.STRICT: (7, 1),
}

# Visits are short and cheap to rebook: they always follow the flexible policy.
_ALWAYS_FLEXIBLE = frozenset({Service.DOG_WALKING, Service.DROP_IN})


def effective_policy(service: Service, chosen: CancellationPolicy) -> CancellationPolicy:
    return CancellationPolicy.FLEXIBLE if service in _ALWAYS_FLEXIBLE else chosen


def refund_percent(
    policy: CancellationPolicy, service: Service, start: datetime, cancelled_at: datetime
) -> int:
    """The share (100, 50 or 0) of the captured total an owner gets back."""
    cancelled_at, start = utc(require_aware(cancelled_at, "cancelled_at")), utc(start)
    full_days, half_days = _CUTOFFS[effective_policy(service, policy)]
    start_day = local_date(start)
    if cancelled_at < local_noon(days_before(start_day, full_days)):
        return 100
    half_cutoff = start if half_days is None else local_noon(days_before(start_day, half_days))
    if cancelled_at < half_cutoff:
        return 50
    return 0


@dataclass(frozen=True, slots=True)
class Settlement:
    """Where the captured money ends up after refunds.

    refunded + commission + payout == captured, always; `reversal` is what
    must come back from a transfer already made to the caregiver.
    """

    captured_cents: int
    refunded_cents: int
    commission_cents: int
    payout_cents: int
    reversal_cents: int

    @property
    def kept_cents(self) -> int:
        return self.captured_cents - self.refunded_cents


def settle(
    captured_cents: int, refunded_cents: int, paid_out_cents: int, rate: CommissionRate
) -> Settlement:
    """Split what is kept after refunds; the kept amount is the new total."""
    if not 0 <= refunded_cents <= captured_cents:
        raise ValueError("refunds cannot exceed the captured amount")
    parts = split(captured_cents - refunded_cents, rate)
    reversal = max(0, paid_out_cents - parts.payout_cents)
    return Settlement(
        captured_cents, refunded_cents, parts.commission_cents, parts.payout_cents, reversal
    )


def owner_refund_cents(
    policy: CancellationPolicy,
    service: Service,
    start: datetime,
    cancelled_at: datetime,
    captured_cents: int,
) -> int:
    return share(captured_cents, refund_percent(policy, service, start, cancelled_at))
