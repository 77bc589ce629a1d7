from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from typing import Annotated

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, get
from litestar.params import QueryParameter
from litestar.response import Stream

from tailtribe.domain.model.accounting import (
    documents_csv_header,
    documents_csv_rows,
    vat_report_csv,
)
from tailtribe.domain.model.dac7_files import to_csv, to_xml
from tailtribe.domain.model.users import Role
from tailtribe.domain.services.reports.accounting import ReadDocumentsReport, ReadVatReport
from tailtribe.domain.services.reports.dac7 import ReadDac7Report
from tailtribe.entrypoints.http.auth import Req, current_user, requires
from tailtribe.entrypoints.http.schemas.reports import VatReportOut

CSV = "text/csv"  # Litestar adds "; charset=utf-8" to text types


class ReportFormat(enum.StrEnum):
    XML = "xml"
    CSV = "csv"


class VatFormat(enum.StrEnum):
    JSON = "json"
    CSV = "csv"


def _attachment(name: str) -> dict[str, str]:
    return {
        "Cache-Control": "private, no-store",
        "Content-Disposition": f'attachment; filename="{name}"',
    }


class AdminReportsController(Controller):
    """Reports for the authorities and the accountant; the files are named for
    their period."""

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
            body, media_type = to_csv(report).encode(), CSV
        else:
            body, media_type = to_xml(report), "application/xml"
        return Response(
            body, media_type=media_type, headers=_attachment(f"dac7-{year}.{format.value}")
        )

    @get("/vat", operation_id="admin_vat_report")
    @inject
    async def vat(
        self,
        request: Req,
        read: FromDishka[ReadVatReport],
        quarter: Annotated[str, QueryParameter(description="The quarter, like `2027Q1`.")],
        format: Annotated[
            VatFormat, QueryParameter(description="`json` (default) or `csv`.")
        ] = VatFormat.JSON,
    ) -> Response[VatReportOut]:
        report = await read(current_user(request).id, quarter)
        if format is VatFormat.CSV:
            return Response(
                vat_report_csv(report).encode(),  # type: ignore[arg-type]
                media_type=CSV,
                headers=_attachment(f"vat-{report.quarter}.csv"),
            )
        return Response(VatReportOut.of(report), headers={"Cache-Control": "private, no-store"})

    @get("/documents", operation_id="admin_documents_report", media_type=CSV)
    @inject
    async def documents(
        self,
        request: Req,
        read: FromDishka[ReadDocumentsReport],
        from_: Annotated[
            str, QueryParameter(name="from", description="First Brussels date of issue.")
        ],
        to: Annotated[str, QueryParameter(description="Last Brussels date of issue (included).")],
    ) -> Stream:
        first, last = await read.open(current_user(request).id, from_, to)
        pages = read.pages(first, last)

        async def body() -> AsyncIterator[bytes]:
            yield documents_csv_header().encode()
            async for page in pages:
                yield documents_csv_rows(page).encode()

        return Stream(body(), media_type=CSV, headers=_attachment(f"documents-{first}-{last}.csv"))
