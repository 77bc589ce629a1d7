from __future__ import annotations

from datetime import date
from typing import Annotated

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get
from litestar.params import QueryParameter

from tailtribe.domain.model.users import Role
from tailtribe.domain.services.admin.metrics import BusinessMetrics
from tailtribe.entrypoints.http.auth import requires
from tailtribe.entrypoints.http.schemas.metrics import MetricsOut


class AdminMetricsController(Controller):
    path = "/api/v1/admin/metrics"
    tags = ("Admin",)
    guards = (requires(Role.ADMIN),)

    @get(operation_id="admin_metrics")
    @inject
    async def metrics(
        self,
        metrics: FromDishka[BusinessMetrics],
        from_: Annotated[date | None, QueryParameter(name="from")] = None,
        to: Annotated[date | None, QueryParameter()] = None,
    ) -> MetricsOut:
        """Brussels dates, both included (default: the last 30 days); at most 366 days."""
        return MetricsOut.of(await metrics(from_, to))
