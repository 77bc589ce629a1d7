"""Every error leaves as RFC 9457 problem details, mapped here and only here."""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any

from litestar import Request, Response
from litestar.config.app import AppConfig
from litestar.exceptions import (
    ClientException,
    HTTPException,
    ImproperlyConfiguredException,
    SerializationException,
    ValidationException,
)
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsException,
    ProblemDetailsPlugin,
)
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import TimeoutError as PoolTimeout

from tailtribe.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    InvalidWebhook,
    NotFound,
    ProviderUnavailable,
    RateLimited,
    SeriesClash,
    Unauthorized,
)
from tailtribe.domain.model.privacy import ErasureRefused

logger = logging.getLogger(__name__)

# Most specific first: the first matching family decides the status.
_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (NotFound, 404),
    (Unauthorized, 401),
    (Forbidden, 403),
    (Conflict, 409),
    (InvalidInput, 422),
    (RateLimited, 429),
    (InvalidWebhook, 400),
    (ProviderUnavailable, 502),  # DeliveryFailed too
)


def status_for(exc: DomainError) -> int:
    return next((code for family, code in _STATUS if isinstance(exc, family)), 400)


def domain_problem(exc: DomainError) -> ProblemDetailsException:
    extra: dict[str, Any] = {}
    if isinstance(exc, InvalidInput) and exc.errors:
        extra["errors"] = [{"field": e.field, "message": e.message} for e in exc.errors]
    if isinstance(exc, ErasureRefused):
        extra["reasons"] = [r.value for r in exc.reasons]
    if isinstance(exc, SeriesClash):
        extra["dates"] = list(exc.dates)
    headers = None
    if isinstance(exc, RateLimited):
        headers = {"Retry-After": str(exc.retry_after_seconds)}
    return ProblemDetailsException(
        status_code=status_for(exc),
        title=exc.title,
        detail=exc.detail,
        headers=headers,
        extra=extra or None,
    )


def _field_of(error: dict[str, Any]) -> str:
    return str(error.get("key") or error.get("source") or "body")


def http_problem(exc: HTTPException) -> ProblemDetailsException:
    extra: dict[str, Any] | None = None
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        extra = {
            "errors": [
                {"field": _field_of(e), "message": str(e.get("message", "invalid"))}
                for e in exc.extra
                if isinstance(e, dict)
            ]
        }
    elif isinstance(exc.extra, dict):
        extra = exc.extra
    headers = dict(exc.headers or {})
    if exc.status_code == 429 and "Retry-After" not in headers:
        # Litestar's rate limiter sends RateLimit-Reset (seconds); clients expect Retry-After.
        headers["Retry-After"] = str(max(1, int(headers.get("RateLimit-Reset", "60"))))
    return ProblemDetailsException(
        status_code=exc.status_code,
        title=_TITLES.get(exc.status_code, "Error"),
        detail=exc.detail,
        headers=headers or None,
        extra=extra,
    )


_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    503: "Service unavailable",
}


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # Details of a crash stay in the logs, never in the answer.
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    problem = ProblemDetailsException(
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
        title="Internal server error",
        detail="Something went wrong on our side.",
    )
    return problem.to_response(request)


def _database_busy(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Every pooled connection stayed busy for DB_POOL_TIMEOUT_SECONDS: the
    process is overloaded, not broken. A 503 with Retry-After tells clients and
    the load balancer to come back, rather than a crash report per request."""
    logger.warning("no database connection free on %s %s", request.method, request.url.path)
    problem = ProblemDetailsException(
        status_code=HTTP_503_SERVICE_UNAVAILABLE,
        title=_TITLES[503],
        detail="The service is busy. Please try again in a moment.",
        headers={"Retry-After": "1"},
    )
    return problem.to_response(request)


def _raised_decoding_a_form_part(exc: Exception) -> bool:
    """Whether Litestar's multipart parser raised `exc` decoding a part's text:
    its frame, then only codec frames down to where it was raised."""
    tb: TracebackType | None = exc.__traceback__
    modules = []
    while tb is not None:
        modules.append(tb.tb_frame.f_globals.get("__name__", ""))
        tb = tb.tb_next
    if "litestar._multipart" not in modules:
        return False
    below = modules[len(modules) - modules[::-1].index("litestar._multipart") :]
    return all(m == "encodings" or m.startswith("encodings.") for m in below)


def _undecodable_form_part(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A multipart text part in invalid UTF-8 or an unknown charset is the
    client's error. Litestar parses multipart bodies itself, for `data`, without
    the request class, and lets the codec's UnicodeError or LookupError escape
    as a 500; bad part headers it already refuses with a 400. The same errors
    raised anywhere else are still a crash."""
    if not _raised_decoding_a_form_part(exc):
        return _unexpected(request, exc)
    detail = "A part of the multipart body is not text in its charset (UTF-8 by default)."
    return http_problem(ClientException(detail)).to_response(request)


class JsonBodyRequest(Request[Any, Any, Any]):
    """A request whose JSON body, when it cannot be decoded, is the client's error.

    Litestar turns msgspec's DecodeError into a 400, but only where it decodes
    a handler's `data`, and msgspec raises two other errors for input it
    refuses: UnicodeDecodeError for invalid UTF-8 inside a string, and
    RecursionError past its nesting limit. Those escaped as 500s (a traceback
    each, an error-rate alert anyone could trip). Every JSON body is decoded
    here: the `data` of every handler, and what handlers read with
    `request.json()` themselves."""

    async def json(self) -> Any:
        try:
            return await super().json()
        except SerializationException as exc:  # malformed: msgspec says where
            raise ClientException(str(exc)) from exc
        except UnicodeDecodeError as exc:
            raise ClientException("The request body is not valid UTF-8.") from exc
        except RecursionError as exc:
            raise ClientException("The request body is nested too deeply.") from exc


class _ProblemDetails(ProblemDetailsPlugin):
    """Problem details for every error, undecodable bodies included."""

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        if app_config.request_class is None:
            app_config.request_class = JsonBodyRequest
        elif not issubclass(app_config.request_class, JsonBodyRequest):
            # Another request class would bring the 500s back, silently.
            raise ImproperlyConfiguredException("the request class must extend JsonBodyRequest")
        return super().on_app_init(app_config)


def problem_details_plugin() -> ProblemDetailsPlugin:
    return _ProblemDetails(
        ProblemDetailsConfig(
            exception_to_problem_detail_map={
                DomainError: domain_problem,
                HTTPException: http_problem,
            }
        )
    )


def exception_handlers() -> ExceptionHandlersMap:
    return {
        HTTP_500_INTERNAL_SERVER_ERROR: _unexpected,
        PoolTimeout: _database_busy,
        UnicodeError: _undecodable_form_part,
        LookupError: _undecodable_form_part,
    }
