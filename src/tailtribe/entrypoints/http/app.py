"""The Litestar application factory: short, delegating to named steps."""

from __future__ import annotations

from dishka import AsyncContainer
from dishka.integrations.litestar import setup_dishka
from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin

from tailtribe import __version__
from tailtribe.config import Settings
from tailtribe.entrypoints.http.controllers.health import HealthController
from tailtribe.entrypoints.http.errors import exception_handlers, problem_details_plugin
from tailtribe.ioc import make_container


def _openapi() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="TailTribe API",
        version=__version__,
        description="Pet-care marketplace: owners, caregivers, bookings and payments.",
        path="/schema",
        render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
    )


def _app_config(settings: Settings) -> AppConfig:
    return AppConfig(
        route_handlers=[HealthController],
        plugins=[problem_details_plugin()],
        exception_handlers=exception_handlers(),
        openapi_config=_openapi(),
        debug=False,
    )


def create_app(
    settings: Settings | None = None, container: AsyncContainer | None = None
) -> Litestar:
    settings = settings or Settings.from_env()
    container = container or make_container(settings)
    config = _app_config(settings)
    config.on_shutdown.append(container.close)
    app = Litestar.from_config(config)
    setup_dishka(container, app)
    return app
