"""Bearer-token authentication (Litestar's JWTAuth) and role guards."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

from dishka import AsyncContainer
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.security.jwt import JWTAuth, Token

from tailtribe.config import Settings
from tailtribe.domain.errors import NotFound
from tailtribe.domain.model.users import Role, User
from tailtribe.domain.services.accounts.get_user import GetUser
from tailtribe.entrypoints.http.schemas.accounts import AccessToken

TOKEN_VERSION_CLAIM = "v"  # noqa: S105  (a claim name)
# Litestar matches these as regular expressions anywhere in the path: anchored,
# so that /api/v1/admin/metrics is not mistaken for /metrics.
PUBLIC_PATHS = [
    "^/schema",
    "^/api/health/?$",
    "^/metrics/?$",
    "^/api/stripe/webhook/?$",
    "^/media/",
]

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]


async def _retrieve_user(
    token: Token, connection: ASGIConnection[Any, Any, Any, Any]
) -> User | None:
    """The token's user, unless it is gone or its password changed since the token was made."""
    container: AsyncContainer = connection.state.dishka_container
    get_user = await container.get(GetUser)
    try:
        user = await get_user(UUID(token.sub))
    except (NotFound, ValueError):
        return None
    if token.extras.get(TOKEN_VERSION_CLAIM) != user.token_version:
        return None
    return user


def jwt_auth(settings: Settings) -> JWTAuth[User, Token]:
    return JWTAuth[User, Token](
        token_secret=settings.secret_key,
        retrieve_user_handler=_retrieve_user,
        default_token_expiration=timedelta(minutes=settings.access_token_minutes),
        exclude=PUBLIC_PATHS,
        description="`Authorization: Bearer <access_token>` from POST /api/v1/auth/login.",
    )


class AccessTokens:
    """Issues the bearer tokens that the app's JWTAuth accepts."""

    STATE_KEY = "access_tokens"

    def __init__(self, auth: JWTAuth[User, Token]) -> None:
        self._auth = auth

    def issue(self, user: User) -> AccessToken:
        ttl = self._auth.default_token_expiration
        token = self._auth.create_token(
            identifier=str(user.id), token_extras={TOKEN_VERSION_CLAIM: user.token_version}
        )
        return AccessToken(access_token=token, expires_in=int(ttl.total_seconds()))

    @classmethod
    def of(cls, connection: ASGIConnection[Any, Any, Any, Any]) -> AccessTokens:
        tokens = connection.app.state[cls.STATE_KEY]
        if not isinstance(tokens, cls):
            raise TypeError("the app was built without access tokens")
        return tokens


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> User:
    user = connection.scope.get("user")
    if not isinstance(user, User):
        raise NotAuthorizedException("authentication required")
    return user


def requires(role: Role) -> Guard:
    """A guard: 401 without a valid token, 403 without the role."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if not current_user(connection).has(role):
            raise PermissionDeniedException(f"this needs the {role.value} role")

    guard.__name__ = f"requires_{role.value}"
    return guard
