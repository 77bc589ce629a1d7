"""Money documents: issuing them from the ledger, their files, reading them."""

from __future__ import annotations

from dishka import Provider, Scope, provide

from tailtribe.adapters.pdf import make_renderer
from tailtribe.config import Settings
from tailtribe.domain.ports.documents import DocumentRenderer
from tailtribe.domain.services.documents.issue import (
    DocumentTerms,
    IssueDocuments,
    IssueStatements,
    SendDocuments,
)
from tailtribe.domain.services.documents.read import ReadDocuments


class DocumentsProvider(Provider):
    scope = Scope.REQUEST

    @provide(scope=Scope.APP)
    def document_terms(self, settings: Settings) -> DocumentTerms:
        return DocumentTerms(settings.platform_party, settings.platform_vat_rate)

    @provide(scope=Scope.APP)
    def document_renderer(self) -> DocumentRenderer:
        return make_renderer()

    issue_documents = provide(IssueDocuments)
    issue_statements = provide(IssueStatements)
    send_documents = provide(SendDocuments)
    read_documents = provide(ReadDocuments)
