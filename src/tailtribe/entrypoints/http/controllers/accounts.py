from __future__ import annotations

from typing import Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, get, post
from litestar.params import JSONBody
from litestar.security.jwt import Token
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from tailtribe.domain.model.users import User
from tailtribe.domain.services.accounts.authenticate import Authenticate, Credentials
from tailtribe.domain.services.accounts.password_reset import (
    ConfirmPasswordReset,
    RequestPasswordReset,
)
from tailtribe.domain.services.accounts.register import Register, RegisterUser
from tailtribe.domain.services.accounts.verify_email import VerifyEmail
from tailtribe.entrypoints.http.auth import AccessTokens, current_user
from tailtribe.entrypoints.http.schemas.accounts import (
    AccessToken,
    EmailBody,
    LoginBody,
    RegisterBody,
    ResetConfirmBody,
    TokenBody,
    UserOut,
)

Req = Request[User, Token, Any]


class AuthController(Controller):
    """Mounted under /api/v1/auth with the stricter per-client rate limit."""

    tags = ("Accounts",)

    @post("/register", operation_id="register", exclude_from_auth=True)
    @inject
    async def register(
        self, data: JSONBody[RegisterBody], use_case: FromDishka[RegisterUser]
    ) -> UserOut:
        user = await use_case(Register(data.email, data.password, data.full_name, data.locale))
        return UserOut.of(user)

    @post("/login", operation_id="login", exclude_from_auth=True, status_code=HTTP_200_OK)
    @inject
    async def login(
        self, request: Req, data: JSONBody[LoginBody], use_case: FromDishka[Authenticate]
    ) -> AccessToken:
        user = await use_case(Credentials(data.email, data.password))
        return AccessTokens.of(request).issue(user)

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
        self, data: JSONBody[ResetConfirmBody], use_case: FromDishka[ConfirmPasswordReset]
    ) -> None:
        await use_case(data.token, data.new_password)


class MeController(Controller):
    path = "/api/v1/me"
    tags = ("Accounts",)

    @get(operation_id="me")
    async def me(self, request: Req) -> UserOut:
        return UserOut.of(current_user(request))
