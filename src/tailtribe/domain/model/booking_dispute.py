"""The owner's dispute window of a booking, and the outcomes of a dispute.

The payout waits for the window's end: a settled booking is paid out only once
the owner can no longer dispute it (docs/rules.md).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_DISPUTE_WINDOW = timedelta(hours=48)


class DisputeOutcome(enum.StrEnum):
    RELEASE = "release"
    REFUND = "refund"


@dataclass
class BookingDispute:
    deadline: datetime | None = None

    def open_window(self, now: datetime, length: timedelta) -> None:
        self.deadline = now + length

    def is_open(self, now: datetime) -> bool:
        return self.deadline is not None and now < self.deadline

    def has_passed(self, now: datetime) -> bool:
        return self.deadline is not None and now >= self.deadline

    def close(self, now: datetime) -> None:
        """The owner has been heard: the payout need not wait for the window."""
        self.deadline = now
