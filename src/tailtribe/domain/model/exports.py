"""Personal data exports (GDPR articles 15 and 20): one ZIP of everything
about a user, built in the background, downloadable for a day."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from tailtribe.domain.errors import InvalidTransition
from tailtribe.domain.model.ledger import Account, LedgerEntry

# One export per user per day; its file is kept for a day once ready.
EXPORT_INTERVAL = timedelta(hours=24)
EXPORT_LIFETIME = timedelta(hours=24)


class ExportStatus(enum.StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"
    EXPIRED = "expired"


@dataclass(eq=False)
class DataExport:
    id: UUID
    user_id: UUID  # whose data it holds
    requested_at: datetime
    requested_by: UUID | None = None  # the admin who asked for it; None: the user
    status: ExportStatus = ExportStatus.PENDING
    ready_at: datetime | None = None
    expires_at: datetime | None = None
    size_bytes: int | None = None

    @property
    def object_key(self) -> str:
        # Derived from the id: a retried build overwrites the same file.
        # Under `private/`: never exposed by a CDN, only by signed addresses.
        return f"private/exports/{self.id}.zip"

    @property
    def by_admin(self) -> bool:
        return self.requested_by is not None

    def mark_ready(self, now: datetime, size_bytes: int) -> None:
        if self.status is not ExportStatus.PENDING:
            raise InvalidTransition("export", self.status.value, "become ready")
        self.status, self.ready_at, self.size_bytes = ExportStatus.READY, now, size_bytes
        self.expires_at = now + EXPORT_LIFETIME

    def mark_failed(self) -> None:
        if self.status is not ExportStatus.PENDING:
            raise InvalidTransition("export", self.status.value, "fail")
        self.status = ExportStatus.FAILED

    def expired_at(self, now: datetime) -> bool:
        """Whether its file is past its day."""
        return (
            self.status is ExportStatus.READY
            and self.expires_at is not None
            and self.expires_at <= now
        )

    def mark_expired(self) -> None:
        if self.status is not ExportStatus.READY:
            raise InvalidTransition("export", self.status.value, "expire")
        self.status = ExportStatus.EXPIRED

    def link_seconds(self, now: datetime, longest: int) -> int:
        """How long a download address minted now may live: at most `longest`
        seconds and never past the file's expiry; 0 when there is no file."""
        if self.status is not ExportStatus.READY or self.expires_at is None:
            return 0
        return max(0, min(longest, int((self.expires_at - now).total_seconds())))


def next_export_at(previous: Iterable[DataExport]) -> datetime | None:
    """When the user may ask again: a day after their latest own request
    (failed ones do not count; an admin's on their behalf neither)."""
    counted = [
        e.requested_at for e in previous if not e.by_admin and e.status is not ExportStatus.FAILED
    ]
    return max(counted) + EXPORT_INTERVAL if counted else None


# The ledger as each party sees it: the owner their card's hold, charge and
# refunds; the caregiver their payouts and reversals. The platform's
# commission and the provider's fees are the platform's own books.
OWNER_ACCOUNTS = frozenset({Account.OWNER, Account.CARD_HOLD})
CAREGIVER_ACCOUNTS = frozenset({Account.CAREGIVER})


def visible_entries(entries: Iterable[LedgerEntry], *, as_owner: bool) -> list[LedgerEntry]:
    """The entries of a booking one party may see: those moving money into or
    out of their own accounts."""
    mine = OWNER_ACCOUNTS if as_owner else CAREGIVER_ACCOUNTS
    return [e for e in entries if e.source in mine or e.destination in mine]
