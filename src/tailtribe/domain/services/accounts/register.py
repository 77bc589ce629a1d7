from __future__ import annotations

from dataclasses import dataclass

from tailtribe.domain.errors import EmailTaken
from tailtribe.domain.model.tokens import TokenPurpose
from tailtribe.domain.model.users import Locale, User, check_password, normalize_email
from tailtribe.domain.ports import Clock, IdGenerator, PasswordHasher, UnitOfWork
from tailtribe.domain.services.accounts.token_issuer import TokenIssuer


@dataclass(frozen=True, slots=True)
class Register:
    email: str
    password: str
    full_name: str
    locale: Locale


class RegisterUser:
    """Every new user is an owner with an unverified address.

    - the email is unique, case-insensitively (409 otherwise);
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
    ) -> None:
        self._uow, self._hasher, self._tokens = uow, hasher, tokens
        self._ids, self._clock = ids, clock

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
        async with self._uow as uow:
            if await uow.users.get_by_email(email) is not None:
                raise EmailTaken()
            await uow.users.add(user)
            await self._tokens.send(uow, user, TokenPurpose.VERIFY_EMAIL, now)
            await uow.commit()
        return user
