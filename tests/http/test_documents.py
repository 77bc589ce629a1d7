"""Money documents through HTTP on PostgreSQL: issued by the due jobs, listed
for their recipient only, filtered, downloaded through the signed address;
the backfill issues nothing twice."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from tailtribe.domain.model.notifications import EmailKind
from tailtribe.entrypoints.worker.jobs import backfill_documents
from tests.http.payments_support import (
    admin,
    brussels,
    captured_booking,
    caregiver,
    emails_to,
    first_weekday_after,
    owner,
    run_at,
    run_due_jobs,
    sent_emails,
    set_clock,
)
from tests.support import Api

Json = dict[str, Any]
MONDAY = first_weekday_after(date(date.today().year + 1, 6, 1), 0)


async def listed(api: Api, headers: dict[str, str], query: str = "") -> Json:
    response = await api.client.get(f"/api/v1/documents{query}", headers=headers)
    assert response.status_code == 200, response.text
    found: Json = response.json()
    return found


async def test_a_captured_booking_gives_its_owner_a_receipt_to_download(
    api: Api, tmp_path: Path
) -> None:
    c = api.client
    boss = await admin(api)
    carer, pet_owner = await caregiver(api, boss.headers), await owner(api)
    start = brussels(MONDAY, 10)
    now = start - timedelta(days=2)
    booking = await captured_booking(api, carer, pet_owner, "dog_walking", start, now)
    await set_clock(c, now + timedelta(minutes=1))
    ran = await run_due_jobs(c)
    assert (ran["documents.issued"], ran["documents.sent"]) == (1, 1)
    assert (await run_due_jobs(c))["documents.issued"] == 0

    mine = await listed(api, pet_owner.headers)
    assert (mine["total"], mine["limit"], mine["offset"]) == (1, 20, 0)
    (receipt,) = mine["items"]
    total = booking["price"]["total"]["amount_cents"]
    assert receipt["kind"] == "receipt" and receipt["booking_id"] == booking["id"]
    assert receipt["number"] == f"TT-R-{now.year}-000001"
    assert (receipt["amount_cents"], receipt["net_cents"], receipt["vat_cents"]) == (total, 0, 0)
    assert receipt["corrects"] is None and receipt["currency"] == "EUR"
    # The signed address gives the file's bytes; unsigned or tampered, nothing.
    download = await c.get(receipt["download_url"])
    assert download.status_code == 200, download.text
    assert download.headers["content-type"].startswith("application/pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(download.content)).pages)
    assert receipt["number"] in text
    assert f"{total // 100},{total % 100:02d}" in text  # the amount, as printed
    tampered = receipt["download_url"].replace("signature=", "signature=0")
    assert (await c.get(tampered)).status_code in (403, 404)
    # The owner was told, once, in the owner's words, with the link.
    assert await api.email_count(EmailKind.DOCUMENT_RECEIPT.topic, pet_owner.user["id"]) == 1
    sent = await sent_emails(api, EmailKind.DOCUMENT_RECEIPT.value, pet_owner.user["id"])
    assert [p["document_id"] for p in sent] == [receipt["id"]]
    (message,) = [
        m
        for m in emails_to(tmp_path / "emails", pet_owner.email)
        if receipt["number"] in str(m["Subject"])
    ]
    assert str(message["Subject"]) == f"Your receipt {receipt['number']}"
    assert f"/account/documents/{receipt['id']}" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    # Filters, and bad ones named.
    assert (await listed(api, pet_owner.headers, "?kind=refund_note"))["total"] == 0
    assert (await listed(api, pet_owner.headers, f"?kind=receipt&year={now.year}"))["total"] == 1
    assert (await listed(api, pet_owner.headers, f"?year={now.year + 1}"))["total"] == 0
    for bad, field in (("?kind=invoice", "kind"), ("?year=1999", "year")):
        refused = await c.get(f"/api/v1/documents{bad}", headers=pet_owner.headers)
        assert refused.status_code == 400, refused.text
        assert field in refused.text

    # One's own only: the caregiver has none yet and cannot read the owner's.
    assert (await listed(api, carer.headers))["total"] == 0
    path = f"/api/v1/documents/{receipt['id']}"
    assert (await c.get(path, headers=carer.headers)).status_code == 404
    assert (await c.get(path, headers=boss.headers)).status_code == 404
    own = await c.get(path, headers=pet_owner.headers)
    assert own.status_code == 200 and own.json()["id"] == receipt["id"]

    # Admins list everyone's, by recipient and booking.
    everyone = await c.get(
        f"/api/v1/admin/documents?recipient_id={pet_owner.user['id']}&booking_id={booking['id']}",
        headers=boss.headers,
    )
    assert everyone.status_code == 200 and everyone.json()["total"] == 1
    assert (await c.get("/api/v1/admin/documents", headers=carer.headers)).status_code == 403
    by_booking = await c.get(
        f"/api/v1/admin/documents?booking_id={booking['id']}&kind=receipt", headers=boss.headers
    )
    assert by_booking.json()["total"] == 1
    assert (await c.get("/api/v1/admin/documents?limit=1", headers=boss.headers)).status_code == 200
    later = now.year + 1
    none = await c.get(f"/api/v1/admin/documents?year={later}", headers=boss.headers)
    assert none.json()["total"] == 0
    # Each admin read is in the audit trail, against each user whose documents
    # the page showed (an empty page: against the search); the refused read
    # (a caregiver's) never reached the use case.
    trail = await c.get("/api/v1/admin/audit?action=read_documents", headers=boss.headers)
    owner_id, booking_id = pet_owner.user["id"], booking["id"]
    assert [
        (e["actor_id"], e["object_type"], e["object_id"], e["outcome"])
        for e in reversed(trail.json()["items"])
    ] == [
        (
            boss.user["id"],
            "user",
            owner_id,
            f"read 1 document(s) (1-1 of 1; recipient {owner_id}; booking {booking_id})",
        ),
        (
            boss.user["id"],
            "user",
            owner_id,
            f"read 1 document(s) (1-1 of 1; booking {booking_id}; kind receipt)",
        ),
        (boss.user["id"], "user", owner_id, "read 1 document(s) (1-1 of 1)"),
        (boss.user["id"], "document", "all", f"read 0 document(s) (none of 0; year {later})"),
    ]

    # The owner's personal data export holds the document and its PDF.
    assert (await c.post("/api/v1/me/export", headers=pet_owner.headers)).status_code == 202
    assert (await run_due_jobs(c))["exports.built"] == 1
    [archive] = sorted((api.settings.media_dir / "private" / "exports").glob("*.zip"))
    with zipfile.ZipFile(archive) as opened:
        exported = json.loads(opened.read("documents.json"))
        assert opened.read(f"documents/{receipt['number']}.pdf") == download.content
    assert [(d["number"], d["amount_cents"], d["download_url"]) for d in exported] == [
        (receipt["number"], total, None)
    ]

    # The backfill finds nothing more to issue.
    assert await backfill_documents(api.container) == {
        "documents.issued": 0,
        "documents.statements": 0,
        "documents.sent": 0,
    }


async def test_a_caregivers_month_of_payouts_gives_them_one_statement(
    api: Api, tmp_path: Path
) -> None:
    c = api.client
    boss = await admin(api)
    carer, pet_owner = await caregiver(api, boss.headers), await owner(api)
    # A walk on the first Monday after 1 June next year, paid out 48 hours after it.
    start = brussels(MONDAY, 10)
    now = start - timedelta(days=2)
    await captured_booking(api, carer, pet_owner, "dog_walking", start, now)
    assert (await run_at(c, start + timedelta(hours=1, minutes=1)))["bookings.complete"] == 1
    paid = await run_at(c, start + timedelta(hours=49, minutes=2))
    assert paid["payments.payouts"] == 1 and paid["documents.statements"] == 0
    # Once the month has ended in Brussels, its statement, and only one.
    next_month = date(MONDAY.year + MONDAY.month // 12, MONDAY.month % 12 + 1, 1)
    assert (await run_at(c, brussels(next_month, 0, 5)))["documents.statements"] == 0
    ran = await run_at(c, brussels(next_month, 1, 5))  # the hour's grace is over
    assert (ran["documents.statements"], ran["documents.sent"]) == (1, 1)
    assert (await run_due_jobs(c))["documents.statements"] == 0

    statements = await listed(api, carer.headers, "?kind=statement")
    (statement,) = statements["items"]
    invoice = (await listed(api, carer.headers, "?kind=commission_invoice"))["items"][0]
    assert statement["number"] == f"TT-S-{next_month.year}-000001"
    assert statement["booking_id"] is None and statement["recipient_id"] == carer.user["id"]
    # What was paid out: the walk's total less the invoiced commission.
    (receipt,) = (await listed(api, pet_owner.headers, "?kind=receipt"))["items"]
    paid_out = receipt["amount_cents"] - invoice["amount_cents"]
    assert statement["amount_cents"] == paid_out > 0
    download = await c.get(statement["download_url"])
    assert download.status_code == 200, download.text
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(download.content)).pages)
    assert statement["number"] in text
    assert f"{paid_out // 100},{paid_out % 100:02d}" in text
    # The caregiver's only: the owner lists none and cannot read it.
    assert (await listed(api, pet_owner.headers, "?kind=statement"))["total"] == 0
    path = f"/api/v1/documents/{statement['id']}"
    assert (await c.get(path, headers=pet_owner.headers)).status_code == 404
    # Emailed once, in the caregiver's language, with its link.
    topic = EmailKind.DOCUMENT_STATEMENT.topic
    assert await api.email_count(topic, carer.user["id"]) == 1
    (message,) = [
        m
        for m in emails_to(tmp_path / "emails", carer.email)
        if statement["number"] in str(m["Subject"])
    ]
    assert str(message["Subject"]) == f"Your monthly statement {statement['number']}"
    assert f"/account/documents/{statement['id']}" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    # The backfill finds nothing more to issue.
    assert await backfill_documents(api.container) == {
        "documents.issued": 0,
        "documents.statements": 0,
        "documents.sent": 0,
    }
