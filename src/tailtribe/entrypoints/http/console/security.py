"""The console's security: its session, CSRF and headers, and the guard of its pages.

Only paths under /admin carry a session cookie or a CSRF check; the API keeps
its bearer tokens and never sees either.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast
from uuid import UUID

from dishka import AsyncContainer
from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.stores.base import Store
from litestar.types import Message, Scope, ScopeSession

from tailtribe.domain.errors import NotFound
from tailtribe.domain.model.users import Role, User
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.accounts.get_user import GetUser

CONSOLE_PATH = "/admin"
STATIC_PATH = "/admin/static"
LOGIN_PATH = "/admin/login"
# Everything outside the console: the CSRF middleware (app-wide in Litestar)
# leaves it alone. Written to not match "/" itself, or Litestar warns that it
# excludes everything; the root has no route, so CSRF there changes nothing.
OUTSIDE_CONSOLE = r"^/(?!admin(?:/|$))."
SESSION_COOKIE = "__Host-tt_admin"
CSRF_COOKIE = "__Host-tt_csrf"
CSRF_HEADER = "x-csrftoken"
SESSION_STORE = "admin_sessions"
IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_LIFETIME = timedelta(hours=12)
# Between the password and the second factor.
PENDING_LIFETIME = timedelta(minutes=10)

CONSOLE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

# Keys of the session's dict.
USER_ID, TOKEN_VERSION, SECOND_FACTOR, LANGUAGE = "uid", "tv", "mfa", "lang"
SIGNED_IN_AT, SEEN_AT, ROTATE = "at", "seen", "_rotate"
# One sign-in's own id: signing out marks it ended in the session store, so a
# request still in flight that writes its session back cannot revive it.
SIGN_IN_ID = "sign_in"
ENDED_PREFIX = "ended:"


def _sessions(connection: ASGIConnection[Any, Any, Any, Any]) -> Store:
    return connection.app.stores.get(SESSION_STORE)


async def end_sign_in(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Mark the session's sign-in ended for longer than any session lives."""
    sign_in = connection.session.get(SIGN_IN_ID)
    if isinstance(sign_in, str) and sign_in:
        await _sessions(connection).set(
            ENDED_PREFIX + sign_in, b"1", expires_in=int(ABSOLUTE_LIFETIME.total_seconds())
        )


