"""Optional emails through HTTP on PostgreSQL: the settings, suppression by the
outbox relay's sending, and the one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID, uuid4

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailtribe.adapters.security.unsubscribe_tokens import HmacUnsubscribeTokens
from tailtribe.adapters.sqlalchemy.tables import OutboxRow
from tailtribe.config import Settings
from tailtribe.domain.model.notifications import OptionalEmails
from tailtribe.entrypoints.http.app import create_app
from tailtribe.ioc import make_container
from tests.conftest import empty_database
from tests.factories import marketplace, next_monday, requested_walk
from tests.http.conftest import ClientFactory, api_for
from tests.http.test_conversations import inquire, say
from tests.http.test_emails import emails_in
from tests.http.test_test_mode import TEST_MODE
from tests.resend_standin import API_KEY, resend_standin_in_thread
from tests.support import Api, CheapHashing

ON = {"booking_reminders": True, "unread_messages": True}
SETTINGS = "/api/v1/me/notifications"
ONE_CLICK = {"Content-Type": "application/x-www-form-urlencoded"}


async def settings_of(client: AsyncTestClient[Litestar], headers: dict[str, str]) -> Any:
    response = await client.get(SETTINGS, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def turn(client: AsyncTestClient[Litestar], headers: dict[str, str], **changed: bool) -> None:
    response = await client.put(SETTINGS, json={**ON, **changed}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == {**ON, **changed}


async def rows(api: Api, topic: str) -> dict[str, str]:
    """Each recipient's `topic` row status (one row each in these tests)."""
    factory = await api.container.get(async_sessionmaker[AsyncSession])
    async with factory() as session:
        found = await session.scalars(select(OutboxRow).where(OutboxRow.topic == topic))
        return {r.payload["user_id"]: r.status for r in found}


def unsubscribe_address(message: EmailMessage) -> str:
    """The path and query of the List-Unsubscribe address, for the test client."""
    header = str(message["List-Unsubscribe"])
    assert header.startswith("<") and header.endswith(">"), header
    url = urlsplit(header[1:-1])
    assert url.path == "/api/v1/unsubscribe"
    return f"{url.path}?{url.query}"


def to(folder: Path, address: str) -> list[EmailMessage]:
    return [m for m in emails_in(folder) if m["To"] == address]


