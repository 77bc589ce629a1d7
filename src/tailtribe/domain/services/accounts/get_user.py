from __future__ import annotations

from uuid import UUID

from tailtribe.domain.errors import NotFound
from tailtribe.domain.model.users import User
from tailtribe.domain.ports.storage import UnitOfWork


class GetUser:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, user_id: UUID) -> User:
        async with self._uow as uow:
            user = await uow.users.get(user_id)
        if user is None:
            raise NotFound("no such user")
        return user
