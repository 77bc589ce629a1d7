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
