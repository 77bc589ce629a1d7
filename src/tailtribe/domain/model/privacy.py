"""Erasing an account (GDPR art. 17): when it is refused, and why."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from tailtribe.domain.errors import Conflict
from tailtribe.domain.model.booking_payout import UNSENT, PayoutStatus
from tailtribe.domain.model.bookings import ACTIVE, BookingStatus

# What an erased owner's pet is still called in the caregiver's past bookings.
ERASED_PET_NAME = "Pet"
NOT_SENT = "not sent: the recipient erased the account"


class ErasureBlocker(enum.StrEnum):
    """Why an account cannot be erased yet: each clears by itself in time
    (the booking ends, the payout is sent, the dispute is resolved)."""

    BOOKING_IN_PROGRESS = "booking_in_progress"
    PAYOUT_PENDING = "payout_pending"
    DISPUTE_OPEN = "dispute_open"
    MEET_AND_GREET_OPEN = "meet_and_greet_open"  # requested or accepted, not over yet


_DETAIL = {
    ErasureBlocker.BOOKING_IN_PROGRESS: "a booking is requested, accepted or in progress",
    ErasureBlocker.PAYOUT_PENDING: "a caregiver's payout is not sent yet",
    ErasureBlocker.DISPUTE_OPEN: "a dispute is open",
    ErasureBlocker.MEET_AND_GREET_OPEN: "a meet-and-greet is requested or accepted",
}
# A payout not sent yet: due after the dispute window, held for an admin, or
# withheld until the caregiver gives their tax details.
_UNSENT = UNSENT


@dataclass(frozen=True, slots=True)
class BookingState:
    """What erasure needs to know of a booking the user is a party to."""

    status: BookingStatus
    payout: PayoutStatus


def blockers(
    bookings: Iterable[BookingState], meet_and_greet_open: bool = False
) -> tuple[ErasureBlocker, ...]:
    """Every reason, once each, in the enum's order."""
    found: set[ErasureBlocker] = set()
    if meet_and_greet_open:
        found.add(ErasureBlocker.MEET_AND_GREET_OPEN)
    for b in bookings:
        if b.status in ACTIVE:
            found.add(ErasureBlocker.BOOKING_IN_PROGRESS)
        if b.status is BookingStatus.DISPUTED:
            found.add(ErasureBlocker.DISPUTE_OPEN)
        if b.payout in _UNSENT:
            found.add(ErasureBlocker.PAYOUT_PENDING)
    return tuple(r for r in ErasureBlocker if r in found)


class ErasureRefused(Conflict):
    title = "Erasure refused"

    def __init__(self, reasons: tuple[ErasureBlocker, ...]) -> None:
        super().__init__(
            "the account cannot be erased yet: " + "; ".join(_DETAIL[r] for r in reasons)
        )
        self.reasons = reasons
