"""The Litestar application factory: short, delegating to named steps."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Iterable
from typing import Any

from dishka import AsyncContainer
from dishka.integrations.litestar import setup_dishka
from limits.aio.strategies import MovingWindowRateLimiter
from litestar import Litestar, Request, Router
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.base import ChannelsBackend
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from litestar.config.app import AppConfig
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.middleware.rate_limit import RateLimitConfig, get_remote_address
from litestar.plugins.prometheus import PrometheusConfig
from redis.asyncio import Redis

from tailtribe import __version__
from tailtribe.config import Environment, Settings
from tailtribe.entrypoints.http.auth import (
    PUBLIC_PATHS,
    AccessTokens,
    forget_after_write,
    jwt_auth,
)
from tailtribe.entrypoints.http.clients import coarse_client
from tailtribe.entrypoints.http.console import configure_console, console_routes
from tailtribe.entrypoints.http.controllers.accounts import AuthController, MeController
from tailtribe.entrypoints.http.controllers.admin import (
    AdminBookingController,
    AdminCaregiverController,
    AdminUserController,
)
from tailtribe.entrypoints.http.controllers.admin_audit import AdminAuditController
from tailtribe.entrypoints.http.controllers.admin_metrics import AdminMetricsController
from tailtribe.entrypoints.http.controllers.admin_outbox import AdminOutboxController
from tailtribe.entrypoints.http.controllers.admin_payment_events import (
    AdminPaymentEventController,
)
from tailtribe.entrypoints.http.controllers.admin_reports import AdminReportsController
from tailtribe.entrypoints.http.controllers.bookings import (
    BookingController,
    QuoteController,
    ReviewController,
    SimulatedPaymentController,
)
from tailtribe.entrypoints.http.controllers.calendar import (
    CalendarController,
    CalendarFeedController,
)
from tailtribe.entrypoints.http.controllers.caregivers import CaregiverProfileController
from tailtribe.entrypoints.http.controllers.client_config import ConfigController
from tailtribe.entrypoints.http.controllers.conversations import (
    ConversationController,
    live,
)
from tailtribe.entrypoints.http.controllers.documents import (
    AdminDocumentController,
    DocumentController,
)
from tailtribe.entrypoints.http.controllers.email_settings import (
    EmailSettingsController,
    UnsubscribeController,
)
from tailtribe.entrypoints.http.controllers.favorites import FavoriteController
from tailtribe.entrypoints.http.controllers.health import HealthController
from tailtribe.entrypoints.http.controllers.meet_and_greets import MeetAndGreetController
from tailtribe.entrypoints.http.controllers.metrics import METRICS_PATH, MetricsController
from tailtribe.entrypoints.http.controllers.pets import PetController
from tailtribe.entrypoints.http.controllers.photos import MediaController, PhotoController
from tailtribe.entrypoints.http.controllers.privacy import AdminExportController, ExportController
from tailtribe.entrypoints.http.controllers.search import CaregiverSearchController
from tailtribe.entrypoints.http.controllers.series import SeriesController, SimulatedCardController
from tailtribe.entrypoints.http.controllers.stripe_webhook import StripeWebhookController
from tailtribe.entrypoints.http.controllers.test_mode import TestModeController
from tailtribe.entrypoints.http.errors import exception_handlers, problem_details_plugin
from tailtribe.entrypoints.http.live import LIVE_RECHECK_STATE_KEY
from tailtribe.entrypoints.http.middleware import (
    REQUEST_ID_HEADER,
    CloseWhenBodyUnread,
    PrometheusWithErrors,
    RequestContext,
    security_headers,
)
from tailtribe.entrypoints.http.openapi import OperationDocs, openapi_config
from tailtribe.entrypoints.http.rate_limit import LIMITER_STATE_KEY, CountedRateLimitMiddleware
from tailtribe.entrypoints.http.schemas.common import StructSchemas
from tailtribe.entrypoints.observability import configure_logging, init_sentry
from tailtribe.entrypoints.worker.embedded import embedded_scheduler
from tailtribe.ioc import make_container

# JSON bodies are small; uploads raise this on their own routes.
MAX_BODY_BYTES = 1024 * 1024
# Never rate limited: Stripe retries on its own schedule, and probes must answer.
UNLIMITED_PATHS = [
    "^/api/stripe/webhook/?$",
    "^/api/health/?$",
    "^/api/ready/?$",
    "^/metrics/?$",
]  # anchored regexes


def _client_of(header: str | None, hops: int) -> Callable[[Request[Any, Any, Any]], str]:
    """Who a request counts against: the proxy's header when configured, else the peer.

    Each proxy appends the address it was reached from, so only the last
    `hops` entries were written by proxies we run; anything left of them is
    the client's to choose. A header sent as several lines is one list, in order.
    """

    def identify(request: Request[Any, Any, Any]) -> str:
        if header:
            entries = [
                entry.strip()
                for line in request.headers.getall(header, [])
                for entry in line.split(",")
                if entry.strip()
            ]
            if entries:
                return entries[-hops] if len(entries) >= hops else entries[0]
        return get_remote_address(request)

    return identify


def _rate_limits(
    settings: Settings,
) -> tuple[RateLimitConfig, RateLimitConfig, RateLimitConfig]:
    """Every endpoint per client, and a stricter limit on the account endpoints
    and on the admin console's sign-in pages (counted apart)."""
    client = _client_of(settings.client_ip_header, settings.client_ip_trusted_hops)
    general = RateLimitConfig(
        rate_limit=("minute", settings.rate_limit_per_minute),
        store="rate_limit",
        exclude=UNLIMITED_PATHS,
        identifier_for_request=client,
        middleware_class=CountedRateLimitMiddleware,
    )
    auth = RateLimitConfig(
        rate_limit=("minute", settings.auth_rate_limit_per_minute),
        store="auth_rate_limit",
        identifier_for_request=client,
        middleware_class=CountedRateLimitMiddleware,
    )
    console = RateLimitConfig(
        rate_limit=("minute", settings.auth_rate_limit_per_minute),
        store="console_sign_in_limit",
        identifier_for_request=client,
        middleware_class=CountedRateLimitMiddleware,
    )
    return general, auth, console


