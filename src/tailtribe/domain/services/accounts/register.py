from __future__ import annotations

from dataclasses import dataclass

from tailtribe.domain.errors import EmailTaken
from tailtribe.domain.model.tokens import TokenPurpose
from tailtribe.domain.model.users import Locale, User, check_password, normalize_email
from tailtribe.domain.ports.identity import PasswordHasher
from tailtribe.domain.ports.limits import EmailCap
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock, IdGenerator
from tailtribe.domain.services.accounts.authenticate import account_key
from tailtribe.domain.services.accounts.token_issuer import TokenIssuer
from tailtribe.domain.services.outbox import EMAIL_ACCOUNT_EXISTS, Outbox


@dataclass(frozen=True, slots=True)
class Register:
    email: str
    password: str
    full_name: str
    locale: Locale


class RegisterUser:
    """Every new user is an owner with an unverified address.

    - the email is unique, case-insensitively; registering a taken one
      answers exactly as a new account would (a user that is never stored)
      and emails the existing account instead, at most
      EMAILS_PER_ADDRESS_PER_HOUR times an hour: nobody learns from the
      answer whether an address has an account;
    - the password has 10..256 characters and is stored as an argon2id hash;
    - a verification email is queued in the same transaction.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        tokens: TokenIssuer,
        ids: IdGenerator,
        clock: Clock,
        outbox: Outbox,
        cap: EmailCap,
    ) -> None:
        self._uow, self._hasher, self._tokens = uow, hasher, tokens
        self._ids, self._clock, self._outbox, self._cap = ids, clock, outbox, cap

    async def __call__(self, command: Register) -> User:
        email = normalize_email(command.email)
        check_password(command.password)
        now = self._clock.now()
        user = User.register(
            id=self._ids.new_id(),
            email=email,
            full_name=command.full_name,
            password_hash=await self._hasher.hash(command.password),
            locale=command.locale,
            now=now,
        )
        try:
            async with self._uow as uow:
                if (existing := await uow.users.get_by_email(email)) is not None:
                    await self._tell(uow, existing)
                    return user
                await uow.users.add(user)
                await self._tokens.send(uow, user, TokenPurpose.VERIFY_EMAIL, now)
                await uow.commit()
        except EmailTaken:  # a registration of the same address at the same time won
            async with self._uow as uow:
                if (existing := await uow.users.get_by_email(email)) is not None:
                    await self._tell(uow, existing)
        return user

    async def _tell(self, uow: UnitOfWork, existing: User) -> None:
        """Let the account's owner know, in their own language."""
        if await self._cap.attempt("exists:" + account_key(existing.email)) is None:
            await self._outbox.add(uow, EMAIL_ACCOUNT_EXISTS, user_id=str(existing.id))
            await uow.commit()
