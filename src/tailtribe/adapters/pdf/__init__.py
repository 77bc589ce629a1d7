"""Money documents as files.

A placeholder renderer until the PDF one lands: the document's text, one
field a line, served as application/pdf."""

from __future__ import annotations

from tailtribe.domain.model.documents import Document
from tailtribe.domain.ports.documents import DocumentRenderer


class PlainTextRenderer:
    content_type = "application/pdf"

    def render(self, document: Document) -> bytes:
        lines = [
            f"{document.kind.value} {document.number}",
            f"issued {document.issued_at.isoformat()} ({document.language})",
            f"from {document.issuer.name}",
            f"to {document.recipient.name}",
            f"amount {document.amount_cents} {document.currency}",
        ]
        if document.vat_rate_percent:
            lines.append(
                f"net {document.net_cents} vat {document.vat_cents} ({document.vat_rate_percent}%)"
            )
        if document.corrects:
            lines.append(f"corrects {document.corrects}")
        return ("\n".join(lines) + "\n").encode()


def make_renderer() -> DocumentRenderer:
    return PlainTextRenderer()
