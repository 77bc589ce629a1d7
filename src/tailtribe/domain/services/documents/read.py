"""Reading issued documents: a user their own, admins any (docs/documents.md)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from uuid import UUID

from tailtribe.domain.errors import NotFound
from tailtribe.domain.model.audit import AuditAction, AuditObject
from tailtribe.domain.model.documents import StoredDocument
from tailtribe.domain.ports.documents import DocumentFilter
from tailtribe.domain.ports.files import ObjectStorage
from tailtribe.domain.ports.storage import Page, UnitOfWork
from tailtribe.domain.services.audit import AdminAct, AuditTrail
from tailtribe.domain.services.terms import Actor

# How long a signed download address lives: read the document again for another.
LINK_SECONDS = 300


@dataclass(frozen=True, slots=True)
class DocumentView:
    stored: StoredDocument
    download_url: str | None  # None until the file is stored


class ReadDocuments:
    def __init__(self, uow: UnitOfWork, storage: ObjectStorage, audit: AuditTrail) -> None:
        self._uow, self._storage, self._audit = uow, storage, audit

    def _view(self, stored: StoredDocument) -> DocumentView:
        url = (
            None
            if stored.file_key is None
            else self._storage.url(stored.file_key, private=True, max_seconds=LINK_SECONDS)
        )
        return DocumentView(stored, url)

    async def mine(
        self, user_id: UUID, criteria: DocumentFilter, limit: int, offset: int
    ) -> Page[DocumentView]:
        """The user's own documents, newest first (`criteria`'s recipient is theirs)."""
        own = DocumentFilter(user_id, criteria.kind, criteria.year, criteria.booking_id)
        return await self._page(own, limit, offset)

    async def _page(self, criteria: DocumentFilter, limit: int, offset: int) -> Page[DocumentView]:
        async with self._uow as uow:
            page = await uow.documents.list(criteria, limit, offset)
        return Page([self._view(s) for s in page.items], page.total)

    async def for_admin(
        self, actor_id: UUID, criteria: DocumentFilter, limit: int, offset: int
    ) -> Page[DocumentView]:
        """Any recipient's documents for an admin. They carry download links
        to PDFs with names and addresses, so the read is in the audit trail:
        one entry per user whose documents the page shows (so "who read this
        user's documents?" finds it), or, for an empty page, one against what
        was searched for. All in one transaction, after the read."""
        page = await self._page(criteria, limit, offset)
        shown = Counter(v.stored.document.recipient_id for v in page.items)
        searched = [
            f"{name} {value}"
            for name, value in (
                ("recipient", criteria.recipient_id),
                ("booking", criteria.booking_id),
                ("kind", criteria.kind),
                ("year", criteria.year),
            )
            if value is not None
        ]
        where = f"{offset + 1}-{offset + len(page.items)}" if page.items else "none"
        context = f" ({where} of {page.total}" + "".join(f"; {s}" for s in searched) + ")"
        targets: list[tuple[str, UUID | str, int]] = [
            (AuditObject.USER, recipient, n) for recipient, n in shown.items()
        ]
        if not targets:  # an empty page: the read is recorded against the search
            if criteria.recipient_id is not None:
                targets = [(AuditObject.USER, criteria.recipient_id, 0)]
            elif criteria.booking_id is not None:
                targets = [(AuditObject.BOOKING, criteria.booking_id, 0)]
            else:
                targets = [(AuditObject.DOCUMENT, "all", 0)]
        reads = [
            (AdminAct(actor_id, AuditAction.READ_DOCUMENTS, kind, object_id), n)
            for kind, object_id, n in targets
        ]
        async with self._uow as uow:
            for act, n in reads:
                await self._audit.record(uow, act, f"read {n} document(s){context}")
            await uow.commit()
        return page

    async def one(self, actor: Actor, document_id: UUID) -> DocumentView:
        """404 for someone else's, unless the actor is an admin."""
        async with self._uow as uow:
            stored = await uow.documents.get(document_id)
        if stored is None or not (actor.is_admin or stored.document.recipient_id == actor.user_id):
            raise NotFound("no such document")
        return self._view(stored)
