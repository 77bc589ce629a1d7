from __future__ import annotations

from typing import Annotated
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get
from litestar.params import FromPath, FromQuery, Parameter

from tailtribe.domain.model.documents import DocumentKind
from tailtribe.domain.model.users import Role
from tailtribe.domain.ports.documents import DocumentFilter
from tailtribe.domain.services.documents.read import ReadDocuments
from tailtribe.domain.services.terms import Actor
from tailtribe.entrypoints.http.auth import Req, current_user, requires
from tailtribe.entrypoints.http.schemas.common import DEFAULT_LIMIT, Limit, Offset
from tailtribe.entrypoints.http.schemas.documents import DocumentList, DocumentOut

Year = Annotated[
    int | None,
    Parameter(ge=2000, le=2200, description="Only documents numbered in this year's series."),
]


class DocumentController(Controller):
    """The signed-in user's money documents."""

    path = "/api/v1/documents"
    tags = ("Documents",)

    @get(operation_id="list_documents")
    @inject
    async def list_documents(
        self,
        request: Req,
        read: FromDishka[ReadDocuments],
        kind: FromQuery[DocumentKind | None] = None,
        year: Year = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> DocumentList:
        criteria = DocumentFilter(kind=kind, year=year)
        page = await read.mine(current_user(request).id, criteria, limit, offset)
        return DocumentList([DocumentOut.of(v) for v in page.items], page.total, limit, offset)

    @get("/{document_id:uuid}", operation_id="get_document")
    @inject
    async def get_document(
        self, request: Req, document_id: FromPath[UUID], read: FromDishka[ReadDocuments]
    ) -> DocumentOut:
        # Through this path everyone, admins too, sees only their own.
        return DocumentOut.of(
            await read.one(Actor(current_user(request).id, frozenset()), document_id)
        )


class AdminDocumentController(Controller):
    path = "/api/v1/admin/documents"
    tags = ("Admin",)
    guards = (requires(Role.ADMIN),)

    @get(operation_id="admin_list_documents")
    @inject
    async def list_documents(
        self,
        request: Req,
        read: FromDishka[ReadDocuments],
        kind: FromQuery[DocumentKind | None] = None,
        year: Year = None,
        recipient_id: FromQuery[UUID | None] = None,
        booking_id: FromQuery[UUID | None] = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> DocumentList:
        criteria = DocumentFilter(recipient_id, kind, year, booking_id)
        page = await read.for_admin(current_user(request).id, criteria, limit, offset)
        return DocumentList([DocumentOut.of(v) for v in page.items], page.total, limit, offset)
