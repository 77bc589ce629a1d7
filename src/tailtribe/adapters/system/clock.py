"""Clocks: the real one, and one test mode can move."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class SettableClock:
    """Real time unless set; `TAILTRIBE_ENV=test` lets clients move it."""

    def __init__(self) -> None:
        self._fixed: datetime | None = None

    def now(self) -> datetime:
        return self._fixed if self._fixed is not None else datetime.now(UTC)

    def set(self, instant: datetime | None) -> None:
        if instant is not None and instant.utcoffset() is None:
            raise ValueError("the clock needs a timezone-aware instant")
        self._fixed = instant.astimezone(UTC) if instant is not None else None
