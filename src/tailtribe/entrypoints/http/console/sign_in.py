"""Signing in to the console: password, then a TOTP code (or enrolment), and signing out.

Plain HTML forms answered by redirects (303) and re-rendered forms: the
pages work without JavaScript; htmx only boosts them.
"""

from __future__ import annotations

import secrets
from typing import Any
from uuid import UUID

import segno
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_401_UNAUTHORIZED,
    HTTP_409_CONFLICT,
    HTTP_429_TOO_MANY_REQUESTS,
)
from markupsafe import Markup

from tailtribe.domain.errors import Conflict, InvalidCredentials, RateLimited
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.admin.console_sign_in import (
    ConfirmEnrolment,
    ConsolePassword,
    HasSecondFactor,
    StartEnrolment,
    VerifySecondFactor,
)
from tailtribe.entrypoints.http.clients import coarse_client
from tailtribe.entrypoints.http.console.i18n import LANGUAGES
from tailtribe.entrypoints.http.console.pages import language_of, page
from tailtribe.entrypoints.http.console.security import (
    CONSOLE_PATH,
    LANGUAGE,
    LOGIN_PATH,
    ROTATE,
    SECOND_FACTOR,
    SEEN_AT,
    SIGN_IN_ID,
    SIGNED_IN_AT,
    TOKEN_VERSION,
    USER_ID,
    end_sign_in,
    expired,
    session_user,
)

TOTP_PATH = LOGIN_PATH + "/totp"
ENROL_PATH = CONSOLE_PATH + "/enrol"
# The digest of the TOTP secret this session was shown while enrolling.
ENROLMENT = "enrolment"
Req = Request[Any, Any, Any]


def _see_other(path: str) -> Redirect:
    return Redirect(path, status_code=303)


async def _field(request: Req, name: str) -> str:
    value = (await request.form()).get(name)
    return value if isinstance(value, str) else ""


def _safe_next(raw: str) -> str:
    """Only a console path: never another site (`//evil`, `/\\evil`)."""
    if raw.startswith(CONSOLE_PATH) and not raw.startswith(("//", "/\\")) and "\\" not in raw:
        return raw
    return CONSOLE_PATH


