"""The VAT report's JSON answer (docs/documents.md, Reports)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from tailtribe.domain.model.accounting import VatReport, vat_report_json


def _doc(description: str) -> msgspec.Meta:
    return msgspec.Meta(description=description)


_EUROS = "the same amount in euros, as decimal text with a dot (`1234.56`)"


class AmountsOut(msgspec.Struct):
    count: Annotated[int, _doc("How many documents.")]
    net_cents: Annotated[int, _doc("Net, excluding VAT, in cents.")]
    vat_cents: Annotated[int, _doc("VAT, in cents.")]
    gross_cents: Annotated[int, _doc("Gross, VAT included, in cents: net + VAT.")]
    net: Annotated[str, _doc(f"Net: {_EUROS}.")]
    vat: Annotated[str, _doc(f"VAT: {_EUROS}.")]
    gross: Annotated[str, _doc(f"Gross: {_EUROS}.")]


class RangeOut(msgspec.Struct):
    kind: Annotated[str, _doc("`commission_invoice` or `credit_note`.")]
    year: Annotated[int, _doc("The series' year.")]
    first: Annotated[str, _doc("The first number the series issued that month.")]
    last: Annotated[str, _doc("The last number the series issued that month.")]
    count: Annotated[int, _doc("How many it issued that month.")]
    complete: Annotated[
        bool, _doc("Whether every number from `first` to `last` was issued that month (no gap).")
    ]


class MonthOut(msgspec.Struct):
    month: Annotated[str, _doc("The month, `YYYY-MM`, by Brussels date of issue.")]
    invoices: Annotated[AmountsOut, _doc("The commission invoices issued that month.")]
    credit_notes: Annotated[AmountsOut, _doc("The credit notes issued that month.")]
    balance: Annotated[
        AmountsOut, _doc("Invoices minus credit notes (count: both documents together).")
    ]
    vat_rates: Annotated[list[int], _doc("The VAT rates (percent) of that month's documents.")]
    ranges: Annotated[list[RangeOut], _doc("Each series' numbers issued that month.")]


class TotalOut(msgspec.Struct):
    invoices: Annotated[AmountsOut, _doc("The quarter's commission invoices.")]
    credit_notes: Annotated[AmountsOut, _doc("The quarter's credit notes.")]
    balance: Annotated[AmountsOut, _doc("Invoices minus credit notes: what the quarter declares.")]
    vat_rates: Annotated[list[int], _doc("The VAT rates (percent) used in the quarter.")]


class VatReportOut(msgspec.Struct, rename={"from_": "from"}):
    quarter: Annotated[str, _doc("The quarter, like `2027Q1`.")]
    from_: Annotated[str, _doc("Its first day (Brussels).")]
    to: Annotated[str, _doc("Its last day (Brussels).")]
    currency: Annotated[str, _doc("Always `EUR`.")]
    months: Annotated[list[MonthOut], _doc("The quarter's three months, in order.")]
    total: Annotated[TotalOut, _doc("The quarter: the months added up.")]

    @classmethod
    def of(cls, report: VatReport) -> VatReportOut:
        return msgspec.convert(vat_report_json(report), cls, from_attributes=False)
