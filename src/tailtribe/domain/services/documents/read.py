"""Reading issued documents: a user their own, admins any (docs/documents.md)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from tailtribe.domain.errors import NotFound
from tailtribe.domain.model.documents import StoredDocument
from tailtribe.domain.ports.documents import DocumentFilter
from tailtribe.domain.ports.files import ObjectStorage
from tailtribe.domain.ports.storage import Page, UnitOfWork
from tailtribe.domain.services.terms import Actor

# How long a signed download address lives: read the document again for another.
LINK_SECONDS = 300


@dataclass(frozen=True, slots=True)
class DocumentView:
    stored: StoredDocument
    download_url: str | None  # None until the file is stored


class ReadDocuments:
    def __init__(self, uow: UnitOfWork, storage: ObjectStorage) -> None:
        self._uow, self._storage = uow, storage

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
        """Any documents (admins), newest first."""
        async with self._uow as uow:
            page = await uow.documents.list(criteria, limit, offset)
        return Page([self._view(s) for s in page.items], page.total)

    async def one(self, actor: Actor, document_id: UUID) -> DocumentView:
        """404 for someone else's, unless the actor is an admin."""
        async with self._uow as uow:
            stored = await uow.documents.get(document_id)
        if stored is None or not (actor.is_admin or stored.document.recipient_id == actor.user_id):
            raise NotFound("no such document")
        return self._view(stored)
