from __future__ import annotations

import copy
from collections import OrderedDict
from datetime import datetime, timedelta
from uuid import UUID

from tailtribe.domain.errors import NotFound
from tailtribe.domain.model.users import User
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock


class GetUser:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, user_id: UUID) -> User:
        async with self._uow as uow:
            user = await uow.users.get(user_id)
        if user is None:
            raise NotFound("no such user")
        return user


class RecentUsers:
    """The users that bearer tokens named in the last `ttl`, kept in this
    process so that a client's burst of requests reads its user once.

    The price: a change to a user (a password reset revoking its tokens, a
    role granted or taken) reaches requests served from here only once the
    entry expires, at most `ttl` later; a zero `ttl` keeps nothing. Bounded:
    past `max_users` the entry read longest ago goes. Each caller gets a
    copy, so that nothing a request does to its user leaks into another's.
    """

    def __init__(self, clock: Clock, ttl: timedelta, max_users: int = 10_000) -> None:
        self._clock = clock
        self._ttl = ttl
        self._max_users = max_users
        # By id: when the user was read, and a copy of it.
        self._users: OrderedDict[UUID, tuple[datetime, User]] = OrderedDict()

    def get(self, user_id: UUID) -> User | None:
        entry = self._users.get(user_id)
        if entry is None:
            return None
        read_at, user = entry
        # Test mode moves the clock back as well as forth: an entry from
        # "the future" is as stale as an old one.
        if not read_at <= self._clock.now() < read_at + self._ttl:
            del self._users[user_id]
            return None
        return copy.copy(user)

    def forget(self, user_id: UUID) -> None:
        self._users.pop(user_id, None)

    def keep(self, user: User) -> None:
        if self._ttl <= timedelta(0):
            return
        self._users[user.id] = (self._clock.now(), copy.copy(user))
        self._users.move_to_end(user.id)
        while len(self._users) > self._max_users:
            self._users.popitem(last=False)
