"""The user's security events: recorded with the change, listed, and purged."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from tailtribe.domain.model.security import (
    SecurityEvent,
    SecurityEventKind,
    SignInMethod,
    client_name,
    is_new_client,
)
from tailtribe.domain.model.users import User
from tailtribe.domain.ports.storage import Page, UnitOfWork
from tailtribe.domain.ports.time import Clock, IdGenerator
from tailtribe.domain.services.outbox import EMAIL_NEW_SIGN_IN, Outbox


class SecurityLog:
    """Records an event in the caller's unit of work (it commits with the
    sign-in or the change, or not at all).

    A sign-in from a client the user has not signed in from in the last
    NEW_CLIENT_AFTER, by a user who signed in before, queues the new sign-in
    email in the same transaction. `client` is the coarse name the entrypoint
    derived (never a raw User-Agent or address).
    """

    def __init__(self, outbox: Outbox, ids: IdGenerator, clock: Clock) -> None:
        self._outbox, self._ids, self._clock = outbox, ids, clock

    async def signed_in(
        self, uow: UnitOfWork, user: User, method: SignInMethod, client: str
    ) -> None:
        client, now = client_name(client), self._clock.now()
        events = uow.security_events
        last = await events.last_sign_in(user.id)
        seen = None if last is None else await events.last_sign_in(user.id, client)
        if is_new_client(now, last, seen):
            await self._outbox.add(
                uow,
                EMAIL_NEW_SIGN_IN,
                user_id=str(user.id),
                at=now.isoformat(),
                method=method.value,
                client=client,
            )
        await self._record(uow, user, SecurityEventKind.SIGN_IN, method, client, now)

    async def password_changed(
        self,
        uow: UnitOfWork,
        user: User,
        client: str,
        *,
        reset: bool = False,
        method: SignInMethod | None = None,
    ) -> None:
        kind = SecurityEventKind.PASSWORD_RESET if reset else SecurityEventKind.PASSWORD_CHANGED
        await self._record(uow, user, kind, method, client_name(client), self._clock.now())

    async def _record(
        self,
        uow: UnitOfWork,
        user: User,
        kind: SecurityEventKind,
        method: SignInMethod | None,
        client: str,
        at: datetime,
    ) -> None:
        event = SecurityEvent(
            id=self._ids.new_id(),
            user_id=user.id,
            kind=kind,
            method=method,
            client=client,
            at=at,  # the instant the new sign-in email states too
        )
        await uow.security_events.add(event)


class ListSecurityEvents:
    """The user's own events, newest first; nobody else's."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, user_id: UUID, limit: int, offset: int) -> Page[SecurityEvent]:
        async with self._uow as uow:
            return await uow.security_events.list_for(user_id, limit, offset)
