"""The VAT and documents reports over HTTP on PostgreSQL: admins only, JSON or
named CSV files that parse back, 422 naming the field, audited."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from tests.http.payments_support import (
    PRICES,
    admin,
    assert_problem,
    brussels,
    captured_booking,
    caregiver,
    commission_of,
    first_weekday_after,
    owner,
    run_at,
    set_clock,
)
from tests.support import Api

YEAR = date.today().year + 1
MONDAY = first_weekday_after(date(YEAR, 3, 1), 0)
WALK = PRICES["dog_walking"]
VAT = "/api/v1/admin/reports/vat"
DOCUMENTS = "/api/v1/admin/reports/documents"


async def test_admins_read_the_quarters_vat_and_its_documents(api: Api) -> None:
    c = api.client
    boss = await admin(api)
    carer, pet_owner = await caregiver(api, boss.headers), await owner(api)
    start = brussels(MONDAY, 10)
    await captured_booking(api, carer, pet_owner, "dog_walking", start, start - timedelta(days=2))
    await run_at(c, start + timedelta(hours=1, minutes=1))  # done: the receipt is issued
    jobs = await run_at(c, start + timedelta(days=2, hours=2))  # paid out: the invoice
    assert jobs["payments.payouts"] == 1
    await set_clock(c, brussels(date(YEAR, 4, 2), 9))
    quarter = f"{YEAR}Q1"
    commission = commission_of(WALK)

    got = await c.get(VAT, params={"quarter": quarter}, headers=boss.headers)
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("application/json")
    body = got.json()
    assert body["quarter"] == quarter and body["from"] == f"{YEAR}-01-01"
    march = body["months"][2]
    assert march["month"] == f"{YEAR}-03"
    assert march["invoices"]["gross_cents"] == commission
    assert march["invoices"]["count"] == 1 and march["credit_notes"]["count"] == 0
    balance = march["balance"]
    assert balance["net_cents"] + balance["vat_cents"] == balance["gross_cents"] == commission
    assert march["vat_rates"] == [21]
    assert march["ranges"] == [
        {
            "kind": "commission_invoice",
            "year": YEAR,
            "first": f"TT-{YEAR}-000001",
            "last": f"TT-{YEAR}-000001",
            "count": 1,
            "complete": True,
        }
    ]
    assert body["total"]["balance"]["gross"] == f"{commission // 100}.{commission % 100:02d}"

    as_csv = await c.get(VAT, params={"quarter": quarter, "format": "csv"}, headers=boss.headers)
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert as_csv.headers["content-disposition"] == f'attachment; filename="vat-{quarter}.csv"'
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    [total] = [r for r in rows if r["period"] == quarter and r["line"] == "balance"]
    assert int(total["gross_cents"]) == commission

    listing = await c.get(
        DOCUMENTS, params={"from": f"{YEAR}-01-01", "to": f"{YEAR}-03-31"}, headers=boss.headers
    )
    assert listing.status_code == 200
    assert listing.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        listing.headers["content-disposition"]
        == f'attachment; filename="documents-{YEAR}-01-01-{YEAR}-03-31.csv"'
    )
    documents = list(csv.DictReader(io.StringIO(listing.text)))
    assert [(d["kind"], d["number"]) for d in documents] == [
        ("commission_invoice", f"TT-{YEAR}-000001"),
        ("receipt", f"TT-R-{YEAR}-000001"),
    ]
    invoice, receipt = documents
    assert int(invoice["net_cents"]) + int(invoice["vat_cents"]) == int(invoice["gross_cents"])
    assert int(receipt["gross_cents"]) == WALK and receipt["payment_method"] == "card"
    assert all(d["issue_date"].startswith(f"{YEAR}-03-") for d in documents)
    assert invoice["recipient_name"] and invoice["booking_id"] == receipt["booking_id"]
    empty = await c.get(
        DOCUMENTS, params={"from": f"{YEAR}-01-01", "to": f"{YEAR}-01-31"}, headers=boss.headers
    )
    assert len(list(csv.DictReader(io.StringIO(empty.text)))) == 0

    for headers in (carer.headers, pet_owner.headers):
        assert_problem(await c.get(VAT, params={"quarter": quarter}, headers=headers), 403)
        period = {"from": f"{YEAR}-01-01", "to": f"{YEAR}-03-31"}
        assert_problem(await c.get(DOCUMENTS, params=period, headers=headers), 403)
    assert (await c.get(VAT, params={"quarter": quarter})).status_code == 401

    for bad in (f"{YEAR}Q3", "Q1", f"{YEAR}-Q1"):
        refused = await c.get(VAT, params={"quarter": bad}, headers=boss.headers)
        assert_problem(refused, 422)
        assert [e["field"] for e in refused.json()["errors"]] == ["quarter"]
    for period, fields in (
        ({"from": "2027-13-01", "to": f"{YEAR}-01-01"}, ["from"]),
        ({"from": f"{YEAR}-02-01", "to": f"{YEAR}-01-01"}, ["to"]),
        ({"from": "x", "to": "y"}, ["from", "to"]),
    ):
        refused = await c.get(DOCUMENTS, params=period, headers=boss.headers)
        assert_problem(refused, 422)
        assert [e["field"] for e in refused.json()["errors"]] == fields

    trail = await c.get("/api/v1/admin/audit?action=read_vat_report", headers=boss.headers)
    outcomes = [(e["object_id"], e["outcome"][:8]) for e in trail.json()["items"]]
    assert outcomes[-2:] == [(f"vat:{quarter}", "read 1 i"), (f"vat:{quarter}", "read 1 i")]
    assert len(outcomes) == 5
    trail = await c.get("/api/v1/admin/audit?action=read_documents_report", headers=boss.headers)
    assert len(trail.json()["items"]) == 5


async def test_the_document_declares_the_answers(api: Api) -> None:
    doc = (await api.client.get("/schema/openapi.json")).json()
    vat = doc["paths"][VAT]["get"]
    assert set(vat["responses"]["200"]["content"]) == {"application/json", "text/csv"}
    assert "$ref" in str(vat["responses"]["200"]["content"]["application/json"]["schema"])
    assert "422" in vat["responses"]
    listing = doc["paths"][DOCUMENTS]["get"]
    assert set(listing["responses"]["200"]["content"]) == {"text/csv"}
    assert "Content-Disposition" in listing["responses"]["200"]["headers"]
    assert {p["name"] for p in listing["parameters"]} >= {"from", "to"}
