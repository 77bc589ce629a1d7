"""The accountant's reports from issued documents: the quarter's VAT and the CSV list."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tailtribe.domain.errors import InvalidInput
from tailtribe.domain.model.accounting import (
    DOCUMENT_COLUMNS,
    Quarter,
    day_bounds,
    documents_csv_header,
    documents_csv_rows,
    euros,
    parse_period,
    parse_quarter,
    vat_report,
    vat_report_csv,
    vat_report_json,
    vat_report_text,
)
from tailtribe.domain.model.dac7_files import as_text
from tailtribe.domain.model.documents import (
    BookingFacts,
    Document,
    DocumentKind,
    Party,
    document_number,
    vat_split,
)
from tailtribe.domain.model.time import BRUSSELS

TODAY = date(2027, 6, 15)
ISSUER = Party("TailTribe BV", vat_number="BE0123456749")
KINDS = list(DocumentKind)[:4]  # those issued from the ledger (no statements)


def doc(
    kind: DocumentKind,
    sequence: int,
    issued_at: datetime,
    amount: int,
    rate: int = 21,
    name: str = "Lotte Peeters",
) -> Document:
    split = kind in (DocumentKind.COMMISSION_INVOICE, DocumentKind.CREDIT_NOTE)
    net, vat = vat_split(amount, rate) if split else (0, 0)
    year = issued_at.astimezone(BRUSSELS).year
    start = datetime(2027, 1, 1, 9, tzinfo=UTC)
    return Document(
        id=uuid4(),
        kind=kind,
        number=document_number(kind, year, sequence),
        year=year,
        sequence=sequence,
        issued_at=issued_at,
        language="nl",
        recipient_id=uuid4(),
        issuer=ISSUER,
        recipient=Party(name, vat_number="BE0417497106" if split else None),
        amount_cents=amount,
        net_cents=net,
        vat_cents=vat,
        vat_rate_percent=rate if split else 0,
        booking=BookingFacts(UUID(int=sequence), "dog_walking", start, start, "A", name, 2000),
        payment_method=None if split else "card",
        corrects="TT-2027-000001" if kind is DocumentKind.CREDIT_NOTE else None,
    )


@pytest.mark.parametrize(
    ("text", "quarter"),
    [("2027Q1", Quarter(2027, 1)), ("2027Q2", Quarter(2027, 2)), (" 2000Q4 ", Quarter(2000, 4))],
)
def test_a_quarter_is_read(text: str, quarter: Quarter) -> None:
    assert parse_quarter(text, TODAY) == quarter


@pytest.mark.parametrize(
    "text", ["", "2027", "2027Q0", "2027Q5", "2027q1", "27Q1", "2027-Q1", "1999Q4", "2027Q3"]
)
def test_anything_else_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_quarter(text, TODAY)
    assert [e.field for e in refused.value.errors] == ["quarter"]


def test_a_quarters_days() -> None:
    q = Quarter(2027, 1)
    assert q.months == (date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1))
    assert (q.first_day, q.last_day) == (date(2027, 1, 1), date(2027, 3, 31))
    assert Quarter(2028, 4).last_day == date(2028, 12, 31)


def test_the_days_begin_at_brussels_midnight() -> None:
    start, end = day_bounds(date(2027, 1, 1), date(2027, 3, 31))
    assert start == datetime(2026, 12, 31, 23, tzinfo=UTC)  # winter: UTC+1
    assert end == datetime(2027, 3, 31, 22, tzinfo=UTC)  # summer time from 28 March


@pytest.mark.parametrize(
    ("first", "last", "fields"),
    [
        ("2027-13-01", "2027-01-01", ["from"]),
        ("2027-01-01", "March", ["to"]),
        ("x", "y", ["from", "to"]),
        ("2027-02-01", "2027-01-31", ["to"]),
        ("1999-12-31", "2027-01-01", ["from"]),
    ],
)
def test_a_period_refuses_naming_each_field(first: str, last: str, fields: list[str]) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_period(first, last)
    assert [e.field for e in refused.value.errors] == fields


def test_a_period_of_one_day() -> None:
    assert parse_period("2027-01-01", "2027-01-01") == (date(2027, 1, 1), date(2027, 1, 1))


@given(st.integers(-(10**12), 10**12))
def test_euros_are_the_cents_with_a_dot(cents: int) -> None:
    text = euros(cents)
    whole, _, rest = text.partition(".")
    assert len(rest) == 2
    assert round(float(text) * 100) == cents or abs(cents) > 10**11
    assert int(whole.replace("-", "")) * 100 + int(rest) == abs(cents)


def test_the_month_follows_brussels_time() -> None:
    # 31 March 22:30 UTC is 1 April 00:30 in Brussels: the second quarter.
    late = doc(DocumentKind.COMMISSION_INVOICE, 1, datetime(2027, 3, 31, 22, 30, tzinfo=UTC), 121)
    # 31 December 23:30 UTC is 1 January in Brussels: the first quarter.
    early = doc(DocumentKind.COMMISSION_INVOICE, 1, datetime(2026, 12, 31, 23, 30, tzinfo=UTC), 242)
    q1 = vat_report(Quarter(2027, 1), [late, early])
    assert [m.invoices.gross_cents for m in q1.months] == [242, 0, 0]
    q2 = vat_report(Quarter(2027, 2), [late, early])
    assert [m.invoices.gross_cents for m in q2.months] == [121, 0, 0]


history = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.integers(0, 180 * 24 * 60),  # minutes into the half year
        st.integers(1, 500_000),
        st.sampled_from([21, 21, 6, 0]),
    ),
    max_size=40,
)
SINCE = datetime(2026, 12, 31, 23, tzinfo=UTC)  # 1 January 2027 in Brussels


def issue(plan: list[tuple[DocumentKind, int, int, int]]) -> list[Document]:
    """Numbered as the repository would: in order of issue, per kind and year."""
    last: dict[tuple[DocumentKind, int], int] = {}
    out = []
    for kind, minutes, amount, rate in sorted(plan, key=lambda p: p[1]):
        at = SINCE + timedelta(minutes=minutes)
        key = (kind, at.astimezone(BRUSSELS).year)
        last[key] = last.get(key, 0) + 1
        out.append(doc(kind, last[key], at, amount, rate))
    return out


@given(history, st.sampled_from([1, 2]))
def test_the_vat_report_adds_the_quarters_documents_up(
    plan: list[tuple[DocumentKind, int, int, int]], number: int
) -> None:
    documents = issue(plan)
    quarter = Quarter(2027, number)
    report = vat_report(quarter, documents)
    inside = [
        d
        for d in documents
        if quarter.first_day <= d.issued_at.astimezone(BRUSSELS).date() <= quarter.last_day
    ]
    invoices = [d for d in inside if d.kind is DocumentKind.COMMISSION_INVOICE]
    credits = [d for d in inside if d.kind is DocumentKind.CREDIT_NOTE]
    assert report.invoices.gross_cents == sum(d.amount_cents for d in invoices)
    assert report.credit_notes.gross_cents == sum(d.amount_cents for d in credits)
    assert report.balance.gross_cents == report.invoices.gross_cents - (
        report.credit_notes.gross_cents
    )
    assert (report.invoices.count, report.credit_notes.count) == (len(invoices), len(credits))
    assert report.rates == tuple(sorted({d.vat_rate_percent for d in invoices + credits}))
    for m in report.months:
        for a in (m.invoices, m.credit_notes, m.balance):
            assert a.net_cents + a.vat_cents == a.gross_cents
        # numbered without gaps: each month's ranges are complete, and follow on
        for r in m.ranges:
            assert r.complete
            assert r.kind in (DocumentKind.COMMISSION_INVOICE, DocumentKind.CREDIT_NOTE)
        counted = sum(r.count for r in m.ranges)
        assert counted == m.invoices.count + m.credit_notes.count
    ranges = [r for m in report.months for r in m.ranges]
    for kind in (DocumentKind.COMMISSION_INVOICE, DocumentKind.CREDIT_NOTE):
        mine = [r for r in ranges if r.kind is kind]
        for before, after in pairwise(mine):
            assert after.first_sequence == before.last_sequence + 1
    assert sum(m.balance.vat_cents for m in report.months) == report.balance.vat_cents
    as_json = vat_report_json(report)
    assert as_json["total"]["balance"]["gross_cents"] == report.balance.gross_cents
    assert str(quarter) in vat_report_text(report)


def test_a_gap_shows() -> None:
    at = datetime(2027, 2, 3, 10, tzinfo=UTC)
    kind = DocumentKind.COMMISSION_INVOICE
    report = vat_report(Quarter(2027, 1), [doc(kind, 1, at, 121), doc(kind, 3, at, 121)])
    [r] = report.months[1].ranges
    assert (r.first, r.last, r.count, r.complete) == ("TT-2027-000001", "TT-2027-000003", 2, False)
    assert "GAP" in vat_report_text(report)


@given(history)
def test_the_vat_csv_parses_back_and_sums_right(
    plan: list[tuple[DocumentKind, int, int, int]],
) -> None:
    report = vat_report(Quarter(2027, 1), issue(plan))
    rows = list(csv.DictReader(io.StringIO(vat_report_csv(report))))
    months = {f"{m:%Y-%m}" for m in Quarter(2027, 1).months}
    for line, total in (
        ("invoices", report.invoices),
        ("credit_notes", report.credit_notes),
        ("balance", report.balance),
    ):
        mine = [r for r in rows if r["line"] == line and r["period"] in months]
        assert sum(int(r["vat_cents"]) for r in mine) == total.vat_cents
        assert sum(int(r["gross_cents"]) for r in mine) == total.gross_cents
        [quarter_row] = [r for r in rows if r["line"] == line and r["period"] == "2027Q1"]
        assert int(quarter_row["net_cents"]) == total.net_cents
        assert quarter_row["net"] == euros(total.net_cents)


@given(history, st.sampled_from(["", "=cmd", 'Jan "the dog", Gent', "Zoë\nÉlise"]))
def test_the_documents_csv_parses_back_and_sums_right(
    plan: list[tuple[DocumentKind, int, int, int]], name: str
) -> None:
    documents = [replace(d, recipient=Party(name or "X")) for d in issue(plan)]
    text = documents_csv_header() + documents_csv_rows(documents)
    assert tuple(next(csv.reader(io.StringIO(text)))) == DOCUMENT_COLUMNS
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(documents)
    for row, d in zip(rows, documents, strict=True):
        assert row["number"] == d.number and row["kind"] == d.kind.value
        assert row["recipient_name"] == as_text(name or "X")
        assert int(row["gross_cents"]) == d.amount_cents
        assert row["gross"] == euros(d.amount_cents)
        assert row["issue_date"] == d.issued_at.astimezone(BRUSSELS).date().isoformat()
        if d.kind in (DocumentKind.COMMISSION_INVOICE, DocumentKind.CREDIT_NOTE):
            assert int(row["net_cents"]) + int(row["vat_cents"]) == d.amount_cents
            assert row["vat_rate"] == str(d.vat_rate_percent)
        else:
            assert row["net_cents"] == row["vat_cents"] == row["vat_rate"] == ""
    for kind in KINDS:
        assert sum(int(r["gross_cents"]) for r in rows if r["kind"] == kind.value) == sum(
            d.amount_cents for d in documents if d.kind is kind
        )


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://x")', "+32 1", "-1+1", "@SUM(A1)", "\tx", "a\rb"]
)
def test_a_name_that_would_start_a_formula_stays_text(name: str) -> None:
    d = replace(
        doc(DocumentKind.RECEIPT, 1, datetime(2027, 2, 1, 9, tzinfo=UTC), 100),
        recipient=Party(name),
    )
    [row] = list(csv.DictReader(io.StringIO(documents_csv_header() + documents_csv_rows([d]))))
    cell = row["recipient_name"]
    assert cell == (name if name[0] not in "=+-@\t" else "'" + name)
    assert cell[0] not in "=+-@\t" and row["number"] == d.number  # one row, columns intact
