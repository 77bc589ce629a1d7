"""Money documents as PDF files (fpdf2)."""

from __future__ import annotations

from tailtribe.adapters.pdf.renderer import PdfDocumentRenderer
from tailtribe.domain.ports.documents import DocumentRenderer

__all__ = ["PdfDocumentRenderer", "make_renderer"]


def make_renderer() -> DocumentRenderer:
    return PdfDocumentRenderer()
