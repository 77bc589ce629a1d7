"""Signing in to the admin console: the password as for the API, then a TOTP code.

The password step is the API's own `Authenticate` (its throttle, lockout and
timing rules), followed by a check of the admin role whose refusal is the
same `InvalidCredentials` as a wrong password: the form tells nobody which
addresses are admins. The second factor's failures are counted per admin on
the same `LoginThrottle` as passwords, so guessing codes locks out as
guessing passwords does.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from tailtribe.domain.errors import Conflict, InvalidCredentials, RateLimited
from tailtribe.domain.model.second_factor import (
    SecondFactor,
    looks_like_totp,
    new_recovery_codes,
    normalize_recovery_code,
)
from tailtribe.domain.model.users import Role, User
from tailtribe.domain.ports.limits import LoginThrottle
from tailtribe.domain.ports.second_factor import OneTimeCodes, SecretBox
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.accounts.authenticate import Authenticate, Credentials

ISSUER = "TailTribe admin"


def _factor_key(user_id: UUID) -> str:
    return f"second-factor:{user_id}"


@dataclass(frozen=True, slots=True)
class PasswordPassed:
    user: User
    enrolled: bool  # False: the admin sets up a second factor next


@dataclass(frozen=True, slots=True)
class Enrolment:
    secret: str  # base32, for typing into an authenticator by hand
    uri: str  # otpauth://, for the QR code
    shown: str  # its digest: kept in the session that was shown it


class ConsolePassword:
    """The first step: the API's password check, for admins only."""

    def __init__(self, authenticate: Authenticate, uow: UnitOfWork) -> None:
        self._authenticate, self._uow = authenticate, uow

    async def __call__(self, email: str, password: str, client: str) -> PasswordPassed:
        signed_in = await self._authenticate(Credentials(email, password, client=client))
        user = signed_in.user
        if not user.has(Role.ADMIN) or user.erased:
            raise InvalidCredentials()
        async with self._uow as uow:
            factor = await uow.second_factors.get(user.id)
        return PasswordPassed(user, factor is not None and factor.enrolled)


class StartEnrolment:
    """A new pending TOTP secret for an admin without a confirmed one."""

    def __init__(self, uow: UnitOfWork, codes: OneTimeCodes, box: SecretBox, clock: Clock) -> None:
        self._uow, self._codes, self._box, self._clock = uow, codes, box, clock

    async def __call__(self, user: User, shown: str | None) -> Enrolment:
        """`shown` is the digest of the secret this browser session was shown
        (None for none): a reload keeps it; any other session gets a new
        secret, which voids the one shown before. A pending secret is never
        handed to a second session."""
        async with self._uow as uow:
            factor = await uow.second_factors.get(user.id)
            if factor is not None and factor.enrolled:
                raise Conflict("a second factor is set up already")
            if factor is not None:
                secret = self._box.open(factor.sealed_secret)
                if shown is not None and self._box.digest(secret) == shown:
                    return self._enrolment(user, secret)
            secret = self._codes.new_secret()
            factor = SecondFactor(user.id, self._box.seal(secret), self._clock.now())
            await uow.second_factors.save(factor)
            await uow.commit()
        return self._enrolment(user, secret)

    def _enrolment(self, user: User, secret: str) -> Enrolment:
        return Enrolment(
            secret,
            self._codes.provisioning_uri(secret, user.email, ISSUER),
            self._box.digest(secret),
        )


class _Checks:
    def __init__(
        self,
        uow: UnitOfWork,
        codes: OneTimeCodes,
        box: SecretBox,
        clock: Clock,
        throttle: LoginThrottle,
    ) -> None:
        self._uow, self._codes, self._box = uow, codes, box
        self._clock, self._throttle = clock, throttle

    async def _count(self, user_id: UUID) -> None:
        if (wait := await self._throttle.attempt(_factor_key(user_id))) is not None:
            raise RateLimited("too many sign-in attempts for this account", wait)

    def _step(self, factor: SecondFactor, code: str) -> int | None:
        if not looks_like_totp(code):
            return None
        secret = self._box.open(factor.sealed_secret)
        return self._codes.matching_step(secret, code.replace(" ", ""), self._clock.now())


class ConfirmEnrolment(_Checks):
    """The first code proves the authenticator works: the factor is on, and
    ten recovery codes are made, returned once and stored as digests."""

    async def __call__(self, user_id: UUID, code: str, shown: str | None) -> list[str]:
        await self._count(user_id)
        async with self._uow as uow:
            factor = await uow.second_factors.get(user_id)
            if factor is None or factor.enrolled:
                raise Conflict("no second factor is being set up")
            if shown is None or self._box.digest(self._box.open(factor.sealed_secret)) != shown:
                # Another session started a set-up since: this one shows a new secret.
                raise InvalidCredentials()
            step = self._step(factor, code)
            if step is None:
                raise InvalidCredentials()
            recovery = new_recovery_codes()
            digests = tuple(self._box.digest(normalize_recovery_code(c)) for c in recovery)
            factor.confirm(self._clock.now(), step, digests)
            await uow.second_factors.save(factor)
            await uow.commit()
        await self._throttle.reset(_factor_key(user_id))
        return recovery


class VerifySecondFactor(_Checks):
    """A current TOTP code (each time step once) or an unused recovery code."""

    async def __call__(self, user_id: UUID, code: str) -> None:
        await self._count(user_id)
        async with self._uow as uow:
            factor = await uow.second_factors.get(user_id)
            if factor is None or not factor.enrolled:
                raise InvalidCredentials()
            step = self._step(factor, code)
            if step is not None:
                accepted = factor.accept_step(step)
            else:
                digest = self._box.digest(normalize_recovery_code(code))
                accepted = bool(normalize_recovery_code(code)) and factor.use_recovery(digest)
            if not accepted:
                raise InvalidCredentials()
            await uow.second_factors.save(factor)
            await uow.commit()
        await self._throttle.reset(_factor_key(user_id))


class HasSecondFactor:
    """Whether the admin confirmed a second factor (the enrolment page is for those without)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, user_id: UUID) -> bool:
        async with self._uow as uow:
            factor = await uow.second_factors.get(user_id)
        return factor is not None and factor.enrolled
