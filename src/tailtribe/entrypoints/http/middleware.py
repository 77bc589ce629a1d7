"""What every response carries: the security headers, and a request id (also
on every log line of the request, and one access log line)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterable

import structlog
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, BeforeMessageSendHookHandler, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
# A caller's id is kept only when it is short and plain (it goes into logs).
_GOOD_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
access_log = structlog.get_logger("tailtribe.access")

# The API serves JSON: nothing in a response may load or frame anything.
API_HEADERS = {
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
# The interactive API docs load their scripts and styles from a CDN.
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src https://fonts.gstatic.com https://cdn.jsdelivr.net; img-src 'self' data: https:; "
    "connect-src 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=63072000; includeSubDomains"


def security_headers(*, hsts: bool) -> BeforeMessageSendHookHandler:
    """A hook on every response the app sends, the router's own 404s and
    preflights included (middleware never sees those)."""

    async def add(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        for name, value in API_HEADERS.items():
            headers.setdefault(name, value)
        if scope["path"].startswith("/schema"):
            headers["content-security-policy"] = DOCS_CSP
        if hsts:
            headers["strict-transport-security"] = HSTS

    return add


class RequestContext(ASGIMiddleware):
    """Binds a request id for the logs, returns it as X-Request-ID, and
    writes one access line per request (no query string: it may hold a token)."""

    scopes = (ScopeType.HTTP, ScopeType.WEBSOCKET)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        given = _header(scope["headers"], REQUEST_ID_HEADER)
        request_id = given if given and _GOOD_ID.fullmatch(given) else uuid.uuid4().hex
        status = 0
        started = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] in ("http.response.start", "websocket.accept"):
                status = message["status"] if message["type"] == "http.response.start" else 101
                MutableScopeHeaders.from_message(message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await next_app(scope, receive, send_with_headers)
            finally:
                method = scope.get("method", "WS")
                ms = (time.perf_counter() - started) * 1000
                access_log.info(
                    "request",
                    method=method,
                    path=scope["path"],
                    status=status or 500,
                    duration_ms=round(ms, 1),
                )


def _header(headers: Iterable[tuple[bytes, bytes]], name: str) -> str | None:
    wanted = name.encode()
    for key, value in headers:
        if key.lower() == wanted:
            return value.decode("latin-1")
    return None