async def test_settings_are_on_by_default_and_change_with_both_fields(api: Api) -> None:
    c = api.client
    _, user = await api.new_user()
    assert await settings_of(c, user) == ON
    await turn(c, user, booking_reminders=False)
    assert await settings_of(c, user) == {**ON, "booking_reminders": False}
    for bad in (
        {"booking_reminders": True},  # both fields, always
        {**ON, "newsletter": False},  # unknown
        {"booking_reminders": "no", "unread_messages": True},
    ):
        refused = await c.put(SETTINGS, json=bad, headers=user)
        assert refused.status_code == 400, (bad, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert await settings_of(c, user) == {**ON, "booking_reminders": False}  # nothing changed
    assert (await c.get(SETTINGS)).status_code == 401
    assert (await c.put(SETTINGS, json=ON)).status_code == 401


async def test_unread_message_emails_follow_the_setting_and_unsubscribe_in_one_click(
    pg_url: str, make_client: ClientFactory, tmp_path: Path
) -> None:
    await (await empty_database(pg_url)).get_engine().dispose()
    folder = tmp_path / "emails"
    async with make_client(database_url=pg_url, **TEST_MODE) as client:
        api = api_for(client)
        profile, caregiver, owner, _, _ = await marketplace(api)
        owner_me = (await client.get("/api/v1/me", headers=owner)).json()
        carer_me = (await client.get("/api/v1/me", headers=caregiver)).json()
        t0 = datetime(2027, 5, 3, 8, 0, tzinfo=UTC)

        async def at(minutes: int) -> dict[str, int]:
            now = (t0 + timedelta(minutes=minutes)).isoformat()
            assert (await client.put("/api/v1/test/clock", json={"now": now})).status_code == 200
            ran: dict[str, int] = (await client.post("/api/v1/test/run-due-jobs")).json()["ran"]
            return ran

        await at(0)
        await turn(client, caregiver, unread_messages=False)
        cid = (await inquire(api, profile, owner, "Ben je vrij?"))["id"]
        assert (await at(15))["messages.unread"] == 1  # queued, then not sent
        assert await rows(api, "email.message_unread") == {carer_me["id"]: "suppressed"}
        # Nothing that can be turned off (the DAC7 request to give tax details cannot).
        assert [m for m in to(folder, carer_me["email"]) if m["List-Unsubscribe"]] == []

        await say(api, cid, caregiver, "Ja, ik ben vrij")
        await at(31)
        statuses = await rows(api, "email.message_unread")
        assert statuses == {carer_me["id"]: "suppressed", owner_me["id"]: "sent"}
        [message] = to(folder, owner_me["email"])
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        address = unsubscribe_address(message)
        text, html = message.get_body(("plain",)), message.get_body(("html",))
        assert text is not None and html is not None
        assert address in text.get_content() and "Uitschrijven" in text.get_content()
        assert address.replace("&", "&amp;") in html.get_content()

        # A link scanner's GET changes nothing; the page asks, in Dutch.
        page = await client.get(address)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert '<html lang="nl">' in page.text and '<form method="post"' in page.text
        assert "<script" not in page.text
        assert await settings_of(client, owner) == ON

        # The mailbox provider's one-click POST, without signing in; again is the same.
        done = await client.post(address, content=b"List-Unsubscribe=One-Click", headers=ONE_CLICK)
        assert done.status_code == 200, done.text
        assert "ongelezen berichten" in done.text
        assert await settings_of(client, owner) == {**ON, "unread_messages": False}
        assert (await client.post(address)).status_code == 200  # the page's button: no body
        assert await settings_of(client, owner) == {**ON, "unread_messages": False}
        after = await client.get(address)
        assert after.status_code == 200 and "<form" not in after.text  # says it is done

        await say(api, cid, caregiver, "Nog een vraag")
        await at(60)
        assert len(to(folder, owner_me["email"])) == 1  # no new email to the owner
        await api.container.close()


async def test_booking_reminders_follow_the_setting(
    pg_url: str, make_client: ClientFactory, tmp_path: Path
) -> None:
    await (await empty_database(pg_url)).get_engine().dispose()
    folder = tmp_path / "emails"
    async with make_client(database_url=pg_url, **TEST_MODE) as client:
        api = api_for(client)
        profile, caregiver, owner, admin, pet = await marketplace(api)
        owner_me = (await client.get("/api/v1/me", headers=owner)).json()
        carer_me = (await client.get("/api/v1/me", headers=caregiver)).json()
        start = next_monday(10)
        booking = await requested_walk(api, profile, pet, owner, start)
        await api.authorize_and_accept(booking, caregiver)
        await client.post("/api/v1/test/run-due-jobs")  # the acceptance's emails go now
        essential = to(folder, owner_me["email"])
        assert essential and all(m["List-Unsubscribe"] is None for m in essential)

        await turn(client, owner, booking_reminders=False)
        now = (start - timedelta(hours=23)).isoformat()
        assert (await client.put("/api/v1/test/clock", json={"now": now})).status_code == 200
        await client.post("/api/v1/test/run-due-jobs")
        statuses = await rows(api, "email.booking_reminder")
        assert statuses == {owner_me["id"]: "suppressed", carer_me["id"]: "sent"}
        assert len(to(folder, owner_me["email"])) == len(essential)  # nothing new
        listed = await client.get(
            "/api/v1/admin/outbox", params={"status": "suppressed"}, headers=admin
        )
        assert [(m["topic"], m["user_id"]) for m in listed.json()["items"]] == [
            ("email.booking_reminder", owner_me["id"])
        ]
        [reminder] = [m for m in to(folder, carer_me["email"]) if m["List-Unsubscribe"]]
        query = parse_qs(urlsplit(unsubscribe_address(reminder)).query)
        tokens = HmacUnsubscribeTokens(api.settings.secret_key)
        assert tokens.read(query["token"][0]) == (UUID(carer_me["id"]), OptionalEmails.REMINDERS)
        await api.container.close()


async def test_a_forged_or_altered_token_is_refused_and_changes_nothing(api: Api) -> None:
    c = api.client
    user, headers = await api.new_user()
    genuine = HmacUnsubscribeTokens(api.settings.secret_key)
    user_id = UUID(user["id"])
    user_hex, category, mac = genuine.issue(user_id, OptionalEmails.MESSAGES).split(".")
    someone_else = genuine.issue(uuid4(), OptionalEmails.MESSAGES)
    forged = [
        HmacUnsubscribeTokens("another-key-" * 4).issue(user_id, OptionalEmails.MESSAGES),
        f"{user_hex}.reminders.{mac}",  # the other category under this one's signature
        f"{user_hex}.{category}.{mac[:-1]}",
        f"{user_hex}.{category}",
        someone_else,  # genuine, but for no account
        "x" * 201,
        "garbage",
    ]
    for token in forged:
        for method in ("GET", "POST"):
            response = await c.request(method, "/api/v1/unsubscribe", params={"token": token})
            assert response.status_code == 400, (token, method, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
    assert (await c.post("/api/v1/unsubscribe")).status_code == 400  # no token at all
    assert await settings_of(c, headers) == ON


async def test_the_one_click_headers_reach_resend(pg_url: str, tmp_path: Path) -> None:
    """The real Resend adapter, against the stand-in: the unread-message email
    carries both headers in Resend's `headers` field; the essential ones none."""
    await (await empty_database(pg_url)).get_engine().dispose()
    with resend_standin_in_thread() as resend:
        env = {
            "TAILTRIBE_ENV": "test",
            "DATABASE_URL": pg_url,
            "RESEND_API_KEY": API_KEY,
            "RESEND_API_URL": resend.url,
            "TAILTRIBE_DATA_DIR": str(tmp_path),
            "APP_URL": "https://app.tailtribe.test",
        }
        settings = replace(
            Settings.from_env(env),
            rate_limit_per_minute=100_000,
            auth_rate_limit_per_minute=100_000,
        )
        app = create_app(settings, make_container(settings, CheapHashing()))
        app.state["settings"] = settings
        async with AsyncTestClient(app=app) as client:
            api = api_for(client)
            profile, caregiver, owner, _, _ = await marketplace(api)
            carer_me = (await client.get("/api/v1/me", headers=caregiver)).json()
            await client.post("/api/v1/test/run-due-jobs")  # the sign-up emails
            essential = list(resend.calls)
            now = datetime.now(UTC)
            await client.put("/api/v1/test/clock", json={"now": now.isoformat()})
            await inquire(api, profile, owner, "Ben je vrij?")
            later = (now + timedelta(minutes=16)).isoformat()
            await client.put("/api/v1/test/clock", json={"now": later})
            assert (await client.post("/api/v1/test/run-due-jobs")).json()["ran"][
                "outbox.sent"
            ] == 1
            [call] = resend.calls[len(essential) :]
            assert call["body"]["to"] == [carer_me["email"]]
            headers = call["body"]["headers"]
            assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            url = urlsplit(headers["List-Unsubscribe"].strip("<>"))
            assert url.scheme == "https" and url.netloc == "app.tailtribe.test"
            assert url.path == "/api/v1/unsubscribe" and url.query in call["body"]["text"]
            assert essential and all("headers" not in c["body"] for c in essential)
            one_click = await client.post(
                f"{url.path}?{url.query}", content=b"List-Unsubscribe=One-Click", headers=ONE_CLICK
            )
            assert one_click.status_code == 200
            assert await settings_of(client, caregiver) == {**ON, "unread_messages": False}
            await api.container.close()
