"""Identity: passwords, token secrets, signed tokens, an OpenID Connect provider."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from tailtribe.domain.model.notifications import OptionalEmails


@dataclass(frozen=True, slots=True)
class ExternalIdentity:
    """Who the identity provider vouches for, from its verified ID token."""

    subject: str
    email: str
    email_verified: bool
    name: str | None


class IdentityProvider(Protocol):
    """An OpenID Connect provider (Google), authorization code flow with PKCE."""

    async def authorization_url(
        self, redirect_uri: str, state: str, nonce: str, code_verifier: str
    ) -> str: ...

    async def identify(
        self, code: str, redirect_uri: str, code_verifier: str, nonce: str
    ) -> ExternalIdentity:
        """Exchange the code and verify the ID token (signature against the
        provider's keys, issuer, audience, expiry, nonce); SignInFailed otherwise."""
        ...


class PasswordHasher(Protocol):
    """Deliberately slow hashing: implementations keep it off the event loop."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool:
        """False for a wrong password; never raises for one."""
        ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class TokenSecrets(Protocol):
    """The secret behind a one-time token, derived from its id with a server key.

    The database keeps only a hash of it and the outbox only the id, so
    neither alone can be used to take over an account.
    """

    def secret_for(self, token_id: UUID) -> str: ...


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


class UnsubscribeTokens(Protocol):
    """Signed tokens in an email's unsubscribe link: they name a user and an
    optional kind of email, cannot be forged without the server key, and do
    not expire (turning an email off twice changes nothing)."""

    def issue(self, user_id: UUID, category: OptionalEmails) -> str: ...

    def read(self, token: str) -> tuple[UUID, OptionalEmails] | None:
        """The user and category a genuine token names; None for any other text."""
        ...
