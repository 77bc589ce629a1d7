"""Money documents: turning an issued document into a file."""

from __future__ import annotations

from typing import Protocol

from tailtribe.domain.model.documents import Document


class DocumentRenderer(Protocol):
    content_type: str  # "application/pdf"

    def render(self, document: Document) -> bytes:
        """The document as a file, in its own language; the same document
        always gives a file with the same text."""
        ...
