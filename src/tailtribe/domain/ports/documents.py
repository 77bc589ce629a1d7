"""Money documents: where they are kept, and turning one into a file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from tailtribe.domain.model.documents import Document, DocumentKind, StoredDocument
from tailtribe.domain.model.ledger import LedgerEntry, Movement


class DocumentRenderer(Protocol):
    content_type: str  # "application/pdf"

    def render(self, document: Document) -> bytes:
        """The document as a file, in its own language; the same document
        always gives a file with the same text."""
        ...


@dataclass(frozen=True, slots=True)
class DocumentFilter:
    """Which documents a list shows: None matches any."""

    recipient_id: UUID | None = None
    kind: DocumentKind | None = None
    year: int | None = None
    booking_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class DocumentPage:
    items: Sequence[StoredDocument]
    total: int


class DocumentRepository(Protocol):
    """Issued documents and their numbering. A document's content never
    changes once added; only where its file is and when its recipient was
    told are recorded later."""

    async def next_sequence(self, kind: DocumentKind, year: int) -> int:
        """Take the next number of the series, in this transaction: another
        transaction asking for the same series waits until this one ends,
        and a rollback gives the number back."""
        ...

    async def add(self, document: Document) -> None:
        """Raises Conflict when the ledger entry has a document already (or
        the caregiver a statement for that month, or the number is taken)."""
        ...

    async def get(self, document_id: UUID) -> StoredDocument | None: ...

    async def latest(self, booking_id: UUID, kind: DocumentKind) -> Document | None:
        """The booking's last issued document of `kind`, if any."""
        ...

    async def undocumented(
        self,
        movements: Sequence[Movement],
        limit: int,
        *,
        after: tuple[datetime, UUID] | None = None,
        since: datetime | None = None,
    ) -> Sequence[LedgerEntry]:
        """Ledger entries of these movements without a document, oldest first
        (by `occurred_at`, then id); only those after `after` (an entry's
        `occurred_at` and id) when given, to page on past entries that failed;
        only those that occurred at or after `since` when given."""
        ...

    async def earliest(self, movements: Sequence[Movement]) -> datetime | None:
        """When the ledger's first entry of these movements happened, if any."""
        ...

    async def unstated(
        self, movements: Sequence[Movement], start: datetime, end: datetime, period: date
    ) -> Sequence[UUID]:
        """The caregivers (ids) with an entry of these movements in [start, end)
        whose account has no statement for `period` (the month's first day)."""
        ...

    async def unsent(self, limit: int, *, after: UUID | None = None) -> Sequence[UUID]:
        """Documents whose file is not stored or whose recipient was not told
        yet, oldest first (by issue, then id); only those after the document
        `after` when given."""
        ...

    async def mark_sent(self, document_id: UUID, file_key: str, at: datetime) -> bool:
        """Record the stored file and the notification; False when another
        run recorded them first (nothing changes then)."""
        ...

    async def list(self, criteria: DocumentFilter, limit: int, offset: int) -> DocumentPage:
        """Newest first (by issue, then number)."""
        ...

    async def issued(
        self,
        start: datetime,
        end: datetime,
        kinds: Sequence[DocumentKind],
        after: tuple[str, int, int] | None,
        limit: int,
    ) -> Sequence[Document]:
        """Documents of these kinds issued in [start, end), in number order per
        kind: by (kind, year, sequence), the kind's value ascending; only those
        after `after` (the key of the last one of the previous page)."""
        ...
