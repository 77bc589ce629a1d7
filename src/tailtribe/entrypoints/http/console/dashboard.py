"""The console's home page: for now the signed-in admin's name and the date."""

from __future__ import annotations

from babel.dates import format_date
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get
from litestar.response import Template

from tailtribe.domain.ports.time import Clock
from tailtribe.entrypoints.http.console.pages import ConsoleRequest, language_of, page
from tailtribe.entrypoints.http.console.security import CONSOLE_PATH, console_guard


class DashboardController(Controller):
    path = CONSOLE_PATH
    guards = [console_guard]  # noqa: RUF012  (Litestar's own attribute)
    include_in_schema = False

    @get("/")
    @inject
    async def dashboard(self, request: ConsoleRequest, clock: FromDishka[Clock]) -> Template:
        today = format_date(clock.now().date(), format="full", locale=language_of(request))
        return page(request, "dashboard.html.j2", today=today)
