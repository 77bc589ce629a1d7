from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec

from tailtribe.domain.model.users import (
    DEFAULT_LOCALE,
    MAX_EMAIL_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    Locale,
    Role,
    User,
)
from tailtribe.entrypoints.http.schemas.common import Strict, text

Email = Annotated[str, text(MAX_EMAIL_LENGTH, 3)]
Password = Annotated[str, text(MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH)]
Token = Annotated[str, text(200, 1)]


class RegisterBody(Strict):
    email: Email
    password: Password
    full_name: Annotated[str, text(MAX_NAME_LENGTH, 1)]
    locale: Locale = DEFAULT_LOCALE


class LoginBody(Strict):
    email: Email
    # Any length is accepted here: a too-short password simply does not match.
    password: Annotated[str, text(MAX_PASSWORD_LENGTH)]


class GoogleCallbackBody(Strict):
    code: Annotated[str, text(2000)]
    state: Annotated[str, text(200)]


class AuthorizationUrl(msgspec.Struct):
    url: str


class TokenBody(Strict):
    token: Token


class EmailBody(Strict):
    email: Email


class ResetConfirmBody(Strict):
    token: Token
    new_password: Password


class AccessToken(msgspec.Struct):
    access_token: str
    expires_in: int
    token_type: str = "bearer"  # noqa: S105  (the OAuth token type)


class UserOut(msgspec.Struct):
    id: UUID
    email: str
    full_name: str
    locale: Locale
    roles: list[Role]
    email_verified: bool

    @classmethod
    def of(cls, user: User) -> UserOut:
        order = list(Role)
        return cls(
            id=user.id,
            email=user.email,
            full_name=user.full_name,
            locale=user.locale,
            roles=sorted(user.roles, key=order.index),
            email_verified=user.email_verified,
        )
