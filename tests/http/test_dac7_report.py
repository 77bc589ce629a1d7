"""The DAC7 report over HTTP on PostgreSQL: admins only, a named file, audited."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from xml.etree import ElementTree as ET

from tailtribe.domain.model.dac7_files import DPI
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
    payout_of,
    run_at,
    set_clock,
)
from tests.support import Api

YEAR = date.today().year + 1
MONDAY = first_weekday_after(date(YEAR, 3, 1), 0)
WALK = PRICES["dog_walking"]
PATH = "/api/v1/admin/reports/dac7"


async def test_admins_get_the_years_report_as_xml_or_csv(api: Api) -> None:
    c = api.client
    boss = await admin(api)
    carer, pet_owner = await caregiver(api, boss.headers), await owner(api)
    start = brussels(MONDAY, 10)
    booking = await captured_booking(
        api, carer, pet_owner, "dog_walking", start, start - timedelta(days=2)
    )
    # done at 11:00, paid out once the 48 hours have passed: in the first quarter
    await run_at(c, start + timedelta(hours=1, minutes=1))
    assert (await run_at(c, start + timedelta(days=2, hours=2)))["payments.payouts"] == 1
    await set_clock(c, brussels(date(YEAR + 1, 1, 2), 9))

    xml = await c.get(PATH, params={"year": YEAR}, headers=boss.headers)
    assert xml.status_code == 200, xml.text
    assert xml.headers["content-type"].startswith("application/xml")
    assert xml.headers["content-disposition"] == f'attachment; filename="dac7-{YEAR}.xml"'
    root = ET.fromstring(xml.content)
    ns = {"dpi": DPI}
    assert root.findtext("dpi:MessageSpec/dpi:ReportingPeriod", namespaces=ns) == f"{YEAR}-12-31"
    [seller] = root.findall("dpi:DPIBody/dpi:ReportableSeller", ns)
    assert seller.findtext(".//dpi:NumbQ1", namespaces=ns) == "1"
    assert seller.findtext(".//dpi:ConsQ1", namespaces=ns) == str(round(payout_of(WALK) / 100))
    tin = seller.find(".//dpi:TIN", ns)
    assert tin is not None and tin.get("unknown") == "true"  # no due-diligence data given

    got = await c.get(PATH, params={"year": YEAR, "format": "csv"}, headers=boss.headers)
    assert got.status_code == 200
    assert got.headers["content-type"] == "text/csv; charset=utf-8"
    assert got.headers["content-disposition"] == f'attachment; filename="dac7-{YEAR}.csv"'
    [row] = list(csv.DictReader(io.StringIO(got.text)))
    assert row["caregiver_id"] == carer.profile["id"] and row["complete"] == "false"
    assert row["consideration_q1_cents"] == str(payout_of(WALK))
    assert row["fees_q1_cents"] == str(commission_of(WALK))
    assert booking["id"]

    for headers in (carer.headers, pet_owner.headers):
        assert_problem(await c.get(PATH, params={"year": YEAR}, headers=headers), 403)
    assert (await c.get(PATH, params={"year": YEAR})).status_code == 401
    refused = await c.get(PATH, params={"year": 2022}, headers=boss.headers)
    assert_problem(refused, 422)
    assert refused.json()["errors"][0]["field"] == "year"
    assert_problem(await c.get(PATH, params={"year": YEAR + 2}, headers=boss.headers), 422)
    bad = await c.get(PATH, params={"year": YEAR, "format": "pdf"}, headers=boss.headers)
    assert bad.status_code in (400, 422)

    trail = await c.get("/api/v1/admin/audit?action=read_dac7_report", headers=boss.headers)
    assert [(e["object_id"], e["outcome"]) for e in trail.json()["items"]] == [
        (f"dac7:{YEAR + 2}", f"refused: a year from 2023 to {YEAR + 1}"),
        ("dac7:2022", f"refused: a year from 2023 to {YEAR + 1}"),
        (f"dac7:{YEAR}", "read 1 sellers, 1 without due-diligence data"),
        (f"dac7:{YEAR}", "read 1 sellers, 1 without due-diligence data"),
    ]


async def test_the_document_declares_both_files(api: Api) -> None:
    doc = (await api.client.get("/schema/openapi.json")).json()
    ok = doc["paths"][PATH]["get"]["responses"]["200"]
    assert set(ok["content"]) == {"application/xml", "text/csv"}
    assert "Content-Disposition" in ok["headers"]
