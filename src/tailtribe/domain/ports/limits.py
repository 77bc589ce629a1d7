"""Rate limits counted atomically across every API process."""

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


# Emails anyone can make us send to an address (a reset link, "you already
# have an account"): at most this many of each kind per address per hour.
EMAILS_PER_ADDRESS_PER_HOUR = 3


class EmailCap(LoginThrottle, Protocol):
    """Requested emails per address, counted like login attempts (`attempt`
    counts one email) in a window of an hour."""


class SendThrottle(LoginThrottle, Protocol):
    """Messages a user sends: at most SENDS_PER_MINUTE per minute, counted
    atomically across every API process (`attempt` counts one send)."""
