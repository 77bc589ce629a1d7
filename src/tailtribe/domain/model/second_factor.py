"""An admin's second factor: a TOTP secret (RFC 6238) and one-time recovery codes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

RECOVERY_CODES = 10
# Ten characters from an alphabet without look-alikes (no 0/O, 1/I/L): ~50 bits each.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_RECOVERY_LENGTH = 10


def new_recovery_codes() -> list[str]:
    """Codes as the admin reads them: two groups of five, e.g. `7KQ2M-XR4TP`."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def normalize_recovery_code(raw: str) -> str:
    """What is hashed: upper case, without spaces or dashes, as typed either way."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def looks_like_totp(raw: str) -> bool:
    code = raw.replace(" ", "")
    return len(code) == 6 and code.isascii() and code.isdigit()


@dataclass(eq=False)
class SecondFactor:
    """One per admin. `sealed_secret` is the TOTP secret encrypted by the
    SecretBox port: the database never holds it in clear. Until `enrolled_at`
    is set the factor is pending: shown to the admin, not yet confirmed by a
    first code, so it does not protect anything yet."""

    user_id: UUID
    sealed_secret: str
    created_at: datetime
    enrolled_at: datetime | None = None
    # The last accepted TOTP time step: a code is good once, never again in its step.
    last_step: int | None = None
    # Digests of the recovery codes not used yet.
    recovery_digests: tuple[str, ...] = ()

    @property
    def enrolled(self) -> bool:
        return self.enrolled_at is not None

    def accept_step(self, step: int) -> bool:
        """Whether a code of this time step may be used: only steps after the last."""
        if self.last_step is not None and step <= self.last_step:
            return False
        self.last_step = step
        return True

    def use_recovery(self, digest: str) -> bool:
        if digest not in self.recovery_digests:
            return False
        self.recovery_digests = tuple(d for d in self.recovery_digests if d != digest)
        return True

    def confirm(self, now: datetime, step: int, recovery_digests: tuple[str, ...]) -> None:
        self.enrolled_at = now
        self.last_step = step
        self.recovery_digests = recovery_digests
