"""What every response carries: the security headers, and a request id (also
on every log line of the request, and one access log line)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

import structlog
import uuid_utils
from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException, WebSocketException
from litestar.plugins.prometheus import PrometheusConfig, PrometheusMiddleware
from litestar.types import (
    ASGIApp,
    BeforeMessageSendHookHandler,
    Message,
    Receive,
    ReceiveMessage,
    Scope,
    Send,
)

from tailtribe.domain.errors import DomainError
from tailtribe.entrypoints.http.errors import status_for

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
_API_HEADERS = [(name.encode(), value.encode()) for name, value in API_HEADERS.items()]
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
        # Those the response set itself stay (names are lower case in ASGI).
        present = {name.lower() for name, _ in headers.headers}
        headers.headers.extend(h for h in _API_HEADERS if h[0] not in present)
        if scope["path"].startswith("/schema"):
            headers["content-security-policy"] = DOCS_CSP
        if hsts:
            headers["strict-transport-security"] = HSTS

    return add


class RequestContext:
    """Around the whole app, its exception handling included, so that it sees
    every response as sent: binds a request id for the logs, returns it as
    X-Request-ID, and writes one access line per request with the status
    actually sent (no query string: it may hold a token)."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in (ScopeType.HTTP, ScopeType.WEBSOCKET):
            await self._app(scope, receive, send)
            return
        given = _header(scope["headers"], REQUEST_ID_HEADER)
        # uuid_utils draws from a generator seeded once, where uuid.uuid4 asks
        # the kernel (os.urandom, the GIL released and taken back) per request.
        request_id = given if given and _GOOD_ID.fullmatch(given) else uuid_utils.uuid4().hex
        status = 0
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "websocket.close" and status == 0:
                # A WebSocket refused before its handshake: a close now would
                # make the server answer a bare HTTP 403, and a browser shows
                # its scripts neither status (only code 1006). Accepted, then
                # closed with 4000 + the status (4401 for a token), it reaches
                # every client; the access log and the metrics say the same.
                status = _status_of_close(message.get("code", 1000)) or 403
                await send(
                    {
                        "type": "websocket.accept",
                        "subprotocol": None,
                        "headers": [(REQUEST_ID_HEADER.encode(), request_id.encode())],
                    }
                )
            elif message["type"] in ("http.response.start", "websocket.accept"):
                status = message["status"] if message["type"] == "http.response.start" else 101
                MutableScopeHeaders.from_message(message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        # Set and reset by token: bound_contextvars() reads every context
        # variable to save the key's previous value, the same one this restores.
        bound = structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self._app(scope, receive, send_with_id)
        finally:
            try:
                ms = (time.perf_counter() - started) * 1000
                access_log.info(
                    "request",
                    method=scope.get("method", "WS"),
                    path=scope["path"],
                    status=status or 500,  # nothing sent: the connection broke
                    duration_ms=round(ms, 1),
                )
            finally:
                structlog.contextvars.reset_contextvars(**bound)


class CloseWhenBodyUnread:
    """Any response sent before the request body was read to its end carries
    `Connection: close`, so the server closes that connection and the client
    opens a fresh one.

    Litestar refuses early without reading the body: a 413 on the declared
    Content-Length, a 400 on a multipart body with too many parts, a 401, a
    404 or a 429 on a POST. The unread bytes stay on the connection; granian
    then closed it or not depending on how much had arrived, and without
    saying so, so a client (or a proxy pooling connections for many users)
    sent its next request down a dead connection. With the header, granian
    closes every such connection and clients know not to reuse it. Closing
    rather than draining: the body may be large, slow or endless."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # HTTP/1 only: HTTP/2 forbids the header, and a stream left unread
        # there does not touch the next one.
        http1 = scope.get("http_version", "1.1") in ("1.0", "1.1")
        if scope["type"] != ScopeType.HTTP or not http1 or not _has_body(scope["headers"]):
            await self._app(scope, receive, send)
            return
        read_to_end = False

        async def watching_receive() -> ReceiveMessage:
            nonlocal read_to_end
            message = await receive()
            if message["type"] == "http.disconnect" or not message.get("more_body", False):
                read_to_end = True
            return message

        async def send_closing(message: Message) -> None:
            if message["type"] == "http.response.start" and not read_to_end:
                MutableScopeHeaders.from_message(message)["connection"] = "close"
            await send(message)

        await self._app(scope, watching_receive, send_closing)


def _has_body(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    if _header(headers, "transfer-encoding") is not None:
        return True
    length = _header(headers, "content-length")
    return length is not None and length.strip() not in ("", "0")


# The span of the request being measured, for the exception path below.
_SPAN: ContextVar[dict[str, float]] = ContextVar("prometheus_span")


class PrometheusWithErrors(PrometheusMiddleware):
    """Litestar's Prometheus middleware, counting errors by their status.

    Litestar turns an exception into its response outside the middleware
    stack, so the stock middleware sees the exception pass and counts the
    request as 200: a 401, a 404 from a use case or a 500 from Redis being
    down all looked like successes, and no error-rate alert could fire. Here
    the status comes from the exception as it passes, the same mapping the
    exception handlers use."""

    def __init__(self, app: ASGIApp, config: PrometheusConfig) -> None:
        super().__init__(app, config)
        inner = self.app

        async def status_on_error(scope: Scope, receive: Receive, send: Send) -> None:
            try:
                await inner(scope, receive, send)
            except Exception as exc:
                span = _SPAN.get(None)
                if span is not None:
                    span["status_code"] = _status_of(exc)
                raise

        self.app = status_on_error

    def _get_default_labels(self, request: Request[Any, Any, Any]) -> dict[str, str | int | float]:
        # As Litestar's, without building the request's URL (a tenth of a
        # cheap request's time) only to throw it away: routes are labelled
        # by their template (group_path), never by their raw path.
        if not self._config.group_path:
            return super()._get_default_labels(request)
        scope = request.scope
        return {
            "method": scope["method"] if scope["type"] == ScopeType.HTTP else scope["type"],
            "path": scope["path_template"],
            "status_code": 200,
            "app_name": self._config.app_name,
        }

    def _get_wrapped_send(self, send: Send, request_span: dict[str, float]) -> Callable[..., Any]:
        _SPAN.set(request_span)
        return super()._get_wrapped_send(send, request_span)


def _status_of_close(code: int) -> int | None:
    """The HTTP status a WebSocket close code stands for: 4000 + the status
    (4401 for a token), as the app closes refused sockets; None for others."""
    return code - 4000 if 4000 <= code < 5000 else None


def _status_of(exc: Exception) -> int:
    if isinstance(exc, HTTPException):
        return exc.status_code
    if isinstance(exc, WebSocketException) and (status := _status_of_close(exc.code)):
        return status  # as the client and the access log see it
    if isinstance(exc, DomainError):
        return status_for(exc)
    return 500


def _header(headers: Iterable[tuple[bytes, bytes]], name: str) -> str | None:
    wanted = name.encode()
    for key, value in headers:
        if key.lower() == wanted:
            return value.decode("latin-1")
    return None
