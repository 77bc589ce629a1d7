from __future__ import annotations

import hashlib
from dataclasses import dataclass

from tailtribe.domain.errors import InvalidCredentials, InvalidInput, RateLimited
from tailtribe.domain.model.security import UNKNOWN_CLIENT, SignInMethod
from tailtribe.domain.model.users import MAX_PASSWORD_LENGTH, User, normalize_email
from tailtribe.domain.ports.identity import DeviceTokens, PasswordHasher
from tailtribe.domain.ports.limits import LoginThrottle
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.accounts.security_log import SecurityLog


@dataclass(frozen=True, slots=True)
class Credentials:
    email: str
    password: str
    device: str | None = None  # the token a previous sign-in gave this client
    client: str = UNKNOWN_CLIENT  # its coarse name, for the security events


@dataclass(frozen=True, slots=True)
class SignedIn:
    user: User
    device: str  # for the client to send with its next sign-ins


def account_key(email: str) -> str:
    """What login attempts are counted by: the address, whether or not it has an account."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _address(raw: str) -> str | None:
    """A well-formed address, or None: anything else matches no account."""
    try:
        return normalize_email(raw)
    except InvalidInput:
        return None


class Authenticate:
    """Check a password login.

    - wrong email and wrong password answer alike, in about the same time;
    - attempts are counted per account (whether or not it exists) before the
      password is checked, atomically, so a burst of guesses cannot slip
      past the limit; a success clears the count; past the limit the
      account refuses logins until the window ends (429);
    - a client that signed in before sends the device token it was given and
      is counted apart, per device: guesses from elsewhere lock out unknown
      clients only, never the owner's own (a password reset lifts the lock
      for new clients too);
    - a hash made with weaker parameters is upgraded on success;
    - a success is a security event, committed with it; failures are not
      recorded (a write for existing accounts only would time apart the
      answers for a wrong email and a wrong password).
    """

    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        throttle: LoginThrottle,
        dummy_hash: str,
        devices: DeviceTokens,
        clock: Clock,
        security: SecurityLog,
    ) -> None:
        self._uow, self._hasher, self._throttle = uow, hasher, throttle
        self._security = security
        # Verified against when the account does not exist, to keep timing even.
        self._dummy_hash = dummy_hash
        self._devices, self._clock = devices, clock

    async def __call__(self, credentials: Credentials) -> SignedIn:
        email = credentials.email.strip().lower()
        account = key = account_key(email)
        now = self._clock.now()
        token = credentials.device
        device = self._devices.device(account, token, now) if token else None
        if device is not None:
            key = f"{account}:device:{device}"
        if (wait := await self._throttle.attempt(key)) is not None:
            raise RateLimited("too many login attempts for this account", wait)
        async with self._uow as uow:
            user = await uow.users.get_by_email(address) if (address := _address(email)) else None
            password = credentials.password[: MAX_PASSWORD_LENGTH + 1]
            stored = user.password_hash if user and user.password_hash else self._dummy_hash
            matches = await self._hasher.verify(stored, password)
            if user is None or user.password_hash is None or not matches:
                raise InvalidCredentials()
            await self._throttle.reset(key)
            if self._hasher.needs_rehash(user.password_hash):
                user.password_hash = await self._hasher.hash(password)
                await uow.users.save(user)
            await self._security.signed_in(uow, user, SignInMethod.PASSWORD, credentials.client)
            await uow.commit()
        return SignedIn(user, self._devices.issue(account, now, device))
