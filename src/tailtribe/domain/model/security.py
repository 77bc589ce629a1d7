"""Security events: what a user sees of their own sign-ins and password changes."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

# How long an event is kept; a daily job removes older ones.
RETENTION = timedelta(days=365)
# A sign-in from a client not seen for the user this long is emailed about.
NEW_CLIENT_AFTER = timedelta(days=90)
# What the client is called when its User-Agent says nothing we recognise.
UNKNOWN_CLIENT = "unknown client"
# The client for changes made on the server's command line.
COMMAND_LINE = "command line"
# The stored client is a short name from a fixed vocabulary, never what the
# client sent; this bounds whatever a caller passes.
MAX_CLIENT_LENGTH = 60


class SecurityEventKind(enum.StrEnum):
    SIGN_IN = "sign_in"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105  (an event's name)
    PASSWORD_RESET = "password_reset"  # noqa: S105  (an event's name)


class SignInMethod(enum.StrEnum):
    PASSWORD = "password"  # noqa: S105  (a method's name)
    GOOGLE = "google"


def client_name(client: str) -> str:
    """The coarse client as stored: one line, bounded, never empty."""
    name = " ".join(client.split())[:MAX_CLIENT_LENGTH].strip()
    return name or UNKNOWN_CLIENT


def is_new_client(
    now: datetime, last_sign_in: datetime | None, last_from_client: datetime | None
) -> bool:
    """Whether a sign-in at `now` deserves the new sign-in email: the user
    signed in before (ever, as far as events are kept), but not from this
    client in the last NEW_CLIENT_AFTER."""
    if last_sign_in is None:
        return False  # a first sign-in: nothing to compare with
    return last_from_client is None or last_from_client < now - NEW_CLIENT_AFTER


@dataclass(frozen=True, slots=True)
class SecurityEvent:
    id: UUID
    user_id: UUID
    kind: SecurityEventKind
    # How the user signed in (a sign-in), or which sign-in removed the
    # password (a change made by Google sign-in); None otherwise.
    method: SignInMethod | None
    client: str
    at: datetime