class _OwnRedisPubSub(RedisChannelsPubSubBackend):
    """Redis pub/sub on a client of its own, closed with the app."""

    def __init__(self, url: str) -> None:
        self._client = Redis.from_url(url)
        self._subscribing = asyncio.Lock()
        super().__init__(redis=self._client)

    async def subscribe(self, channels: Iterable[str]) -> None:
        # One at a time: the pub/sub connects on its first subscription, and two
        # WebSockets opening at once would each connect it, losing the first
        # one's channel. (Not at start-up: the API starts while Redis is down.)
        async with self._subscribing:
            await super().subscribe(channels)

    async def on_shutdown(self) -> None:
        await super().on_shutdown()
        await self._client.aclose()


def _cors(settings: Settings) -> CORSConfig | None:
    """Browsers on these origins may call the API; none when unset (the web
    app is then served from the API's own origin, or through a proxy)."""
    if not settings.cors_allowed_origins:
        return None
    return CORSConfig(
        allow_origins=list(settings.cors_allowed_origins),
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", REQUEST_ID_HEADER],
        expose_headers=[REQUEST_ID_HEADER, "Retry-After"],
        allow_credentials=False,  # bearer tokens, no cookies cross-origin
        max_age=600,
    )


def _prometheus() -> PrometheusConfig:
    # Routes by their template (/api/v1/bookings/{booking_id}), never by raw
    # path: ids would make a series per booking.
    return PrometheusConfig(
        middleware_class=PrometheusWithErrors,
        app_name="tailtribe",
        prefix="tailtribe",
        group_path=True,
        exclude=[METRICS_PATH],
        exclude_unhandled_paths=True,
    )


def _channels(settings: Settings) -> ChannelsPlugin:
    """Live delivery: through Redis pub/sub across processes when configured,
    in this process's memory otherwise (embedded runs one process)."""
    backend: ChannelsBackend
    if settings.redis_url is None:
        backend = MemoryChannelsBackend()
    else:
        backend = _OwnRedisPubSub(settings.redis_url)
    # A client too slow to read loses its oldest pushes, never the server's memory.
    return ChannelsPlugin(
        backend=backend,
        arbitrary_channels_allowed=True,
        subscriber_max_backlog=100,
        subscriber_backlog_strategy="dropleft",
    )


