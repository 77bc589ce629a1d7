"""The admin console: server-rendered pages under /admin (docs/console.md).

`console_routes` gives the app its routes; `configure_console` adds what the
pages need to the app's config: templates, the session store, CSRF and the
console's response headers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, Response, Router
from litestar.config.app import AppConfig
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.plugins.htmx import HTMXRequest
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.status_codes import HTTP_401_UNAUTHORIZED, HTTP_403_FORBIDDEN
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from litestar.template.config import TemplateConfig
from redis.asyncio import Redis

from tailtribe.config import Settings
from tailtribe.entrypoints.http.console.audit import AuditController
from tailtribe.entrypoints.http.console.bookings import BookingsPage
from tailtribe.entrypoints.http.console.caregivers import CaregiversPage
from tailtribe.entrypoints.http.console.dashboard import DashboardController
from tailtribe.entrypoints.http.console.queues import QueuesController
from tailtribe.entrypoints.http.console.security import (
    LOGIN_PATH,
    SESSION_STORE,
    STATIC_PATH,
    NoLongerAdmin,
    SignInRequired,
    console_headers,
    csrf_config,
    session_config,
)
from tailtribe.entrypoints.http.console.sign_in import SignInController

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def _refused(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A plain request goes to the sign-in page; htmx gets the status (and
    HX-Redirect, which htmx follows with a full page load)."""
    if request.headers.get("hx-request") == "true":
        status = HTTP_403_FORBIDDEN if isinstance(exc, NoLongerAdmin) else HTTP_401_UNAUTHORIZED
        return Response(b"", status_code=status, headers={"HX-Redirect": LOGIN_PATH})
    return Redirect(LOGIN_PATH, status_code=303)


def console_routes(sign_in_limit: RateLimitConfig) -> list[Any]:
    """The pages, behind the session middleware; the sign-in ones rate limited.

    A new page: a Controller with `guards = [console_guard]` in the list below
    (docs/console.md)."""
    pages = Router(
        "/",
        route_handlers=[
            Router("/", route_handlers=[SignInController], middleware=[sign_in_limit.middleware]),
            DashboardController,
            QueuesController,
            AuditController,
            CaregiversPage,
            BookingsPage,
        ],
        middleware=[session_config().middleware],
        request_class=HTMXRequest,
        exception_handlers={SignInRequired: _refused, NoLongerAdmin: _refused},
        include_in_schema=False,
    )
    static = create_static_files_router(
        path=STATIC_PATH, directories=[STATIC], name="console_static", include_in_schema=False
    )
    return [pages, static]


def _session_store(settings: Settings) -> tuple[Store, Redis | None]:
    """Where the API keeps its other shared state: Redis when configured, else this process."""
    if settings.redis_url is None:
        return MemoryStore(), None
    client = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
    return RedisStore(client, namespace="tailtribe-admin-session"), client


def configure_console(config: AppConfig, settings: Settings) -> AppConfig:
    store, client = _session_store(settings)
    config.stores = {**(config.stores or {}), SESSION_STORE: store}  # type: ignore[dict-item]
    if client is not None:
        config.on_shutdown.append(client.aclose)
    config.template_config = TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine)
    config.csrf_config = csrf_config(settings.secret_key)
    config.before_send.append(console_headers)
    return config
