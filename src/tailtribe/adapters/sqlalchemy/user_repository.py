"""Users and one-time tokens on SQL."""

from __future__ import annotations

import typing
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from tailtribe.adapters.sqlalchemy.mapping import Embedded, RowMapper, joined_set
from tailtribe.adapters.sqlalchemy.tables import TokenRow, UserRow
from tailtribe.domain.errors import Conflict, EmailTaken
from tailtribe.domain.model.tokens import OneTimeToken, TokenPurpose
from tailtribe.domain.model.users import Role, User

# The row's version column is SQLAlchemy's (optimistic locking), not the user's.
USER_ROW = RowMapper(
    User,
    codecs={frozenset[Role]: joined_set(Role)},
    embedded={"email_settings": Embedded(prefix="email_")},
)
TOKEN_ROW = RowMapper(OneTimeToken)


def _user(row: UserRow) -> User:
    return USER_ROW.load(row)


def _fill_user(row: UserRow, user: User) -> UserRow:
    return typing.cast(UserRow, USER_ROW.dump(user, row))


class SqlUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def admin_ids(self) -> Sequence[UUID]:
        rows = await self._session.scalars(
            select(UserRow.id).where(UserRow.roles.contains(Role.ADMIN.value)).order_by(UserRow.id)
        )
        return list(rows)

    async def get(self, user_id: UUID) -> User | None:
        row = await self._session.get(UserRow, user_id)
        return None if row is None else _user(row)

    async def get_by_email(self, email: str) -> User | None:
        row = await self._session.scalar(select(UserRow).where(UserRow.email == email))
        return None if row is None else _user(row)

    async def add(self, user: User) -> None:
        self._session.add(_fill_user(UserRow(id=user.id), user))
        try:
            await self._session.flush()
        except IntegrityError as exc:  # the unique email index lost a race
            raise EmailTaken() from exc

    async def save(self, user: User) -> None:
        row = await self._session.get(UserRow, user.id)
        if row is None:
            raise LookupError(f"user {user.id} is not stored")
        _fill_user(row, user)
        try:
            await self._session.flush()
        except StaleDataError as exc:
            raise Conflict("the account was changed by another request; try again") from exc


def _token(row: TokenRow) -> OneTimeToken:
    return TOKEN_ROW.load(row)


class SqlTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, token: OneTimeToken) -> None:
        self._session.add(TOKEN_ROW.dump(token, TokenRow()))

    async def get_by_digest(self, digest: str) -> OneTimeToken | None:
        # Locked: two redemptions of one token cannot both see it unused.
        stmt = select(TokenRow).where(TokenRow.digest == digest).with_for_update()
        row = await self._session.scalar(stmt)
        return None if row is None else _token(row)

    async def save(self, token: OneTimeToken) -> None:
        row = await self._session.get(TokenRow, token.id)
        if row is None:
            raise LookupError(f"token {token.id} is not stored")
        row.used_at = token.used_at

    async def use_all(self, user_id: UUID, purpose: TokenPurpose, now: datetime) -> None:
        await self._session.execute(
            update(TokenRow)
            .where(
                TokenRow.user_id == user_id,
                TokenRow.purpose == purpose.value,
                TokenRow.used_at.is_(None),
            )
            .values(used_at=now)
        )
