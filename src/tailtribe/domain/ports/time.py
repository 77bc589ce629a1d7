"""Time and identifiers: what the core reads instead of the system clock and uuid4."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


class IdGenerator(Protocol):
    def new_id(self) -> UUID: ...


class AdjustableClock(Clock, Protocol):
    """A clock test mode can move (`TAILTRIBE_ENV=test` only)."""

    def set(self, instant: datetime | None) -> None:
        """Freeze the clock at `instant` (timezone-aware), or back to real time for None."""
        ...
