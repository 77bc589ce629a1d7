"""The accountant's reports, drawn from the issued money documents only.

- The VAT report of a calendar quarter (Brussels dates of issue): per month,
  the commission invoices' net, VAT and gross, the credit notes' apart, and
  the difference (what the VAT return declares); the VAT rates used; and each
  series' first and last number issued that month with the count, so a reader
  sees there is no gap. Quarter totals add the months up.
- The documents report: every document issued between two Brussels dates
  (both included), one CSV row each, in number order per kind.

Amounts are integer cents, as on the documents: always positive, the kind says
whether a document adds (invoice) or takes back (credit note).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from tailtribe.domain.errors import FieldError, InvalidInput
from tailtribe.domain.model.dac7_files import as_text
from tailtribe.domain.model.documents import Document, DocumentKind
from tailtribe.domain.model.time import BRUSSELS

MONTHS_PER_QUARTER = 3
FIRST_YEAR = 2000  # no document is older; instants before cannot be stored anyway
LAST_YEAR = 2200
# The documents the VAT report reads: the platform's own supply, the commission.
VAT_KINDS = (DocumentKind.COMMISSION_INVOICE, DocumentKind.CREDIT_NOTE)
_QUARTER = re.compile(r"(\d{4})Q([1-4])")


@dataclass(frozen=True, slots=True, order=True)
class Quarter:
    year: int
    number: int  # 1..4

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def months(self) -> tuple[date, ...]:
        """The first day of each of its three months."""
        first = (self.number - 1) * MONTHS_PER_QUARTER + 1
        return tuple(date(self.year, first + i, 1) for i in range(MONTHS_PER_QUARTER))

    @property
    def first_day(self) -> date:
        return self.months[0]

    @property
    def last_day(self) -> date:
        return date.fromordinal(next_month(self.months[-1]).toordinal() - 1)


def next_month(month: date) -> date:
    return date(month.year + 1, 1, 1) if month.month == 12 else date(month.year, month.month + 1, 1)


def quarter_of(day: date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // MONTHS_PER_QUARTER + 1)


def parse_quarter(text: str, today: date, field: str = "quarter") -> Quarter:
    """ "2027Q1": a quarter from 2000 that has begun on `today` (Brussels)."""
    found = _QUARTER.fullmatch(text.strip())
    quarter = None if found is None else Quarter(int(found[1]), int(found[2]))
    if quarter is None or quarter.year < FIRST_YEAR or quarter > quarter_of(today):
        message = f"a quarter written like 2027Q1, from {FIRST_YEAR}Q1 to {quarter_of(today)}"
        raise InvalidInput(message, [FieldError(field, message)])
    return quarter


def brussels_midnight(day: date) -> datetime:
    """The instant a Brussels day begins, in UTC."""
    return datetime.combine(day, time(0), BRUSSELS).astimezone(UTC)


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start, end) of the Brussels days `first` to `last`, both included."""
    return brussels_midnight(first), brussels_midnight(date.fromordinal(last.toordinal() + 1))


def parse_period(first_text: str, last_text: str) -> tuple[date, date]:
    """The documents report's dates (`from`, `to`, written YYYY-MM-DD): `from`
    in the year 2000 or later, `to` not before it and before 2200. Every
    refused one is named."""
    errors: list[FieldError] = []
    days: list[date | None] = []
    for field, text in (("from", first_text), ("to", last_text)):
        try:
            days.append(date.fromisoformat(text.strip()))
        except ValueError:
            days.append(None)
            errors.append(FieldError(field, "a date written YYYY-MM-DD"))
    first, last = days
    if first is not None and first.year < FIRST_YEAR:
        errors.append(FieldError("from", f"a date from {FIRST_YEAR}-01-01"))
    if last is not None and last.year >= LAST_YEAR:
        errors.append(FieldError("to", f"a date before {LAST_YEAR}-01-01"))
    if first is not None and last is not None and last < first:
        errors.append(FieldError("to", "not before `from`"))
    if errors or first is None or last is None:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors)
    return first, last


def issue_day(document: Document) -> date:
    return document.issued_at.astimezone(BRUSSELS).date()


def number_order(document: Document) -> tuple[str, int, int]:
    """The documents report's order: by kind, then number."""
    return (document.kind.value, document.year, document.sequence)


@dataclass(frozen=True, slots=True)
class Amounts:
    count: int = 0
    net_cents: int = 0
    vat_cents: int = 0
    gross_cents: int = 0

    def __add__(self, other: Amounts) -> Amounts:
        return Amounts(
            self.count + other.count,
            self.net_cents + other.net_cents,
            self.vat_cents + other.vat_cents,
            self.gross_cents + other.gross_cents,
        )

    def __sub__(self, other: Amounts) -> Amounts:
        """What remains once `other` is taken back; the count is the documents'."""
        return Amounts(
            self.count + other.count,
            self.net_cents - other.net_cents,
            self.vat_cents - other.vat_cents,
            self.gross_cents - other.gross_cents,
        )

    @staticmethod
    def of(document: Document) -> Amounts:
        return Amounts(1, document.net_cents, document.vat_cents, document.amount_cents)


