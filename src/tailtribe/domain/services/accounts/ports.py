"""Ports only the account use cases need."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class LoginThrottle(Protocol):
    """Login attempts per account, counted atomically across every API process."""

    async def attempt(self, key: str) -> int | None:
        """Count one attempt; None if it may go ahead, else seconds until the window ends."""
        ...

    async def reset(self, key: str) -> None:
        """A successful login clears the count."""
        ...


# Emails anyone can make us send to an address (a reset link, "you already
# have an account"): at most this many of each kind per address per hour.
EMAILS_PER_ADDRESS_PER_HOUR = 3


class EmailCap(LoginThrottle, Protocol):
    """Requested emails per address, counted like login attempts (`attempt`
    counts one email) in a window of an hour."""


class DeviceTokens(Protocol):
    """Signed, long-lived tokens marking a client that signed in to an account.

    Login failures from clients without one cannot lock out a client with one.
    """

    def issue(self, account: str, now: datetime, device: str | None = None) -> str:
        """A token for this account and device (a new device when None)."""
        ...

    def device(self, account: str, token: str, now: datetime) -> str | None:
        """The device of a token issued for this account and not expired, else None."""
        ...
