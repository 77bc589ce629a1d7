"""Ports only the account use cases need."""

from __future__ import annotations

from typing import Protocol


class LoginThrottle(Protocol):
    """Login attempts per account, counted atomically across every API process."""

    async def attempt(self, key: str) -> int | None:
        """Count one attempt; None if it may go ahead, else seconds until the window ends."""
        ...

    async def reset(self, key: str) -> None:
        """A successful login clears the count."""
        ...
