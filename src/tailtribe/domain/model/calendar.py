"""Private calendar feeds: which bookings a user's feed shows, and its secret.

A feed is read by calendar apps at a secret address, without signing in. The
secret is 32 random bytes; only its SHA-256 is stored, so a copy of the
database gives no working address. Regenerating replaces the hash: the old
address stops working at once.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from tailtribe.domain.model.bookings import BookingStatus
from tailtribe.domain.model.time import require_aware

# How long a finished booking stays in the feed; everything ahead stays.
PAST_WINDOW = timedelta(days=30)
# Accepted bookings, from acceptance until they drop out of the window: a
# requested one is not agreed (and its parties' contacts are not shared),
# declined, expired and cancelled ones will not happen.
FEED_STATUSES = frozenset(
    {
        BookingStatus.ACCEPTED,
        BookingStatus.IN_PROGRESS,
        BookingStatus.COMPLETED,
        BookingStatus.DISPUTED,
    }
)
TOKEN_BYTES = 32
# secrets.token_urlsafe(32): 43 characters of [A-Za-z0-9_-].
TOKEN_LENGTH = 43
_TOKEN_ALPHABET = frozenset(string.ascii_letters + string.digits + "-_")


def new_feed_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """SHA-256, hex: the token holds 256 random bits, so no key or stretching is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


def is_token_shaped(token: str) -> bool:
    """Cheap refusal of what no feed can have issued, before any lookup."""
    return len(token) == TOKEN_LENGTH and all(
        c.isascii() and (c.isalnum() or c in "-_") for c in token
    )


def window_start(now: datetime) -> datetime:
    """Bookings ending before this are no longer in feeds."""
    return require_aware(now) - PAST_WINDOW


def in_feed(status: BookingStatus, end: datetime, now: datetime) -> bool:
    """The feed's rule for one booking (the stores' queries select the same)."""
    return status in FEED_STATUSES and end >= window_start(now)


@dataclass(frozen=True, slots=True)
class CalendarFeed:
    """A user's feed: at most one, named by the hash of its secret."""

    user_id: UUID
    token_hash: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """One event of a feed, whatever its source (bookings, and later others).

    `key` makes the event's UID with the web app's host: stable across
    reads, so calendar apps update the event rather than add a new one."""

    key: str
    start: datetime  # aware; written in Brussels time
    end: datetime
    summary: str
    description: str
    url: str
    location: str | None = None