@dataclass(frozen=True, slots=True)
class NumberRange:
    """The numbers a series issued in a month: first, last and how many. Without
    a gap, count == last - first + 1 (`complete`)."""

    kind: DocumentKind
    year: int
    first: str
    last: str
    first_sequence: int
    last_sequence: int
    count: int

    @property
    def complete(self) -> bool:
        return self.count == self.last_sequence - self.first_sequence + 1


@dataclass(frozen=True, slots=True)
class MonthVat:
    month: date  # its first day
    invoices: Amounts
    credit_notes: Amounts
    rates: tuple[int, ...]  # the VAT rates (percent) of its documents, ascending
    ranges: tuple[NumberRange, ...]  # per series: invoices first, then credit notes

    @property
    def balance(self) -> Amounts:
        """Invoices minus credit notes: what the month declares."""
        return self.invoices - self.credit_notes


@dataclass(frozen=True, slots=True)
class VatReport:
    quarter: Quarter
    months: tuple[MonthVat, ...]  # always the quarter's three

    @property
    def invoices(self) -> Amounts:
        return sum((m.invoices for m in self.months), Amounts())

    @property
    def credit_notes(self) -> Amounts:
        return sum((m.credit_notes for m in self.months), Amounts())

    @property
    def balance(self) -> Amounts:
        return self.invoices - self.credit_notes

    @property
    def rates(self) -> tuple[int, ...]:
        return tuple(sorted({r for m in self.months for r in m.rates}))


def _ranges(documents: Sequence[Document]) -> tuple[NumberRange, ...]:
    series: dict[tuple[DocumentKind, int], list[Document]] = {}
    for d in documents:
        series.setdefault((d.kind, d.year), []).append(d)
    ranges = []
    for kind in VAT_KINDS:
        for (k, year), docs in sorted(series.items(), key=lambda item: item[0][1]):
            if k is not kind:
                continue
            docs.sort(key=lambda d: d.sequence)
            first, last = docs[0], docs[-1]
            ranges.append(
                NumberRange(
                    kind, year, first.number, last.number, first.sequence, last.sequence, len(docs)
                )
            )
    return tuple(ranges)


def vat_report(quarter: Quarter, documents: Iterable[Document]) -> VatReport:
    """The quarter's VAT report from its documents; documents of other kinds or
    issued outside the quarter (Brussels dates) are left out."""
    by_month: dict[date, list[Document]] = {m: [] for m in quarter.months}
    for d in documents:
        month = issue_day(d).replace(day=1)
        if d.kind in VAT_KINDS and month in by_month:
            by_month[month].append(d)
    months = []
    for month, docs in by_month.items():
        invoices = [d for d in docs if d.kind is DocumentKind.COMMISSION_INVOICE]
        credits = [d for d in docs if d.kind is DocumentKind.CREDIT_NOTE]
        months.append(
            MonthVat(
                month,
                sum(map(Amounts.of, invoices), Amounts()),
                sum(map(Amounts.of, credits), Amounts()),
                tuple(sorted({d.vat_rate_percent for d in docs})),
                _ranges(docs),
            )
        )
    return VatReport(quarter, tuple(months))


