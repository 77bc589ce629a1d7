from __future__ import annotations

from typing import Annotated

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, get
from litestar.openapi import ResponseSpec

from tailtribe.domain.services.platform.check_health import (
    CheckHealth,
    CheckReadiness,
    HealthReport,
)


class HealthBody(msgspec.Struct):
    status: Annotated[
        str, msgspec.Meta(description="ok when every check passed (200), else unavailable (503).")
    ]
    checks: Annotated[
        dict[str, str],
        msgspec.Meta(description="Each dependency's result: ok, timeout or error: <kind>."),
    ]


class HealthController(Controller):
    path = "/api"
    tags = ("Platform",)

    @get(
        "/health",
        operation_id="health",
        exclude_from_auth=True,
        cache=False,
        responses={503: ResponseSpec(HealthBody, description="a dependency is down")},
    )
    @inject
    async def health(self, check_health: FromDishka[CheckHealth]) -> Response[HealthBody]:
        return _answer(await check_health())

    @get(
        "/ready",
        operation_id="ready",
        exclude_from_auth=True,
        cache=False,
        responses={503: ResponseSpec(HealthBody, description="not ready: the failing check")},
    )
    @inject
    async def ready(self, check: FromDishka[CheckReadiness]) -> Response[HealthBody]:
        return _answer(await check())


def _answer(report: HealthReport) -> Response[HealthBody]:
    status = 200 if report.healthy else 503
    body = HealthBody(status="ok" if report.healthy else "unavailable", checks=report.checks)
    return Response(body, status_code=status)
