"""Logs and error reports for the API and the worker.

- Every log line is one JSON object on stdout (structlog rendering the
  standard library's records too), with the request id of the request it
  belongs to.
- Nothing secret reaches a line: values under sensitive keys are replaced,
  and anything that looks like a token, a key, a password assignment or a
  card number is masked wherever it appears, messages and tracebacks
  included.
- Sentry starts only when SENTRY_DSN is set, without personal data, and its
  events are scrubbed the same way.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

import msgspec
import structlog

if TYPE_CHECKING:
    from sentry_sdk.types import Event

from tailtribe import __version__

REDACTED = "[redacted]"
# Keys whose values are never logged, whatever they hold.
_SENSITIVE_KEY = re.compile(
    r"pass(word)?|secret|token|authori[sz]ation|cookie|api[_-]?key|card|cvc|cvv|iban|"
    r"client_secret|signature|dsn|session",
    re.IGNORECASE,
)
# Values that are secrets wherever they appear.
_SECRET_VALUES = re.compile(
    r"eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}"  # a JWT (access tokens, ID tokens)
    r"|\b(?:sk|rk|pk)_(?:live|test)_\w{8,}"  # Stripe keys
    r"|\bwhsec_\w{8,}|\bre_\w{16,}"  # Stripe webhook secrets, Resend keys
    r"|(?:pi|seti)_\w+_secret_\w+"  # PaymentIntent client secrets
    r"|(?<=[?&]token=)[^&\s\"'\\]+"  # a token in a query string (the WebSocket's)
    r"|(?i:(?<=bearer )[\w.~+/=-]{8,})"
    r"|(?i:(?<=password=)[^&\s\"'\\]+)"
    r"|(?<![\w.-])(?:\d[ -]?){12,18}\d(?!\w|\.\d)"  # card numbers (13 to 19 digits), not inside ids
    r"|(?<=/calendar/)[\w-]+(?=\.ics)"  # a calendar feed's secret address
)


# Fields the app itself fills with plain values (a request id is checked to be
# 8 to 64 letters, digits, dots, dashes and underscores).
_PLAIN_KEYS = frozenset({"request_id", "timestamp", "level", "logger"})


# Values after a sensitive name, as code prints them: password=..., 'token': '...'.
_NAMED_VALUES = re.compile(
    r"""(?i)(["']?(?:password|passwd|secret|token|api_key|apikey|authorization)["']?"""
    r"""\s*[:=]\s*["']?)[^"'\\\s,&})]+"""
)
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s/]+(@)")  # postgresql://user:pw@host


# Each pattern above needs one of these to match anything (an underscore or
# `=` or `:`, a JWT's start, a bearer prefix, 13 digits, `.ics`): a text without any,
# like most log values, is returned without running them. Keep it in step.
_MAYBE_SECRET = re.compile(r"[_=:]|eyJ|(?i:bearer )|(?:\d[ -]?){12}\d|\.ics")


def scrub(text: str) -> str:
    """The text with every secret-looking value masked."""
    if not _MAYBE_SECRET.search(text):
        return text
    text = _NAMED_VALUES.sub(rf"\g<1>{REDACTED}", text)
    text = _URL_PASSWORD.sub(rf"\g<1>{REDACTED}\g<2>", text)
    return _SECRET_VALUES.sub(REDACTED, text)


@functools.lru_cache(maxsize=1024)
def _sensitive(key: str) -> bool:
    # Keys are names in code, a few dozen: each is matched once.
    return _SENSITIVE_KEY.search(key) is not None


