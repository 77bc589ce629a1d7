from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from tailtribe.domain.model.security import SecurityEvent, SecurityEventKind, SignInMethod
from tailtribe.domain.model.users import (
    DEFAULT_LOCALE,
    EMAIL_PATTERN,
    MAX_EMAIL_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    Locale,
    Role,
    User,
)
from tailtribe.entrypoints.http.schemas.common import (
    INSTANT,
    PAGE_ITEMS,
    PageLimit,
    PageOffset,
    Strict,
    Total,
    name_text,
    text,
)

Email = Annotated[
    str,
    msgspec.Meta(
        min_length=3,
        max_length=MAX_EMAIL_LENGTH,
        pattern=EMAIL_PATTERN,
        description="Compared case-insensitively; stored in lower case.",
        examples=["an.peeters@example.be"],
    ),
]
Password = Annotated[
    str,
    text(MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH),
    msgspec.Meta(
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
        examples=["correct horse battery"],
    ),
]
Token = Annotated[
    str,
    text(200, 1),
    msgspec.Meta(description="The secret from the link in the email."),
]
EmailLocale = Annotated[
    Locale, msgspec.Meta(description="Language of the emails the user receives.")
]


class RegisterBody(Strict):
    """A new account; a verification email follows."""

    email: Email
    password: Password
    full_name: Annotated[str, name_text(MAX_NAME_LENGTH), msgspec.Meta(examples=["An Peeters"])]
    locale: EmailLocale = DEFAULT_LOCALE


class LoginBody(Strict):
    email: Email
    # Any length is accepted here: a too-short password simply does not match.
    password: Annotated[
        str,
        text(MAX_PASSWORD_LENGTH),
        msgspec.Meta(description="The account's password."),
    ]


class GoogleCallbackBody(Strict):
    code: Annotated[
        str,
        text(2000),
        msgspec.Meta(description="The `code` Google sent back to the redirect address."),
    ]
    state: Annotated[
        str,
        text(200),
        msgspec.Meta(description="The `state` Google sent back, as the authorization URL set it."),
    ]


class AuthorizationUrl(msgspec.Struct):
    url: Annotated[str, msgspec.Meta(description="Google's sign-in page to send the browser to.")]


class TokenBody(Strict):
    token: Token


class EmailBody(Strict):
    email: Email


class ResetConfirmBody(Strict):
    token: Token
    new_password: Password


class AccessToken(msgspec.Struct):
    access_token: Annotated[
        str, msgspec.Meta(description="Send as `Authorization: Bearer <access_token>`.")
    ]
    expires_in: Annotated[int, msgspec.Meta(description="Seconds until the token expires.")]
    token_type: Annotated[str, msgspec.Meta(description="Always `bearer`.")] = "bearer"  # noqa: S105  (the OAuth token type)


class UserOut(msgspec.Struct):
    id: Annotated[UUID, msgspec.Meta(description="The user's id.")]
    email: Annotated[str, msgspec.Meta(description="The sign-in email, in lower case.")]
    full_name: Annotated[str, msgspec.Meta(description="The user's full name.")]
    locale: EmailLocale
    roles: Annotated[
        list[Role],
        msgspec.Meta(
            description="owner: books care for pets; caregiver: has a caregiver profile "
            "(granted as it is created); admin: operates the platform."
        ),
    ]
    email_verified: Annotated[
        bool,
        msgspec.Meta(
            description="True once the address is verified: by the emailed link or Google."
        ),
    ]

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


class SecurityEventOut(msgspec.Struct):
    id: Annotated[UUID, msgspec.Meta(description="The event's id.")]
    kind: Annotated[
        SecurityEventKind,
        msgspec.Meta(
            description="sign_in; password_reset (a new password through the emailed link); "
            "password_changed (set by an admin on the command line, or removed by the first "
            "Google sign-in into an account whose address was not verified)."
        ),
    ]
    method: Annotated[
        SignInMethod | None,
        msgspec.Meta(
            description="How the user signed in (a sign-in); google for a password removed "
            "by Google sign-in; null otherwise."
        ),
    ]
    client: Annotated[
        str,
        msgspec.Meta(
            description='The client, coarsely: "Firefox on Windows", "TailTribe app on '
            'iOS", "unknown client", "command line". Never the User-Agent or address.',
            examples=["Firefox on Windows"],
        ),
    ]
    at: Annotated[datetime, msgspec.Meta(description=f"When it happened, {INSTANT}.")]

    @classmethod
    def of(cls, event: SecurityEvent) -> SecurityEventOut:
        return cls(
            id=event.id, kind=event.kind, method=event.method, client=event.client, at=event.at
        )


class SecurityEventList(msgspec.Struct):
    items: Annotated[
        list[SecurityEventOut], msgspec.Meta(description=PAGE_ITEMS + " Newest first.")
    ]
    total: Total
    limit: PageLimit
    offset: PageOffset


class EraseMeBody(Strict):
    """Proof that the account's owner asks: the password, when it has one."""

    password: Annotated[
        Annotated[str, msgspec.Meta(max_length=MAX_PASSWORD_LENGTH)] | None,
        msgspec.Meta(
            description="The account's password; leave out for an account that signs in "
            "with Google only (its token must then come from a Google sign-in of the last "
            "10 minutes)."
        ),
    ] = None


class EraseUserBody(Strict):
    reason: Annotated[
        str,
        msgspec.Meta(min_length=1, max_length=500, pattern=r"\S"),
        msgspec.Meta(description="Why the account is erased (kept in the audit trail); not blank."),
    ]
