"""Ports only the account use cases need."""

from __future__ import annotations

from typing import Protocol


class LoginThrottle(Protocol):
    """Failed logins counted per account, across every API process."""

    async def retry_after(self, key: str) -> int | None:
        """Seconds until `key` may try again, or None when it may now."""
        ...

    async def record_failure(self, key: str) -> None: ...

    async def reset(self, key: str) -> None: ...