class SignInController(Controller):
    """The pages before the guard: rate limited per client like the API's /auth."""

    path = CONSOLE_PATH
    include_in_schema = False

    @get("/login")
    async def login_form(self, request: Req) -> Template | Redirect:
        if request.session.get(SECOND_FACTOR):
            return _see_other(CONSOLE_PATH)
        return page(request, "login.html.j2")

    @post("/login")
    @inject
    async def login(
        self, request: Req, use_case: FromDishka[ConsolePassword], clock: FromDishka[Clock]
    ) -> Template | Redirect:
        email, password = await _field(request, "email"), await _field(request, "password")
        client = coarse_client(request.headers.get("user-agent"))
        try:
            passed = await use_case(email, password, client)
        except InvalidCredentials:
            return page(
                request, "login.html.j2", HTTP_401_UNAUTHORIZED, error="login.refused", email=email
            )
        except RateLimited as exc:
            return _throttled(request, "login.html.j2", exc, email=email)
        now = clock.now().timestamp()
        chosen = request.session.get(LANGUAGE)
        # A new session id: one planted before sign-in is worth nothing after it.
        request.set_session(
            {
                USER_ID: str(passed.user.id),
                TOKEN_VERSION: passed.user.token_version,
                SECOND_FACTOR: False,
                LANGUAGE: chosen or passed.user.locale.value,
                SIGNED_IN_AT: now,
                SEEN_AT: now,
                ROTATE: True,
            }
        )
        return _see_other(TOTP_PATH if passed.enrolled else ENROL_PATH)

    @get("/login/totp")
    @inject
    async def totp_form(self, request: Req, clock: FromDishka[Clock]) -> Template | Redirect:
        if (refused := await _pending(request, clock)) is not None:
            return refused
        return page(request, "totp.html.j2")

    @post("/login/totp")
    @inject
    async def totp(
        self, request: Req, use_case: FromDishka[VerifySecondFactor], clock: FromDishka[Clock]
    ) -> Template | Redirect:
        if (refused := await _pending(request, clock)) is not None:
            return refused
        try:
            await use_case(_user_id(request), await _field(request, "code"))
        except InvalidCredentials:
            return page(request, "totp.html.j2", HTTP_401_UNAUTHORIZED, error="totp.refused")
        except RateLimited as exc:
            return _throttled(request, "totp.html.j2", exc)
        _second_factor_passed(request, clock)
        return _see_other(CONSOLE_PATH)

    @get("/enrol")
    @inject
    async def enrol_form(
        self,
        request: Req,
        use_case: FromDishka[StartEnrolment],
        enrolled: FromDishka[HasSecondFactor],
        clock: FromDishka[Clock],
    ) -> Template | Redirect:
        if (refused := await _pending(request, clock)) is not None:
            return refused
        user = await session_user(request)
        if user is None or await enrolled(user.id):
            return _see_other(TOTP_PATH)
        return await _enrol_page(request, use_case)

    @post("/enrol")
    @inject
    async def enrol(
        self,
        request: Req,
        use_case: FromDishka[ConfirmEnrolment],
        start: FromDishka[StartEnrolment],
        clock: FromDishka[Clock],
    ) -> Template | Redirect:
        if (refused := await _pending(request, clock)) is not None:
            return refused
        try:
            shown = request.session.get(ENROLMENT)
            codes = await use_case(
                _user_id(request), await _field(request, "code"), shown if shown else None
            )
        except InvalidCredentials:
            return await _enrol_page(request, start, HTTP_401_UNAUTHORIZED, error="totp.refused")
        except RateLimited as exc:
            return _throttled(request, "login.html.j2", exc)
        except Conflict:
            return _see_other(TOTP_PATH)
        _second_factor_passed(request, clock)
        # Shown once, in this answer only: nothing keeps them in clear.
        return page(request, "recovery.html.j2", codes=codes)

    @post("/logout")
    async def logout(self, request: Req) -> Redirect:
        await end_sign_in(request)
        request.clear_session()
        return _see_other(LOGIN_PATH)

    @post("/language")
    async def language(self, request: Req) -> Redirect:
        """The switch on every page: kept in the session, signed in or not."""
        chosen = await _field(request, "lang")
        if chosen in LANGUAGES:
            request.session[LANGUAGE] = chosen
        return _see_other(_safe_next(await _field(request, "next")))


def _user_id(request: Req) -> UUID:
    return UUID(str(request.session[USER_ID]))


async def _pending(request: Req, clock: Clock) -> Redirect | None:
    """A sign-in past the password and not yet past the second factor, else to the login."""
    session = request.session
    if session.get(SECOND_FACTOR):
        return _see_other(CONSOLE_PATH)
    if not session.get(USER_ID) or expired(session, clock.now()):
        request.clear_session()
        return _see_other(LOGIN_PATH)
    if await session_user(request) is None:
        request.clear_session()
        return _see_other(LOGIN_PATH)
    return None


def _second_factor_passed(request: Req, clock: Clock) -> None:
    now = clock.now().timestamp()
    request.set_session(
        {
            **request.session,
            SECOND_FACTOR: True,
            SIGN_IN_ID: secrets.token_urlsafe(16),
            SIGNED_IN_AT: now,
            SEEN_AT: now,
            LANGUAGE: language_of(request),
            ROTATE: True,
        }
    )


def _throttled(request: Req, template: str, exc: RateLimited, **context: Any) -> Template:
    response = page(
        request, template, HTTP_429_TOO_MANY_REQUESTS, error="login.throttled", **context
    )
    response.headers["Retry-After"] = str(exc.retry_after_seconds)
    return response


async def _enrol_page(
    request: Req, use_case: StartEnrolment, status_code: int = 200, **context: Any
) -> Template:
    user = await session_user(request)
    if user is None:
        return page(request, "login.html.j2", HTTP_409_CONFLICT, error="login.expired")
    shown = request.session.get(ENROLMENT)
    enrolment = await use_case(user, shown if shown else None)
    request.session[ENROLMENT] = enrolment.shown
    # Drawn on the server as inline SVG (shapes only, no style attribute): the CSP holds.
    qr = Markup(segno.make(enrolment.uri, error="m").svg_inline(scale=4, omitsize=False))  # noqa: S704
    return page(
        request,
        "enrol.html.j2",
        status_code,
        qr=qr,
        secret=enrolment.secret,
        **context,
    )
