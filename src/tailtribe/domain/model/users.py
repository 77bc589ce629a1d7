"""Users, their roles and locale, and the rules on what they may type."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from tailtribe.domain.errors import FieldError, InvalidInput
from tailtribe.domain.model.notifications import EmailSettings
from tailtribe.domain.model.text import SPACES, clean_name
from tailtribe.domain.model.text import clean_text as clean_text  # used across the domain

MAX_EMAIL_LENGTH = 254
MIN_PASSWORD_LENGTH = 10
# argon2 hashes any length, but hashing megabytes per request is a denial of service.
MAX_PASSWORD_LENGTH = 256
MAX_NAME_LENGTH = 100

# Deliberately simple: one @, no spaces, a dot in the domain. Whether the
# address works is settled by the verification email, not by a regex.
# Control characters are refused too (the API schema states the same pattern).
_NOT_IN_EMAIL = rf"@{SPACES}\x00-\x1f\x7f"
EMAIL_PATTERN = rf"^[^{_NOT_IN_EMAIL}]+@[^{_NOT_IN_EMAIL}]+\.[^.{_NOT_IN_EMAIL}]+$"
_EMAIL = re.compile(EMAIL_PATTERN)


class Role(enum.StrEnum):
    OWNER = "owner"
    CAREGIVER = "caregiver"
    ADMIN = "admin"


class Locale(enum.StrEnum):
    NL = "nl"
    FR = "fr"
    EN = "en"


DEFAULT_LOCALE = Locale.NL


# What others see of an erased account (a review's author, a conversation's party).
ERASED_NAME = "Former user"
# RFC 2606 reserves .invalid: mail to it goes nowhere.
ERASED_DOMAIN = "erased.invalid"


def erased_email(user_id: UUID) -> str:
    """Unique per account, so the address column stays unique."""
    return f"erased-{user_id}@{ERASED_DOMAIN}"


def normalize_email(raw: str) -> str:
    email = raw.strip().lower()
    controls = any(ord(ch) < 32 or ord(ch) == 127 for ch in email)
    if controls or len(email) > MAX_EMAIL_LENGTH or not _EMAIL.match(email):
        raise InvalidInput("not a valid email address", [FieldError("email", "invalid email")])
    return email


def check_password(password: str, field: str = "password") -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"a password has at least {MIN_PASSWORD_LENGTH} characters",
            [FieldError(field, f"at least {MIN_PASSWORD_LENGTH} characters")],
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            "the password is too long",
            [FieldError(field, f"at most {MAX_PASSWORD_LENGTH} characters")],
        )
    return password


@dataclass(eq=False)
class User:
    id: UUID
    email: str
    full_name: str
    password_hash: str | None
    locale: Locale
    roles: frozenset[Role]
    created_at: datetime
    email_verified: bool = False
    # Carried in access tokens; changing the password bumps it, which revokes
    # every token issued before.
    token_version: int = 0
    # Which optional emails (reminders, unread messages) the user gets.
    email_settings: EmailSettings = EmailSettings()  # noqa: RUF009  (frozen: shared safely)
    # Set once the account is erased (GDPR art. 17): what identified the
    # person is gone and nobody signs in as it again.
    erased_at: datetime | None = None

    @classmethod
    def register(
        cls,
        *,
        id: UUID,
        email: str,
        full_name: str,
        password_hash: str | None,
        locale: Locale,
        now: datetime,
    ) -> User:
        return cls(
            id=id,
            email=normalize_email(email),
            full_name=clean_name(full_name, "full_name", max_length=MAX_NAME_LENGTH),
            password_hash=password_hash,
            locale=locale,
            roles=frozenset({Role.OWNER}),
            created_at=now,
        )

    def has(self, role: Role) -> bool:
        return role in self.roles

    def grant(self, role: Role) -> None:
        self.roles = self.roles | {role}

    def verify_email(self) -> None:
        self.email_verified = True

    def change_email_settings(self, settings: EmailSettings) -> None:
        self.email_settings = settings

    @property
    def erased(self) -> bool:
        return self.erased_at is not None

    def erase(self, now: datetime) -> None:
        """Forget who this was: a placeholder address no sign-in can reach
        (a later Google sign-in with the old address makes a new account),
        an anonymous name, no password, every token void."""
        self.email = erased_email(self.id)
        self.full_name = ERASED_NAME
        self.email_verified = False
        self.change_password(None)
        self.erased_at = now

    def change_password(self, password_hash: str | None) -> None:
        """A new password (or none): every token issued before stops working."""
        self.password_hash = password_hash
        self.token_version += 1
