"""What the admin console's second factor needs: storage, sealing and codes."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from tailtribe.domain.model.second_factor import SecondFactor


class SecondFactorRepository(Protocol):
    async def get(self, user_id: UUID) -> SecondFactor | None:
        """Locked until the transaction ends: two codes checked at once see each other."""
        ...

    async def save(self, factor: SecondFactor) -> None:
        """Insert or replace the user's factor."""
        ...


class SecretBox(Protocol):
    """Seals secrets kept at rest and digests codes, with keys derived from the app's secret."""

    def seal(self, plain: str) -> str: ...

    def open(self, sealed: str) -> str: ...

    def digest(self, code: str) -> str:
        """A keyed digest (HMAC) of a one-time code: what is stored instead of the code."""
        ...


class OneTimeCodes(Protocol):
    """Time-based one-time passwords (RFC 6238: 6 digits, 30-second steps)."""

    def new_secret(self) -> str:
        """A new base32 secret."""
        ...

    def matching_step(self, secret: str, code: str, now: datetime) -> int | None:
        """The time step (around `now`, one step either side for clock drift)
        whose code this is, or None."""
        ...

    def provisioning_uri(self, secret: str, account: str, issuer: str) -> str:
        """The otpauth:// URI an authenticator app reads from a QR code."""
        ...
