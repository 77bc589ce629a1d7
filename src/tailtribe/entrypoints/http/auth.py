"""Bearer-token authentication (Litestar's JWTAuth) and role guards."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

from dishka import AsyncContainer
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AuthenticationResult
from litestar.security.jwt import JWTAuth, JWTAuthenticationMiddleware, Token

from tailtribe.config import Settings
from tailtribe.domain.errors import NotFound
from tailtribe.domain.model.users import Role, User
from tailtribe.domain.services.accounts.get_user import GetUser, RecentUsers
from tailtribe.entrypoints.http.schemas.accounts import AccessToken

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_VERSION_CLAIM = "v"  # noqa: S105  (a claim name)
# Litestar matches these as regular expressions anywhere in the path: anchored,
# so that /api/v1/admin/metrics is not mistaken for /metrics.
PUBLIC_PATHS = [
    "^/schema",
    "^/api/health/?$",
    "^/api/ready/?$",
    "^/metrics/?$",
    "^/api/stripe/webhook/?$",
    "^/media/",
]

# The request of a route behind authentication, as its handlers see it.
Req = Request[User, Token, Any]
Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


async def _retrieve_user(
    token: Token, connection: ASGIConnection[Any, Any, Any, Any]
) -> User | None:
    """The token's user, unless it is gone or its password changed since the token was made.

    Reads take the user from RecentUsers when it was read a moment ago
    (USER_CACHE_SECONDS); writes, and a WebSocket (which checks once for its
    whole life, then now and then), always read it afresh.
    """
    container: AsyncContainer = connection.state.dishka_container
    try:
        user_id = UUID(token.sub)
        if connection.scope["type"] == ScopeType.WEBSOCKET:
            # A WebSocket lives in a session scope: one lookup, in a request of its own.
            async with container() as request_scope:
                user = await (await request_scope.get(GetUser))(user_id)
        else:
            recent = await container.get(RecentUsers)
            # A write reads its user afresh and keeps nothing: it may change it.
            writes = connection.scope["method"] not in SAFE_METHODS
            found = None if writes else recent.get(user_id)
            if found is None:
                found = await (await container.get(GetUser))(user_id)
                if not writes:
                    recent.keep(found)
            user = found
    except (NotFound, ValueError):
        return None
    if token.extras.get(TOKEN_VERSION_CLAIM) != user.token_version:
        return None
    return user


async def forget_after_write(request: Request[Any, Any, Any]) -> None:
    """After a write by a user, this process reads that user afresh: what the
    write changed (a role, the password) shows on the user's next request
    here. Other processes see it once their entry expires."""
    user = request.scope.get("user")
    if isinstance(user, User) and request.method not in SAFE_METHODS:
        container: AsyncContainer = request.state.dishka_container
        (await container.get(RecentUsers)).forget(user.id)


async def token_holds(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """Whether the token still names a user whose tokens were not revoked since."""
    return await _retrieve_user(token, connection) is not None


class BearerOrQueryToken(JWTAuthenticationMiddleware):
    """Litestar's JWT check, which also takes a WebSocket's token from
    `?token=`: browsers cannot set headers on a WebSocket."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        if connection.scope["type"] == ScopeType.WEBSOCKET and (
            token := connection.query_params.get("token")
        ):
            return await self.authenticate_token(token, connection)
        return await super().authenticate_request(connection)


def jwt_auth(settings: Settings) -> JWTAuth[User, Token]:
    return JWTAuth[User, Token](
        authentication_middleware_class=BearerOrQueryToken,
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
    """A guard: 401 without a valid token, 403 without the role.

    A user taken from RecentUsers may predate a role granted since (by an
    admin, or through another process): before refusing, the guard reads the
    user afresh. (A WebSocket's user was read afresh already.)
    """

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        user = current_user(connection)
        if not user.has(role) and connection.scope["type"] == ScopeType.HTTP:
            user = await _afresh(connection, user)
        if not user.has(role):
            raise PermissionDeniedException(f"this needs the {role.value} role")

    guard.__name__ = f"requires_{role.value}"
    return guard


async def _afresh(connection: ASGIConnection[Any, Any, Any, Any], user: User) -> User:
    container: AsyncContainer = connection.state.dishka_container
    try:
        fresh = await (await container.get(GetUser))(user.id)
    except NotFound:
        raise NotAuthorizedException("authentication required") from None
    if fresh.token_version != user.token_version:  # revoked meanwhile
        raise NotAuthorizedException("authentication required")
    (await container.get(RecentUsers)).keep(fresh)
    connection.scope["user"] = fresh
    return fresh