async def _ended(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    sign_in = connection.session.get(SIGN_IN_ID)
    if not isinstance(sign_in, str) or not sign_in:
        return True
    return await _sessions(connection).exists(ENDED_PREFIX + sign_in)


_ROTATED_ID = "tailtribe_rotated_session_id"


class _RotatingBackend(ServerSideSessionBackend):
    """Litestar's server-side sessions, with a new id on request: a session
    whose dict holds ROTATE is stored under a fresh id and the old id is
    deleted, so an id planted before sign-in is worthless after it."""

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        rotated = cast("dict[str, Any]", connection.scope).get(_ROTATED_ID)
        return rotated if isinstance(rotated, str) else super().get_session_id(connection)

    async def store_in_message(
        self,
        scope_session: ScopeSession,
        message: Message,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        if isinstance(scope_session, dict) and scope_session.pop(ROTATE, False):
            store = self.config.get_store_from_app(connection.scope["app"])
            if old := connection.cookies.get(self.config.key):
                await self.delete(old, store=store)
            cast("dict[str, Any]", connection.scope)[_ROTATED_ID] = self.generate_session_id()
        await super().store_in_message(scope_session, message, connection)


@dataclass
class ConsoleSessionConfig(ServerSideSessionConfig):
    _backend_class: type[ServerSideSessionBackend] = field(default=_RotatingBackend, init=False)


def session_config() -> ServerSideSessionConfig:
    return ConsoleSessionConfig(
        key=SESSION_COOKIE,
        store=SESSION_STORE,
        max_age=int(IDLE_TIMEOUT.total_seconds()),
        renew_on_access=True,
        secure=True,
        httponly=True,
        samesite="strict",
        path="/",
        # The middleware sits on the console's router only: nothing else to exclude.
    )


def csrf_config(secret_key: str) -> CSRFConfig:
    # A key of its own, derived from the app's secret.
    secret = hmac.new(secret_key.encode(), b"admin console csrf", hashlib.sha256).hexdigest()
    return CSRFConfig(
        secret=secret,
        cookie_name=CSRF_COOKIE,
        cookie_path="/",
        cookie_secure=True,
        cookie_httponly=True,
        cookie_samesite="strict",
        header_name=CSRF_HEADER,
        exclude=[OUTSIDE_CONSOLE, f"^{STATIC_PATH}/"],
    )


async def console_headers(message: Message, scope: Scope) -> None:
    """After the app's own security headers (a before_send hook): the
    console's CSP, and no caching of its pages (static files may be cached)."""
    if message["type"] != "http.response.start":
        return
    path = scope["path"]
    if not (path == CONSOLE_PATH or path.startswith(CONSOLE_PATH + "/")):
        return
    headers = MutableScopeHeaders.from_message(message)
    headers["content-security-policy"] = CONSOLE_CSP
    headers["x-content-type-options"] = "nosniff"
    headers["referrer-policy"] = "same-origin"
    if not path.startswith(STATIC_PATH + "/"):
        headers["cache-control"] = "no-store"


class SignInRequired(NotAuthorizedException):
    """No signed-in session (or one that expired): the sign-in page, or 401 for htmx."""


class NoLongerAdmin(PermissionDeniedException):
    """The session's user lost the admin role: the sign-in page, or 403 for htmx."""


async def clock_now(connection: ASGIConnection[Any, Any, Any, Any]) -> datetime:
    container: AsyncContainer = connection.state.dishka_container
    clock: Clock = await container.get(Clock)
    return clock.now()


def expired(session: dict[str, Any], now: datetime) -> bool:
    """Idle past IDLE_TIMEOUT, or signed in longer ago than ABSOLUTE_LIFETIME
    (PENDING_LIFETIME before the second factor), by the clock port."""
    signed_in, seen = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if not isinstance(signed_in, int | float) or not isinstance(seen, int | float):
        return True
    lifetime = ABSOLUTE_LIFETIME if session.get(SECOND_FACTOR) else PENDING_LIFETIME
    stamp = now.timestamp()
    return (
        stamp - signed_in > lifetime.total_seconds() or stamp - seen > IDLE_TIMEOUT.total_seconds()
    )


async def session_user(connection: ASGIConnection[Any, Any, Any, Any]) -> User | None:
    """The session's user read afresh, if still an admin whose tokens were not revoked.

    The token version is the API's revocation: a password change, a reset or an
    erasure bumps it, and the console session ends with the bearer tokens."""
    session = connection.session
    try:
        user_id = UUID(str(session.get(USER_ID)))
        container: AsyncContainer = connection.state.dishka_container
        user = await (await container.get(GetUser))(user_id)
    except (NotFound, ValueError):
        return None
    if user.token_version != session.get(TOKEN_VERSION) or user.erased:
        return None
    return user


async def console_guard(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Every console page but sign-in, enrolment and static files: a session
    past both factors, not expired, of a user still admin with the same token
    version. Anything else ends the session."""
    session = connection.session
    now = await clock_now(connection)
    if (
        not session.get(USER_ID)
        or not session.get(SECOND_FACTOR)
        or expired(session, now)
        or await _ended(connection)
    ):
        connection.clear_session()
        raise SignInRequired("sign in to the admin console")
    user = await session_user(connection)
    if user is None:
        connection.clear_session()
        raise SignInRequired("sign in to the admin console")
    if not user.has(Role.ADMIN):
        connection.clear_session()
        raise NoLongerAdmin("the admin console is for admins")
    session[SEEN_AT] = now.timestamp()
    connection.scope["user"] = user
