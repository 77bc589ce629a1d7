"""Outbox messages: side effects written in the same transaction as the change."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from tailtribe.domain.errors import Conflict

MAX_ATTEMPTS = 8


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    # Not sent, on purpose: the recipient turned this kind of email off.
    SUPPRESSED = "suppressed"


@dataclass(eq=False)
class OutboxMessage:
    id: UUID
    topic: str
    payload: dict[str, Any]
    created_at: datetime
    available_at: datetime
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = field(default=None)

    def mark_sent(self, now: datetime) -> None:
        self.status = OutboxStatus.SENT
        self.sent_at = now

    def mark_attempt_failed(self, now: datetime, error: str) -> None:
        """Exponential backoff (1 min, 2, 4, ...) until MAX_ATTEMPTS, then failed."""
        self.attempts += 1
        self.release(now, error)

    def claim(self, now: datetime, lease: timedelta) -> None:
        """An attempt starts: nobody else takes the message until the lease runs
        out (then it is due again, should this attempt never report back)."""
        self.attempts += 1
        self.available_at = now + lease

    def release(self, now: datetime, error: str) -> None:
        """The claimed attempt failed: back off, or give up after the last one."""
        self.last_error = error[:2000]
        if self.attempts >= MAX_ATTEMPTS:
            self.status = OutboxStatus.FAILED
        else:
            self.available_at = now + timedelta(minutes=2 ** (self.attempts - 1))

    def mark_undeliverable(self, now: datetime, error: str) -> None:
        """Retrying cannot help (the recipient is gone): failed at once."""
        self.attempts += 1
        self.last_error = error[:2000]
        self.status = OutboxStatus.FAILED

    def mark_suppressed(self) -> None:
        """Final like `sent`, but nothing went out: not an error, nothing to retry."""
        self.status = OutboxStatus.SUPPRESSED

    def retry(self, now: datetime) -> None:
        """An admin sends a failed message again: a fresh round of attempts."""
        if self.status is not OutboxStatus.FAILED:
            raise Conflict("only a failed message is retried")
        self.status = OutboxStatus.PENDING
        self.attempts = 0
        self.available_at = now