def _routes(
    settings: Settings, auth_limit: RateLimitConfig, console_limit: RateLimitConfig
) -> list[object]:
    test_mode: list[object] = [TestModeController] if settings.env is Environment.TEST else []
    # With a Stripe key, owners pay through Stripe.js: the simulated payment does not exist.
    simulated: list[object] = (
        [SimulatedPaymentController, SimulatedCardController] if settings.payments_simulated else []
    )
    return [
        *test_mode,
        *simulated,
        HealthController,
        ConfigController,
        StripeWebhookController,
        Router("/api/v1/auth", route_handlers=[AuthController], middleware=[auth_limit.middleware]),
        MeController,
        PetController,
        CaregiverProfileController,
        AdminCaregiverController,
        AdminBookingController,
        AdminOutboxController,
        AdminPaymentEventController,
        AdminMetricsController,
        AdminReportsController,
        AdminAuditController,
        AdminUserController,
        CaregiverSearchController,
        QuoteController,
        BookingController,
        ReviewController,
        PhotoController,
        MediaController,
        ConversationController,
        live,
        MetricsController,
        ExportController,
        AdminExportController,
        DocumentController,
        AdminDocumentController,
        EmailSettingsController,
        UnsubscribeController,
        FavoriteController,
        CalendarFeedController,
        CalendarController,
        MeetAndGreetController,
        SeriesController,
        *console_routes(console_limit),
    ]


def _load_client_names() -> None:
    # The User-Agent parser compiles its rules on first use (about 0.3 s):
    # at startup, not during someone's sign-in, and before the freeze.
    coarse_client("Mozilla/5.0")


def _freeze_startup_objects() -> None:
    # Everything built so far (modules, the app, the container's singletons,
    # the engine) lives as long as the process: out of the collector's sight,
    # a full collection no longer walks it every time the young objects of
    # many requests pile up.
    gc.freeze()


def _app_config(settings: Settings, container: AsyncContainer) -> AppConfig:
    auth = jwt_auth(settings)
    general_limit, auth_limit, console_limit = _rate_limits(settings)

    async def register_limiter(app: Litestar) -> None:
        app.state[LIMITER_STATE_KEY] = await container.get(MovingWindowRateLimiter)

    lifespan = []
    if settings.redis_url is None and settings.env is not Environment.TEST:
        # Embedded: no worker runs, so the API process runs the scheduled jobs.
        # (Test mode runs them on demand through /api/v1/test/run-due-jobs.)
        lifespan.append(lambda _app: embedded_scheduler(container))

    config = AppConfig(
        route_handlers=_routes(settings, auth_limit, console_limit),  # type: ignore[arg-type]
        lifespan=lifespan,  # type: ignore[arg-type]
        state=State(
            {
                AccessTokens.STATE_KEY: AccessTokens(auth),
                LIVE_RECHECK_STATE_KEY: settings.live_token_recheck_seconds,
                # Secure cookies need HTTPS: the web app's scheme decides.
                "secure_cookies": settings.app_url.startswith("https://"),
            }
        ),
        on_startup=[register_limiter, _load_client_names, _freeze_startup_objects],
        on_shutdown=[container.close],
        after_response=forget_after_write,
        plugins=[
            problem_details_plugin(),
            _channels(settings),
            OperationDocs(PUBLIC_PATHS, UNLIMITED_PATHS),
            StructSchemas(),
        ],
        exception_handlers=exception_handlers(),
        openapi_config=openapi_config(__version__),
        cors_config=_cors(settings),
        # Logs are configured once for the process (observability.py), as JSON.
        logging_config=None,
        request_max_body_size=MAX_BODY_BYTES,
        debug=False,
    )
    config = auth.on_app_init(config)
    # The per-client limit runs first: a flood is refused before any token lookup.
    config.middleware.insert(0, general_limit.middleware)
    # Outermost: the request counts and latencies cover everything inside.
    config.middleware.insert(0, _prometheus().middleware)
    config.before_send.append(security_headers(hsts=settings.env is Environment.PRODUCTION))
    return configure_console(config, settings)


def create_app(
    settings: Settings | None = None, container: AsyncContainer | None = None
) -> Litestar:
    settings = settings or Settings.from_env()
    configure_logging()
    init_sentry(settings.sentry_dsn, settings.env.value, "api")
    container = container or make_container(settings)
    app = Litestar.from_config(_app_config(settings, container))
    setup_dishka(container, app)
    # Around everything, Litestar's exception handling included: the request
    # id and access line then cover every response as it was really sent.
    app.asgi_handler = RequestContext(CloseWhenBodyUnread(app.asgi_handler))
    return app
