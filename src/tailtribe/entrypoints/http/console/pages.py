"""Rendering a console page: the template, the language and the texts in one call."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK

from tailtribe.entrypoints.http.console.i18n import (
    LANGUAGE_NAMES,
    language_or_default,
    preferred,
    translator,
)
from tailtribe.entrypoints.http.console.security import LANGUAGE

ConsoleRequest = HTMXRequest


def language_of(request: Request[Any, Any, Any]) -> str:
    """The session's language; before any choice, the browser's (then Dutch)."""
    chosen = request.session.get(LANGUAGE)
    if chosen is not None:
        return language_or_default(chosen)
    return preferred(request.headers.get("accept-language"))


def page(
    request: Request[Any, Any, Any],
    template: str,
    status_code: int = HTTP_200_OK,
    **context: Any,
) -> Template:
    """A page extending base.html.j2. Its context always has `t` (the texts
    in the page's language), `lang`, `languages`, `path` (for the language
    switch to come back to) and `user` (None before sign-in)."""
    language = language_of(request)
    return Template(
        template_name=template,
        status_code=status_code,
        context={
            "t": translator(language),
            "lang": language,
            "languages": LANGUAGE_NAMES,
            "path": request.url.path,
            "user": request.scope.get("user"),
            **context,
        },
    )
