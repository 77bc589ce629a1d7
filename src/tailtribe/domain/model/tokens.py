"""Single-use, expiring tokens for email verification and password reset.

Only a hash of the secret is stored: whoever reads the database cannot use it.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from tailtribe.domain.errors import InvalidInput


class TokenPurpose(enum.StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105  (a purpose, not a secret)


LIFETIME = {
    TokenPurpose.VERIFY_EMAIL: timedelta(days=7),
    TokenPurpose.RESET_PASSWORD: timedelta(hours=1),
}


def token_digest(secret: str) -> str:
    """Tokens are 256-bit random: a plain SHA-256 is enough to hide them."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(eq=False)
class OneTimeToken:
    id: UUID
    user_id: UUID
    purpose: TokenPurpose
    digest: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    @classmethod
    def issue(
        cls, *, id: UUID, user_id: UUID, purpose: TokenPurpose, secret: str, now: datetime
    ) -> OneTimeToken:
        return cls(
            id=id,
            user_id=user_id,
            purpose=purpose,
            digest=token_digest(secret),
            created_at=now,
            expires_at=now + LIFETIME[purpose],
        )

    def use(self, now: datetime) -> None:
        # One answer for used, expired and unknown: nothing to learn by probing.
        if self.used_at is not None or now >= self.expires_at:
            raise InvalidInput("the link is invalid or has expired")
        self.used_at = now
