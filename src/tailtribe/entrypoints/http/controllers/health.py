from __future__ import annotations

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, get
from litestar.openapi import ResponseSpec

from tailtribe.domain.services.platform.check_health import CheckHealth


class HealthBody(msgspec.Struct):
    status: str
    checks: dict[str, str]


class HealthController(Controller):
    path = "/api/health"
    tags = ("Platform",)

    @get(
        operation_id="health",
        summary="Liveness and dependencies",
        exclude_from_auth=True,
        cache=False,
        responses={503: ResponseSpec(HealthBody, description="a dependency is down")},
    )
    @inject
    async def health(self, check_health: FromDishka[CheckHealth]) -> Response[HealthBody]:
        report = await check_health()
        status = 200 if report.healthy else 503
        body = HealthBody(status="ok" if report.healthy else "unavailable", checks=report.checks)
        return Response(body, status_code=status)
