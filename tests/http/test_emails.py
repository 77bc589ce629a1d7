"""Emails through HTTP: test mode sends what is due; admins see and retry failed ones."""

from __future__ import annotations

import email
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailtribe.adapters.sqlalchemy.tables import OutboxRow, UserRow
from tailtribe.domain.model.masking import MASK
from tests.conftest import empty_database
from tests.factories import marketplace, next_monday, walk
from tests.http.conftest import ClientFactory, api_for
from tests.http.test_test_mode import TEST_MODE
from tests.support import Api, payment_event


def emails_in(folder: Path) -> list[EmailMessage]:
    return [
        email.message_from_bytes(p.read_bytes(), policy=default)
        for p in sorted(folder.glob("*.eml"))
    ]


async def test_run_due_jobs_sends_the_verification_email_in_the_users_language(
    pg_url: str, make_client: ClientFactory, tmp_path: Path
) -> None:
    await (await empty_database(pg_url)).get_engine().dispose()
    async with make_client(database_url=pg_url, **TEST_MODE) as client:
        api = api_for(client)
        user = await api.register("marie@example.be", locale="fr", full_name="Marie")
        ran = (await client.post("/api/v1/test/run-due-jobs")).json()["ran"]
        assert ran["outbox.due"] == 1 and ran["outbox.sent"] == 1
        again = (await client.post("/api/v1/test/run-due-jobs")).json()["ran"]
        assert again["outbox.sent"] == 0
        [message] = emails_in(tmp_path / "emails")
        assert message["To"] == "marie@example.be"
        assert message["Subject"] == "Confirmez votre adresse e-mail"
        text = message.get_body(("plain",))
        assert text is not None
        token = await api.email_token("email.verify_email", user["id"])
        assert f"/verify-email?token={token}" in text.get_content()
        assert "Bonjour Marie," in text.get_content()
        await api.container.close()


async def _fail_every_email(api: Api) -> None:
    factory = await api.container.get(async_sessionmaker[AsyncSession])
    async with factory() as session:
        await session.execute(
            update(OutboxRow).values(status="failed", attempts=8, last_error="provider down")
        )
        await session.commit()


async def test_a_name_saved_before_the_rules_is_masked_in_a_booking_request_email(
    pg_url: str, make_client: ClientFactory, tmp_path: Path
) -> None:
    await (await empty_database(pg_url)).get_engine().dispose()
    async with make_client(database_url=pg_url, **TEST_MODE) as client:
        api = api_for(client)
        profile, _, owner, _, pet = await marketplace(api)
        me = (await client.get("/api/v1/me", headers=owner)).json()
        factory = await api.container.get(async_sessionmaker[AsyncSession])
        async with factory() as session, session.begin():
            await session.execute(
                update(UserRow).where(UserRow.id == me["id"]).values(full_name="An 0470123456")
            )
        body = walk(profile, pet, next_monday(10))
        booking = (await client.post("/api/v1/bookings", json=body, headers=owner)).json()
        held = payment_event(  # the caregiver hears of a request once the card is held
            "payment_intent.amount_capturable_updated",
            booking["payment"]["payment_intent_id"],
            booking["price"]["total"]["amount_cents"],
        )
        assert await api.webhook(held) == 200
        await client.post("/api/v1/test/run-due-jobs")
        subjects = [m["Subject"] for m in emails_in(tmp_path / "emails")]
        assert f"Nieuwe boekingsaanvraag van An {MASK}" in subjects, subjects


async def test_admins_list_failed_emails_and_send_them_again(api: Api) -> None:
    c = api.client
    admin = await api.new_admin()
    user, user_auth = await api.new_user()
    await _fail_every_email(api)

    failed = await c.get("/api/v1/admin/outbox", params={"status": "failed"}, headers=admin)
    assert failed.status_code == 200
    mine = [m for m in failed.json()["items"] if m["user_id"] == user["id"]]
    assert len(mine) == 1
    row = mine[0]
    assert row["topic"] == "email.verify_email" and row["attempts"] == 8
    assert row["last_error"] == "provider down" and "payload" not in row

    retried = await c.post(f"/api/v1/admin/outbox/{row['id']}/retry", headers=admin)
    assert retried.status_code == 200
    assert retried.json()["status"] == "pending" and retried.json()["attempts"] == 0
    again = await c.post(f"/api/v1/admin/outbox/{row['id']}/retry", headers=admin)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")

    unknown = "0190f1f0-0000-7000-8000-000000000000"
    assert (await c.post(f"/api/v1/admin/outbox/{unknown}/retry", headers=admin)).status_code == 404
    assert (await c.get("/api/v1/admin/outbox", headers=user_auth)).status_code == 403
    assert (await c.get("/api/v1/admin/outbox")).status_code == 401
    bad = await c.get("/api/v1/admin/outbox", params={"status": "lost"}, headers=admin)
    assert bad.status_code == 400
