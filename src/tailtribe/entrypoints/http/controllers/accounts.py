from __future__ import annotations

from typing import Annotated, Literal

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, delete, get, post
from litestar.channels import ChannelsPlugin
from litestar.datastructures import Cookie, ResponseHeader
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from tailtribe.domain.model.users import DEFAULT_LOCALE, Locale
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.accounts.authenticate import Authenticate, Credentials
from tailtribe.domain.services.accounts.get_user import RecentUsers
from tailtribe.domain.services.accounts.google_sign_in import STATE_SECONDS, GoogleSignIn
from tailtribe.domain.services.accounts.password_reset import (
    ConfirmPasswordReset,
    RequestPasswordReset,
)
from tailtribe.domain.services.accounts.register import Register, RegisterUser
from tailtribe.domain.services.accounts.security_log import ListSecurityEvents
from tailtribe.domain.services.accounts.verify_email import VerifyEmail
from tailtribe.domain.services.privacy.erase import EraseAccount, Proof
from tailtribe.entrypoints.http.auth import (
    GOOGLE,
    PASSWORD,
    AccessTokens,
    Req,
    current_user,
    google_sign_in_at,
)
from tailtribe.entrypoints.http.clients import coarse_client
from tailtribe.entrypoints.http.live import revoke
from tailtribe.entrypoints.http.schemas.accounts import (
    AccessToken,
    AuthorizationUrl,
    EmailBody,
    EraseMeBody,
    GoogleCallbackBody,
    LoginBody,
    RegisterBody,
    ResetConfirmBody,
    SecurityEventList,
    SecurityEventOut,
    TokenBody,
    UserOut,
)
from tailtribe.entrypoints.http.schemas.common import DEFAULT_LIMIT, Limit, Offset


def _private_cookie(
    request: Req, key: str, value: str, path: str, max_age: int, samesite: Literal["lax", "strict"]
) -> Cookie:
    """A cookie no script reads, sent only to `path` (and over HTTPS when the app is)."""
    return Cookie(
        key=key,
        value=value,
        path=path,
        max_age=max_age,
        httponly=True,
        secure=request.app.state.get("secure_cookies", True),
        samesite=samesite,
    )


