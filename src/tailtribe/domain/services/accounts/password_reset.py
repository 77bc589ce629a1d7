from __future__ import annotations

from tailtribe.domain.errors import InvalidInput
from tailtribe.domain.model.security import UNKNOWN_CLIENT
from tailtribe.domain.model.tokens import TokenPurpose
from tailtribe.domain.model.users import User, check_password, normalize_email
from tailtribe.domain.ports.identity import PasswordHasher
from tailtribe.domain.ports.limits import EmailCap, LoginThrottle
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.accounts.authenticate import account_key
from tailtribe.domain.services.accounts.security_log import SecurityLog
from tailtribe.domain.services.accounts.token_issuer import TokenIssuer


class RequestPasswordReset:
    """Queue a reset email when the account exists; say nothing either way.

    At most EMAILS_PER_ADDRESS_PER_HOUR requests per address send one
    (counted whether or not it has an account): nobody can flood a mailbox.
    The owner still has the links those requests sent.
    """

    def __init__(self, uow: UnitOfWork, tokens: TokenIssuer, clock: Clock, cap: EmailCap) -> None:
        self._uow, self._tokens, self._clock, self._cap = uow, tokens, clock, cap

    async def __call__(self, email: str) -> None:
        try:
            address = normalize_email(email)
        except InvalidInput:
            return  # no account has a malformed address; say nothing either way
        if await self._cap.attempt("reset:" + account_key(address)) is not None:
            return  # said nothing, as ever
        async with self._uow as uow:
            user = await uow.users.get_by_email(address)
            if user is None:
                return
            await self._tokens.send(uow, user, TokenPurpose.RESET_PASSWORD, self._clock.now())
            await uow.commit()


class ConfirmPasswordReset:
    """Set a new password with a reset token.

    - the token is single-use and expires after an hour;
    - access tokens issued before the change stop working;
    - the address counts as verified: the reset link reached its inbox;
    - failed logins no longer lock the account out of new clients;
    - the reset is a security event, committed with it.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        tokens: TokenIssuer,
        hasher: PasswordHasher,
        clock: Clock,
        throttle: LoginThrottle,
        security: SecurityLog,
    ) -> None:
        self._uow, self._tokens, self._hasher, self._clock = uow, tokens, hasher, clock
        self._throttle, self._security = throttle, security

    async def __call__(self, secret: str, new_password: str, client: str = UNKNOWN_CLIENT) -> User:
        """The user, committed: the caller ends their live sessions. `client` is
        the coarse name of the client, for the security events."""
        check_password(new_password, "new_password")
        now = self._clock.now()
        async with self._uow as uow:
            token = await self._tokens.redeem(uow, secret, TokenPurpose.RESET_PASSWORD, now)
            user = await uow.users.get(token.user_id)
            if user is None:
                raise InvalidInput("the link is invalid or has expired")
            user.change_password(await self._hasher.hash(new_password))
            user.verify_email()
            # Any other reset link still in a mailbox dies with this one.
            await uow.tokens.use_all(user.id, TokenPurpose.RESET_PASSWORD, now)
            await uow.users.save(user)
            await self._security.password_changed(uow, user, client, reset=True)
            await uow.commit()
        await self._throttle.reset(account_key(user.email))
        return user
