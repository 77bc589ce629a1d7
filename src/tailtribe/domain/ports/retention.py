"""Retention: the purges of personal data kept past its need (docs/retention.md)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Purged:
    """What one batch removed: how many items, and the object-store keys of
    their files, deleted once the batch's transaction has committed."""

    count: int
    files: Sequence[str] = field(default_factory=tuple)


class RetentionRepository(Protocol):
    """Each purge handles at most `limit` items in the unit of work's
    transaction, and finds nothing left to do when run again."""

    async def purge_unverified_accounts(self, registered_before: datetime, limit: int) -> Purged:
        """Delete accounts whose address was never verified, registered before
        then, that no booking, review, conversation, message, caregiver profile
        or admin decision names (with their tokens, pets and the pets' photos).
        Admins are never deleted."""
        ...

    async def purge_failed_photos(self, uploaded_before: datetime, limit: int) -> Purged:
        """Delete photos whose processing failed, uploaded before then."""
        ...

    async def purge_deleted_pets(self, deleted_before: datetime, limit: int) -> Purged:
        """Delete the rows of pets deleted before then that no booking names
        (with any photo of theirs still stored)."""
        ...

    async def purge_spent_tokens(self, spent_before: datetime, limit: int) -> int:
        """Delete one-time tokens used, or expired, before then."""
        ...

    async def clear_webhook_payloads(self, received_before: datetime, limit: int) -> int:
        """Empty the stored body of provider events received before then and
        processed; their id, type and times stay. Unprocessed ones are kept whole."""
        ...

    async def purge_sent_outbox(
        self, sent_before: datetime, keep_topics: Collection[str], limit: int
    ) -> int:
        """Delete outbox rows sent before then, except those of `keep_topics`."""
        ...
