from __future__ import annotations

from tailtribe.domain.errors import InvalidInput
from tailtribe.domain.model.security import COMMAND_LINE
from tailtribe.domain.model.users import Locale, Role, User, check_password, normalize_email
from tailtribe.domain.ports.identity import PasswordHasher
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock, IdGenerator
from tailtribe.domain.services.accounts.security_log import SecurityLog


class PasswordRequired(InvalidInput):
    def __init__(self) -> None:
        super().__init__("a new admin needs a password")


class UnverifiedAccount(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "that address is registered but not verified: anyone could have registered it, "
            "so it is not promoted"
        )


class CreateAdmin:
    """Make an admin from the command line (never through the API).

    - a new account is created verified, with the given password;
    - an existing account is promoted only once its address is verified (an
      unverified one may belong to whoever typed the address); a password
      given replaces the old one and ends every session (a security event).
    """

    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        ids: IdGenerator,
        clock: Clock,
        security: SecurityLog,
    ) -> None:
        self._uow, self._hasher, self._ids, self._clock = uow, hasher, ids, clock
        self._security = security

    async def __call__(self, email: str, password: str | None) -> tuple[User, bool]:
        """Returns the user and whether it was created."""
        email = normalize_email(email)
        async with self._uow as uow:
            user = await uow.users.get_by_email(email)
            created = user is None
            if user is None:
                if password is None:
                    raise PasswordRequired()
                user = User.register(
                    id=self._ids.new_id(),
                    email=email,
                    full_name=email.split("@")[0],
                    password_hash=await self._hasher.hash(check_password(password)),
                    locale=Locale.EN,
                    now=self._clock.now(),
                )
                user.verify_email()
                user.grant(Role.ADMIN)
                await uow.users.add(user)
            else:
                if not user.email_verified:
                    raise UnverifiedAccount()
                if password is not None:
                    user.change_password(await self._hasher.hash(check_password(password)))
                user.grant(Role.ADMIN)
                await uow.users.save(user)
                if password is not None:
                    await self._security.password_changed(uow, user, COMMAND_LINE)
            await uow.commit()
        return user, created