def browser_locale(accept_language: str | None) -> Locale:
    """The first of nl, fr and en the browser prefers (by q-value), else nl."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "")[:500].split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if not 0 < q <= 1:  # q=0 means "not this one"; nan and inf mean nothing
            continue
        ranked.append((-q, i, tag.split("-")[0].lower()))
    for _, _, language in sorted(ranked):
        if language in {locale.value for locale in Locale}:
            return Locale(language)
    return DEFAULT_LOCALE


BINDING_COOKIE = "tailtribe_google_signin"
BINDING_PATH = "/api/v1/auth/google"
# A client that signed in gets a device token (a cookie for browsers, this
# header for apps) and sends it back: failed logins elsewhere cannot lock it out.
DEVICE_COOKIE = "tailtribe_device"
DEVICE_HEADER = "TailTribe-Device"
DEVICE_PATH = "/api/v1/auth"
DEVICE_SECONDS = 365 * 24 * 3600


class AuthController(Controller):
    """Mounted under /api/v1/auth with the stricter per-client rate limit."""

    tags = ("Accounts",)

    @get("/google/start", operation_id="google_start", exclude_from_auth=True)
    @inject
    async def google_start(
        self,
        request: Req,
        redirect_uri: Annotated[str, QueryParameter(max_length=2000)],
        sign_in: FromDishka[GoogleSignIn],
    ) -> Response[AuthorizationUrl]:
        """Google's consent page; the state and the PKCE verifier stay here, and
        an HttpOnly cookie ties the sign-in to this browser."""
        started = await sign_in.start(redirect_uri)
        cookie = _private_cookie(
            request, BINDING_COOKIE, started.binding, BINDING_PATH, STATE_SECONDS, "lax"
        )
        return Response(AuthorizationUrl(started.url), cookies=[cookie])

    @post(
        "/google/callback",
        operation_id="google_callback",
        exclude_from_auth=True,
        status_code=HTTP_200_OK,
    )
    @inject
    async def google_callback(
        self,
        request: Req,
        data: JSONBody[GoogleCallbackBody],
        sign_in: FromDishka[GoogleSignIn],
        channels: NamedDependency[ChannelsPlugin],
        clock: FromDishka[Clock],
    ) -> AccessToken:
        """Signs in (or up, in the browser's language); 400 for a bad state or code."""
        locale = browser_locale(request.headers.get("accept-language"))
        binding = request.cookies.get(BINDING_COOKIE)
        client = coarse_client(request.headers.get("user-agent"))
        signed_in = await sign_in.finish(data.code, data.state, binding, locale, client)
        if signed_in.revoked:
            revoke(channels, signed_in.user)
        return AccessTokens.of(request).issue(signed_in.user, GOOGLE, clock.now())

    @post("/register", operation_id="register", exclude_from_auth=True)
    @inject
    async def register(
        self, data: JSONBody[RegisterBody], use_case: FromDishka[RegisterUser]
    ) -> UserOut:
        """201 with the user, whether or not the address had an account: an
        existing account is emailed instead and left as it is."""
        user = await use_case(Register(data.email, data.password, data.full_name, data.locale))
        return UserOut.of(user)

    @post(
        "/login",
        operation_id="login",
        exclude_from_auth=True,
        status_code=HTTP_200_OK,
        response_headers=[
            ResponseHeader(
                name=DEVICE_HEADER,
                description="This client's device token: send it back when signing in "
                "(browsers get it as an HttpOnly cookie too).",
                documentation_only=True,
            )
        ],
    )
    @inject
    async def login(
        self,
        request: Req,
        data: JSONBody[LoginBody],
        use_case: FromDishka[Authenticate],
        clock: FromDishka[Clock],
    ) -> Response[AccessToken]:
        """A success also answers a device token: header and HttpOnly cookie."""
        device = request.headers.get(DEVICE_HEADER) or request.cookies.get(DEVICE_COOKIE)
        client = coarse_client(request.headers.get("user-agent"))
        signed_in = await use_case(Credentials(data.email, data.password, device, client))
        cookie = _private_cookie(
            request, DEVICE_COOKIE, signed_in.device, DEVICE_PATH, DEVICE_SECONDS, "strict"
        )
        return Response(
            AccessTokens.of(request).issue(signed_in.user, PASSWORD, clock.now()),
            headers={DEVICE_HEADER: signed_in.device},
            cookies=[cookie],
        )

    @post(
        "/verify-email",
        operation_id="verify_email",
        exclude_from_auth=True,
        status_code=HTTP_204_NO_CONTENT,
    )
    @inject
    async def verify_email(
        self, data: JSONBody[TokenBody], use_case: FromDishka[VerifyEmail]
    ) -> None:
        await use_case(data.token)

    @post(
        "/password-reset",
        operation_id="request_password_reset",
        exclude_from_auth=True,
        status_code=HTTP_202_ACCEPTED,
    )
    @inject
    async def request_reset(
        self, data: JSONBody[EmailBody], use_case: FromDishka[RequestPasswordReset]
    ) -> None:
        await use_case(data.email)

    @post(
        "/password-reset/confirm",
        operation_id="confirm_password_reset",
        exclude_from_auth=True,
        status_code=HTTP_204_NO_CONTENT,
    )
    @inject
    async def confirm_reset(
        self,
        request: Req,
        data: JSONBody[ResetConfirmBody],
        use_case: FromDishka[ConfirmPasswordReset],
        channels: NamedDependency[ChannelsPlugin],
    ) -> None:
        client = coarse_client(request.headers.get("user-agent"))
        revoke(channels, await use_case(data.token, data.new_password, client))


class MeController(Controller):
    path = "/api/v1/me"
    tags = ("Accounts",)

    @get(operation_id="me")
    async def me(self, request: Req) -> UserOut:
        return UserOut.of(current_user(request))

    @get("/security", operation_id="list_security_events")
    @inject
    async def security_events(
        self,
        request: Req,
        use_case: FromDishka[ListSecurityEvents],
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> SecurityEventList:
        page = await use_case(current_user(request).id, limit, offset)
        items = [SecurityEventOut.of(e) for e in page.items]
        return SecurityEventList(items, page.total, limit, offset)

    @delete(operation_id="erase_me", status_code=HTTP_204_NO_CONTENT)
    @inject
    async def erase_me(
        self,
        request: Req,
        data: JSONBody[EraseMeBody],
        use_case: FromDishka[EraseAccount],
        recent: FromDishka[RecentUsers],
        channels: NamedDependency[ChannelsPlugin],
    ) -> None:
        """Erases the caller's account (docs/privacy.md): 403 for a wrong password or a
        Google sign-in older than 10 minutes, 409 with `reasons` while something is open."""
        proof = Proof(data.password, google_sign_in_at(request.auth))
        erased = await use_case.by_self(current_user(request).id, proof)
        recent.forget(erased.user.id)
        revoke(channels, erased.user)
