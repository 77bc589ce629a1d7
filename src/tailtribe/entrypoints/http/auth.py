"""Bearer-token authentication (Litestar's JWTAuth) and role guards."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from uuid import UUID

import jwt
from dishka import AsyncContainer
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.exceptions import (
    NotAuthorizedException,
    PermissionDeniedException,
    WebSocketException,
)
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AuthenticationResult
from litestar.openapi.spec import Components, SecurityScheme
from litestar.security.jwt import JWTAuth, JWTAuthenticationMiddleware, Token

from tailtribe.config import Settings
from tailtribe.domain.errors import NotFound
from tailtribe.domain.model.users import Role, User
from tailtribe.domain.services.accounts.get_user import GetUser, RecentUsers
from tailtribe.entrypoints.http.schemas.accounts import AccessToken

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A WebSocket refused for its token closes with 4000 + 401, the code of a
# socket whose token later ends (live.py): one code for "sign in again".
WS_UNAUTHORIZED = 4401
TOKEN_VERSION_CLAIM = "v"  # noqa: S105  (a claim name)
# How the token's sign-in happened ("google" or "password", RFC 8176's claim
# name) and when (seconds since the epoch, the Clock's): an erasure without a
# password needs a recent Google sign-in.
METHOD_CLAIM = "amr"
AUTH_TIME_CLAIM = "auth_time"
GOOGLE = "google"
PASSWORD = "password"  # noqa: S105  (a sign-in method)
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
# Not behind bearer tokens: the admin console's pages have a session of their own.
CONSOLE_PATHS = "^/admin(/|$)"

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


class VerifiedOnce(Token):
    """Litestar's token, each raw token's signature checked once per process.

    A client sends the same bearer token on every request until it expires:
    its payload, once PyJWT has verified it, is kept (at most
    VERIFIED_TOKENS_KEPT, oldest out first) under the token and everything
    that decided its validity. The time claims are checked again on every
    use, against the clock of that moment, as PyJWT checks them; the
    revocation check (the user's token version) runs per request as before.
    """

    VERIFIED_TOKENS_KEPT: ClassVar[int] = 4096
    _verified: ClassVar[dict[tuple[Any, ...], dict[str, Any]]] = {}

    @classmethod
    def decode_payload(
        cls,
        encoded_token: str,
        secret: str,
        algorithms: list[str],
        issuer: str | Sequence[str] | None = None,
        audience: str | Sequence[str] | None = None,
        options: Any = None,
    ) -> Any:
        key = (encoded_token, secret, tuple(algorithms), repr((issuer, audience, options)))
        kept = cls._verified.get(key)
        if kept is None:
            payload = super().decode_payload(
                encoded_token, secret, algorithms, issuer, audience, options
            )
            verified = (options or {}).get("verify_signature", True)
            if verified and isinstance(payload, dict) and all(map(_flat, payload.values())):
                if len(cls._verified) >= cls.VERIFIED_TOKENS_KEPT:
                    del cls._verified[next(iter(cls._verified))]
                cls._verified[key] = _copy(payload)
            return payload
        try:
            _check_times(kept, options or {})
        except jwt.InvalidTokenError:
            cls._verified.pop(key, None)
            raise
        # Token.decode rewrites the payload it is given, and the token's
        # extras are the caller's to change: a copy each time.
        return _copy(kept)


def _scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _flat(value: object) -> bool:
    """A scalar, or a dict of scalars (Token.encode nests the extras)."""
    return _scalar(value) or (isinstance(value, dict) and all(map(_scalar, value.values())))


def _copy(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: dict(v) if isinstance(v, dict) else v for k, v in payload.items()}


def _check_times(payload: dict[str, Any], options: dict[str, Any]) -> None:
    """PyJWT's checks of exp, nbf and iat (no leeway, as Litestar decodes)."""
    now = time.time()
    if "exp" in payload and options.get("verify_exp", True) and int(payload["exp"]) <= now:
        raise jwt.ExpiredSignatureError("Signature has expired")
    if "nbf" in payload and options.get("verify_nbf", True) and int(payload["nbf"]) > now:
        raise jwt.ImmatureSignatureError("The token is not yet valid (nbf)")
    if "iat" in payload and options.get("verify_iat", True) and int(payload["iat"]) > now:
        raise jwt.ImmatureSignatureError("The token is not yet valid (iat)")


class BearerOrQueryToken(JWTAuthenticationMiddleware):
    """Litestar's JWT check, which also takes a WebSocket's token from
    `?token=`: browsers cannot set headers on a WebSocket."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        if connection.scope["type"] != ScopeType.WEBSOCKET:
            return await super().authenticate_request(connection)
        try:
            if token := connection.query_params.get("token"):
                return await self.authenticate_token(token, connection)
            return await super().authenticate_request(connection)
        except NotAuthorizedException as exc:
            # Litestar would close with 4500 (its code for any other error).
            raise WebSocketException(detail=exc.detail, code=WS_UNAUTHORIZED) from exc


class BearerJWTAuth(JWTAuth[User, Token]):
    """Litestar's JWTAuth, its OpenAPI security scheme valid for OpenAPI 3.1:
    an `http` scheme has no `name` (the header is Authorization by definition)."""

    @property
    def openapi_components(self) -> Components:
        return Components(
            security_schemes={
                self.openapi_security_scheme_name: SecurityScheme(
                    type="http",
                    scheme="bearer",
                    bearer_format="JWT",
                    description=self.description,
                )
            }
        )


def jwt_auth(settings: Settings) -> JWTAuth[User, Token]:
    return BearerJWTAuth(
        authentication_middleware_class=BearerOrQueryToken,
        token_cls=VerifiedOnce,
        token_secret=settings.secret_key,
        retrieve_user_handler=_retrieve_user,
        default_token_expiration=timedelta(minutes=settings.access_token_minutes),
        # The admin console signs in with its own session (entrypoints/http/console).
        exclude=[*PUBLIC_PATHS, CONSOLE_PATHS],
        description="`Authorization: Bearer <access_token>` from POST /api/v1/auth/login.",
    )


class AccessTokens:
    """Issues the bearer tokens that the app's JWTAuth accepts."""

    STATE_KEY = "access_tokens"

    def __init__(self, auth: JWTAuth[User, Token]) -> None:
        self._auth = auth

    def issue(self, user: User, method: str, signed_in_at: datetime) -> AccessToken:
        ttl = self._auth.default_token_expiration
        extras = {
            TOKEN_VERSION_CLAIM: user.token_version,
            METHOD_CLAIM: method,
            AUTH_TIME_CLAIM: int(signed_in_at.timestamp()),
        }
        token = self._auth.create_token(identifier=str(user.id), token_extras=extras)
        return AccessToken(access_token=token, expires_in=int(ttl.total_seconds()))

    @classmethod
    def of(cls, connection: ASGIConnection[Any, Any, Any, Any]) -> AccessTokens:
        tokens = connection.app.state[cls.STATE_KEY]
        if not isinstance(tokens, cls):
            raise TypeError("the app was built without access tokens")
        return tokens


def google_sign_in_at(token: Token) -> datetime | None:
    """When the token's Google sign-in happened; None for any other token."""
    at = token.extras.get(AUTH_TIME_CLAIM)
    if token.extras.get(METHOD_CLAIM) != GOOGLE or not isinstance(at, int):
        return None
    return datetime.fromtimestamp(at, UTC)


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


async def optional_user(connection: ASGIConnection[Any, Any, Any, Any]) -> User | None:
    """The caller of a public route, which the middleware lets through untouched:
    None without an Authorization header; a token sent but not valid (expired,
    revoked, malformed) is refused with a 401, as on any other route, so a
    client never mistakes a dead token for an anonymous answer."""
    header = connection.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "bearer" or not encoded.strip():
        raise NotAuthorizedException("a bearer token was expected")
    auth = AccessTokens.of(connection)._auth
    token = auth.token_cls.decode(
        encoded_token=encoded.strip(),
        secret=auth.token_secret,
        algorithm=auth.algorithm,
        audience=auth.accepted_audiences,
        issuer=auth.accepted_issuers,
        require_claims=auth.require_claims,
        verify_exp=auth.verify_expiry,
        verify_nbf=auth.verify_not_before,
        strict_audience=auth.strict_audience,
    )
    user = await _retrieve_user(token, connection)
    if user is None:
        raise NotAuthorizedException("authentication required")
    return user