def _clean(value: Any, depth: int = 0) -> Any:
    if depth > 20:
        return value
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return {
            k: REDACTED if _sensitive(str(k)) else _clean(v, depth + 1) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_clean(v, depth + 1) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return scrub(str(value))  # an exception, a URL object...: its text, scrubbed


def redact(
    _logger: object, _name: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: sensitive keys and secret-looking values go."""
    return {
        k: v if k in _PLAIN_KEYS else REDACTED if k != "event" and _sensitive(k) else _clean(v)
        for k, v in event.items()
    }


def _scrub_rendered(_logger: object, _name: str, event: MutableMapping[str, Any]) -> Any:
    # Tracebacks are rendered late: scrub them once they are text.
    for key in ("exception", "stack"):
        if isinstance(event.get(key), str):
            event[key] = scrub(event[key])
    return event


# For the standard library's records (libraries, and the app's own logging.getLogger).
_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.stdlib.PositionalArgumentsFormatter(),
    redact,
]

_JSON = msgspec.json.Encoder(enc_hook=repr)


def _json(event: Any, **_ignored: Any) -> bytes:
    """A json.dumps-compatible serializer for structlog's JSONRenderer, in bytes."""
    return _JSON.encode(event)


class _JsonHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler this module installed, so installing twice is a no-op;
    structlog's lines, already rendered, are written to its stream too."""

    def write_line(self, line: bytes) -> None:
        with self.lock:  # type: ignore[union-attr]  # made by Handler.__init__
            binary = getattr(self.stream, "buffer", None)
            if binary is None:  # a text-only stream
                self.stream.write(line.decode() + "\n")
                self.stream.flush()
            else:
                # The text layer holds nothing: StreamHandler flushes every record.
                binary.write(line + b"\n")
                binary.flush()


class _RootHandlers:
    """structlog's output: each line goes straight to the streams of the JSON
    handlers on the root logger, without a LogRecord or a formatter on the
    way (the standard library's chain cost more than the request it logged)."""

    def __init__(self, name: str) -> None:
        self.name = name  # structlog.stdlib.add_logger_name reads it

    def msg(self, line: bytes) -> None:
        for handler in logging.root.handlers:
            if isinstance(handler, _JsonHandler):
                handler.write_line(line)

    debug = info = warning = warn = error = err = critical = exception = fatal = log = msg


def _root_handlers(name: str = "tailtribe", *_args: Any) -> _RootHandlers:
    return _RootHandlers(name)


def configure_logging(level: int = logging.INFO, stream: Any = None) -> None:
    """JSON lines on stdout for structlog and standard-library loggers alike."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact,
            structlog.processors.format_exc_info,
            _scrub_rendered,
            structlog.processors.JSONRenderer(serializer=_json),
        ],
        logger_factory=_root_handlers,
        # Below `level` a call returns at once, before any processor runs.
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=True,
    )
    root = logging.getLogger()
    root.setLevel(level)
    # Client libraries log each call at INFO; their warnings are enough.
    for noisy in ("httpx", "httpcore", "botocore", "boto3", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if not any(isinstance(h, _JsonHandler) for h in root.handlers):
        root.addHandler(json_handler(stream or sys.stdout))


def json_handler(stream: Any) -> logging.Handler:
    """A handler writing JSON lines, redacted, to `stream`: the standard
    library's records through its formatter, structlog's as they come."""
    handler = _JsonHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=_SHARED,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                _scrub_rendered,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    return handler


def init_sentry(dsn: str | None, environment: str, component: str) -> bool:
    """Error reports to Sentry when a DSN is configured; nothing otherwise."""
    if not dsn:
        return False
    import sentry_sdk

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=f"tailtribe@{__version__}",
        server_name=component,  # api or worker, not the host name
        # No user ids, addresses, cookies, bodies, query strings (the WebSocket's
        # token) or frame variables: only what locates the error.
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_headers": {
                "request": {"mode": "allowlist", "terms": ["user-agent", "x-request-id"]}
            },
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "stack_frame_variables": False,
            "database_query_data": False,
        },
        traces_sample_rate=0.0,  # latency is watched through /metrics
        before_send=_before_send,
        before_breadcrumb=_before_breadcrumb,
    )
    sentry_sdk.set_tag("component", component)
    return True


def _before_send(event: Event, _hint: dict[str, Any]) -> Event:
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("cookies", None)
        request.pop("data", None)
        query = request.get("query_string")
        if isinstance(query, str):
            request["query_string"] = scrub("?" + query)[1:]
    event.pop("user", None)
    cleaned: Event = _clean(event)
    return cleaned


def _before_breadcrumb(crumb: dict[str, Any], _hint: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = _clean(crumb)
    return cleaned
