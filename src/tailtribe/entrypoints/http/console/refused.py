"""Answers the review and booking pages share: a missing object, a refused action."""

from __future__ import annotations

from litestar.response import Template
from litestar.status_codes import HTTP_404_NOT_FOUND

from tailtribe.entrypoints.http.console.pages import ConsoleRequest, page


def missing(request: ConsoleRequest) -> Template:
    """A console page, not the API's problem document, for an unknown id."""
    return page(request, "not_found.html.j2", HTTP_404_NOT_FOUND)
