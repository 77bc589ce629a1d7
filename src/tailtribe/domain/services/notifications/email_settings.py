"""Which optional emails a user gets: their settings, and the one-click unsubscribe."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from tailtribe.domain.errors import DomainError, NotFound
from tailtribe.domain.model.notifications import EmailSettings, OptionalEmails
from tailtribe.domain.model.users import Locale
from tailtribe.domain.ports.identity import UnsubscribeTokens
from tailtribe.domain.ports.storage import UnitOfWork


class InvalidUnsubscribeLink(DomainError):
    """A token this server did not sign (forged, altered, cut short)."""

    title = "Invalid link"

    def __init__(self) -> None:
        super().__init__("this unsubscribe link is not valid")


class ManageEmailSettings:
    """The signed-in user reads and changes their settings."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def get(self, user_id: UUID) -> EmailSettings:
        async with self._uow as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise NotFound("no such user")
            return user.email_settings

    async def change(self, user_id: UUID, settings: EmailSettings) -> EmailSettings:
        async with self._uow as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise NotFound("no such user")
            user.change_email_settings(settings)
            await uow.users.save(user)
            await uow.commit()
            return user.email_settings


@dataclass(frozen=True, slots=True)
class Unsubscription:
    """What an unsubscribe link names, for the page that confirms it."""

    category: OptionalEmails
    locale: Locale
    # Whether those emails are (now) off.
    off: bool


class Unsubscribe:
    """The link in an optional email turns that kind of email off, without
    signing in. Reading it (`check`) changes nothing: link scanners follow
    links; only `__call__` (a POST) writes, and twice is the same as once.
    The link does not expire: whoever turns the emails back on in their
    settings and clicks an old link has them turned off again, as asked."""

    def __init__(self, uow: UnitOfWork, tokens: UnsubscribeTokens) -> None:
        self._uow, self._tokens = uow, tokens

    def _read(self, token: str) -> tuple[UUID, OptionalEmails]:
        named = self._tokens.read(token)
        if named is None:
            raise InvalidUnsubscribeLink()
        return named

    async def check(self, token: str) -> Unsubscription:
        user_id, category = self._read(token)
        async with self._uow as uow:
            user = await uow.users.get(user_id)
        if user is None:  # a deleted account: the link names nobody any more
            raise InvalidUnsubscribeLink()
        return Unsubscription(category, user.locale, not user.email_settings.gets(category))

    async def __call__(self, token: str) -> Unsubscription:
        user_id, category = self._read(token)
        async with self._uow as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise InvalidUnsubscribeLink()
            if user.email_settings.gets(category):
                user.change_email_settings(user.email_settings.without(category))
                await uow.users.save(user)
                await uow.commit()
            return Unsubscription(category, user.locale, off=True)