def euros(cents: int) -> str:
    """Cents as euros, with a dot and two decimals: 123456 -> "1234.56"."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole}.{rest:02d}"


def _amounts_json(a: Amounts) -> dict[str, Any]:
    return {
        "count": a.count,
        "net_cents": a.net_cents,
        "vat_cents": a.vat_cents,
        "gross_cents": a.gross_cents,
        "net": euros(a.net_cents),
        "vat": euros(a.vat_cents),
        "gross": euros(a.gross_cents),
    }


def _range_json(r: NumberRange) -> dict[str, Any]:
    return {
        "kind": r.kind.value,
        "year": r.year,
        "first": r.first,
        "last": r.last,
        "count": r.count,
        "complete": r.complete,
    }


def vat_report_json(report: VatReport) -> dict[str, Any]:
    """The report as JSON-ready values (the API's answer and the command's --format json)."""
    return {
        "quarter": str(report.quarter),
        "from": report.quarter.first_day.isoformat(),
        "to": report.quarter.last_day.isoformat(),
        "currency": "EUR",
        "months": [
            {
                "month": m.month.strftime("%Y-%m"),
                "invoices": _amounts_json(m.invoices),
                "credit_notes": _amounts_json(m.credit_notes),
                "balance": _amounts_json(m.balance),
                "vat_rates": list(m.rates),
                "ranges": [_range_json(r) for r in m.ranges],
            }
            for m in report.months
        ],
        "total": {
            "invoices": _amounts_json(report.invoices),
            "credit_notes": _amounts_json(report.credit_notes),
            "balance": _amounts_json(report.balance),
            "vat_rates": list(report.rates),
        },
    }


VAT_CSV_COLUMNS = (
    "period",
    "line",
    "count",
    "net_cents",
    "vat_cents",
    "gross_cents",
    "net",
    "vat",
    "gross",
    "vat_rates",
    "first_number",
    "last_number",
)


def _csv_text(rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    # CRLF (RFC 4180): with "\n" the writer would not quote a cell holding a bare CR.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(rows)
    return out.getvalue()


def _amount_row(period: str, line: str, a: Amounts, rates: str) -> list[object]:
    return [
        period,
        line,
        a.count,
        a.net_cents,
        a.vat_cents,
        a.gross_cents,
        euros(a.net_cents),
        euros(a.vat_cents),
        euros(a.gross_cents),
        rates,
        "",
        "",
    ]


def vat_report_rows(report: VatReport) -> Iterator[list[object]]:
    """Per month: the invoices, the credit notes, the balance, then one row per
    series range; then the quarter's three totals."""
    yield list(VAT_CSV_COLUMNS)
    for m in report.months:
        period, rates = m.month.strftime("%Y-%m"), " ".join(map(str, m.rates))
        yield _amount_row(period, "invoices", m.invoices, rates)
        yield _amount_row(period, "credit_notes", m.credit_notes, rates)
        yield _amount_row(period, "balance", m.balance, rates)
        for r in m.ranges:
            yield [period, f"range_{r.kind.value}", r.count, *[""] * 7, r.first, r.last]
    rates = " ".join(map(str, report.rates))
    period = str(report.quarter)
    yield _amount_row(period, "invoices", report.invoices, rates)
    yield _amount_row(period, "credit_notes", report.credit_notes, rates)
    yield _amount_row(period, "balance", report.balance, rates)


def vat_report_csv(report: VatReport) -> str:
    return _csv_text(vat_report_rows(report))


def vat_report_text(report: VatReport) -> str:
    """The report as a table for a terminal."""
    q = report.quarter
    lines = [f"VAT report {q} ({q.first_day} to {q.last_day}, EUR)"]
    header = f"{'':<14}{'count':>7}{'net':>14}{'VAT':>14}{'gross':>14}"

    def row(label: str, a: Amounts) -> str:
        return (
            f"{label:<14}{a.count:>7}{euros(a.net_cents):>14}"
            f"{euros(a.vat_cents):>14}{euros(a.gross_cents):>14}"
        )

    for m in report.months:
        rates = ", ".join(f"{r} %" for r in m.rates) or "-"
        lines += ["", f"{m.month:%Y-%m}  VAT rates: {rates}", header]
        lines += [
            row("invoices", m.invoices),
            row("credit notes", m.credit_notes),
            row("balance", m.balance),
        ]
        for r in m.ranges:
            gap = "" if r.complete else "  GAP"
            lines.append(f"  {r.kind.value}: {r.first} .. {r.last} ({r.count}){gap}")
    rates = ", ".join(f"{r} %" for r in report.rates) or "-"
    lines += ["", f"{report.quarter}  VAT rates: {rates}", header]
    lines += [
        row("invoices", report.invoices),
        row("credit notes", report.credit_notes),
        row("balance", report.balance),
    ]
    return "\n".join(lines) + "\n"


DOCUMENT_COLUMNS = (
    "number",
    "kind",
    "issue_date",
    "recipient_name",
    "recipient_vat_number",
    "booking_id",
    "net_cents",
    "vat_cents",
    "gross_cents",
    "net",
    "vat",
    "gross",
    "vat_rate",
    "currency",
    "corrects",
    "payment_method",
)


def document_row(d: Document) -> list[object]:
    """One document as the report's row. Net, VAT and the rate are empty for
    documents without a VAT split (receipts and refund notes)."""
    split = d.kind in VAT_KINDS
    return [
        d.number,
        d.kind.value,
        issue_day(d).isoformat(),
        as_text(d.recipient.name),  # typed by users: never a formula
        as_text(d.recipient.vat_number or ""),
        "" if d.booking is None else str(d.booking.booking_id),
        d.net_cents if split else "",
        d.vat_cents if split else "",
        d.amount_cents,
        euros(d.net_cents) if split else "",
        euros(d.vat_cents) if split else "",
        euros(d.amount_cents),
        d.vat_rate_percent if split else "",
        d.currency,
        d.corrects or "",
        d.payment_method or "",
    ]


def documents_csv_header() -> str:
    return _csv_text([DOCUMENT_COLUMNS])


def documents_csv_rows(documents: Iterable[Document]) -> str:
    """CSV lines of these documents (no header), in the order given."""
    return _csv_text(document_row(d) for d in documents)
