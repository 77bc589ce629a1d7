from __future__ import annotations

import enum
from typing import Annotated

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, get
from litestar.params import QueryParameter

from tailtribe.domain.model.dac7_files import to_csv, to_xml
from tailtribe.domain.model.users import Role
from tailtribe.domain.services.reports.dac7 import ReadDac7Report
from tailtribe.entrypoints.http.auth import Req, current_user, requires


class ReportFormat(enum.StrEnum):
    XML = "xml"
    CSV = "csv"


class AdminReportsController(Controller):
    """Reports for the authorities; each is a file, named for its period."""

    path = "/api/v1/admin/reports"
    tags = ("Admin",)
    guards = (requires(Role.ADMIN),)

    @get("/dac7", operation_id="admin_dac7_report", media_type="application/xml")
    @inject
    async def dac7(
        self,
        request: Req,
        read: FromDishka[ReadDac7Report],
        year: Annotated[int, QueryParameter(description="The Brussels calendar year (2023 on).")],
        format: Annotated[
            ReportFormat, QueryParameter(description="`xml` (OECD DPI 1.0) or `csv`.")
        ] = ReportFormat.XML,
    ) -> Response[bytes]:
        report = await read(current_user(request).id, year)
        if format is ReportFormat.CSV:
            body, media_type = to_csv(report).encode(), "text/csv; charset=utf-8"
        else:
            body, media_type = to_xml(report), "application/xml"
        return Response(
            body,
            media_type=media_type,
            headers={
                "Cache-Control": "private, no-store",
                "Content-Disposition": f'attachment; filename="dac7-{year}.{format.value}"',
            },
        )
