"""Reading issued documents: a user their own, admins any (docs/documents.md)."""

from __future__ import annotations

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
        return await self.all(own, limit, offset)

    async def all(self, criteria: DocumentFilter, limit: int, offset: int) -> Page[DocumentView]:
        """Any documents, newest first."""
        async with self._uow as uow:
            page = await uow.documents.list(criteria, limit, offset)
        return Page([self._view(s) for s in page.items], page.total)

    async def for_admin(
        self, actor_id: UUID, criteria: DocumentFilter, limit: int, offset: int
    ) -> Page[DocumentView]:
        """Any recipient's documents for an admin. They hold names, addresses
        and download links, so each read is in the audit trail, against the
        user or booking searched for when there is one."""
        if criteria.recipient_id is not None:
            target: tuple[str, UUID | str] = (AuditObject.USER, criteria.recipient_id)
        elif criteria.booking_id is not None:
            target = (AuditObject.BOOKING, criteria.booking_id)
        else:
            target = (AuditObject.DOCUMENT, "all")
        page = await self.all(criteria, limit, offset)
        narrowed = [
            f"{name} {value}"
            for name, value in (
                ("kind", criteria.kind),
                ("year", criteria.year),
                ("booking", criteria.booking_id if criteria.recipient_id else None),
            )
            if value is not None
        ]
        outcome = f"read {len(page.items)} of {page.total} document(s)" + (
            f" ({', '.join(narrowed)})" if narrowed else ""
        )
        act = AdminAct(actor_id, AuditAction.READ_DOCUMENTS, *target)
        await self._audit.record_alone(act, outcome)
        return page

    async def one(self, actor: Actor, document_id: UUID) -> DocumentView:
        """404 for someone else's, unless the actor is an admin."""
        async with self._uow as uow:
            stored = await uow.documents.get(document_id)
        if stored is None or not (actor.is_admin or stored.document.recipient_id == actor.user_id):
            raise NotFound("no such document")
        return self._view(stored)
