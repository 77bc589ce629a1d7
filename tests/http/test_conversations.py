"""Conversations through HTTP on PostgreSQL: inquiries, paging, unread counts
and read markers, who sees what, masking until an accepted booking, photos,
the send limit and the unread email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailtribe.adapters.sqlalchemy.database import downgrade, make_db_config, upgrade
from tailtribe.adapters.sqlalchemy.tables import (
    BookingRow,
    CaregiverRow,
    ConversationRow,
    OutboxRow,
    UserRow,
)
from tailtribe.domain.model.conversations import SENDS_PER_MINUTE
from tailtribe.domain.model.masking import MASK
from tailtribe.domain.ports.storage import UnitOfWork
from tests.adapters.test_images import picture
from tests.conftest import SQL_BACKENDS, empty_database, in_thread, sql_url
from tests.factories import marketplace, next_monday, requested_walk, walk
from tests.http.conftest import ClientFactory, api_for
from tests.http.test_emails import emails_in
from tests.http.test_photos import upload
from tests.http.test_test_mode import TEST_MODE
from tests.support import Api

CONTACT = "bel 0470 12 34 56 of mail an@example.be, zie www.an-hond.be"
MASKED = f"bel {MASK} of mail {MASK}, zie {MASK}"


async def inquire(api: Api, profile: dict[str, Any], owner: dict[str, str], body: str) -> Any:
    response = await api.client.post(
        "/api/v1/conversations",
        json={"caregiver_id": profile["id"], "body": body},
        headers=owner,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def say(api: Api, conversation_id: str, headers: dict[str, str], body: str) -> Any:
    response = await api.client.post(
        f"/api/v1/conversations/{conversation_id}/messages", json={"body": body}, headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def conversations(api: Api, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await api.client.get("/api/v1/conversations", headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_an_inquiry_paging_unread_counts_and_read_markers(api: Api) -> None:
    profile, caregiver, owner, _, _ = await marketplace(api)
    c = api.client
    first = await inquire(api, profile, owner, "Hallo! Neem je ook katten?")
    assert first["caregiver_id"] == profile["id"] and first["unread_count"] == 0
    assert first["last_message"]["body"] == "Hallo! Neem je ook katten?"
    assert first["caregiver_name"] == "Sofie's Dog Care" and not first["contacts_shared"]
    again = await inquire(api, profile, owner, "En konijnen?")  # the same pair: the same one
    assert again["id"] == first["id"]
    cid = first["id"]

    [seen] = await conversations(api, caregiver)
    assert seen["id"] == cid and seen["unread_count"] == 2
    assert seen["last_message"]["body"] == "En konijnen?"
    posted = [await say(api, cid, caregiver, f"antwoord {i}") for i in range(5)]
    assert (await conversations(api, caregiver))[0]["unread_count"] == 0  # answering reads
    assert (await conversations(api, owner))[0]["unread_count"] == 5

    # Newest first, in pages that neither skip nor repeat.
    pages, before = [], None
    while True:
        query = "?limit=3" + (f"&before={before}" if before else "")
        page = (await c.get(f"/api/v1/conversations/{cid}/messages{query}", headers=owner)).json()
        pages.append([m["body"] for m in page["items"]])
        before = page["next_before"]
        if before is None:
            break
    assert pages == [
        ["antwoord 4", "antwoord 3", "antwoord 2"],
        ["antwoord 1", "antwoord 0", "En konijnen?"],
        ["Hallo! Neem je ook katten?"],
    ]

    read = c.post(
        f"/api/v1/conversations/{cid}/read", json={"up_to": posted[2]["id"]}, headers=owner
    )
    assert (await read).status_code == 204
    assert (await conversations(api, owner))[0]["unread_count"] == 2
    back = {"up_to": posted[0]["id"]}  # an older message: the marker never moves back
    assert (
        await c.post(f"/api/v1/conversations/{cid}/read", json=back, headers=owner)
    ).status_code == 204
    assert (await conversations(api, owner))[0]["unread_count"] == 2
    latest = {"up_to": posted[-1]["id"]}
    assert (
        await c.post(f"/api/v1/conversations/{cid}/read", json=latest, headers=owner)
    ).status_code == 204
    assert (await conversations(api, owner))[0]["unread_count"] == 0


async def test_only_the_two_parties_see_a_conversation(api: Api) -> None:
    profile, caregiver, owner, admin, _ = await marketplace(api)
    c = api.client
    cid = (await inquire(api, profile, owner, "Hallo"))["id"]
    message = (await c.get(f"/api/v1/conversations/{cid}/messages", headers=owner)).json()
    _, stranger = await api.new_user()
    other_profile, other_caregiver = await api.approved_caregiver(admin)
    for who in (stranger, other_caregiver, admin):
        assert (
            await c.get(f"/api/v1/conversations/{cid}/messages", headers=who)
        ).status_code == 404
        assert (
            await c.post(f"/api/v1/conversations/{cid}/messages", json={"body": "x"}, headers=who)
        ).status_code == 404
        up_to = {"up_to": message["items"][0]["id"]}
        assert (
            await c.post(f"/api/v1/conversations/{cid}/read", json=up_to, headers=who)
        ).status_code == 404
        assert await conversations(api, who) == []
    assert (await c.get(f"/api/v1/conversations/{cid}/messages")).status_code == 401
    # A message id of another conversation is no marker here.
    elsewhere = await inquire(api, other_profile, owner, "Hallo jij")
    foreign = {"up_to": elsewhere["last_message"]["id"]}
    response = await c.post(f"/api/v1/conversations/{cid}/read", json=foreign, headers=owner)
    assert response.status_code == 422
    paged = await c.get(
        f"/api/v1/conversations/{cid}/messages?before={foreign['up_to']}", headers=owner
    )
    assert paged.status_code == 422
    assert len(await conversations(api, owner)) == 2
    assert (await conversations(api, caregiver))[0]["id"] == cid


async def test_bad_messages_get_problem_details_and_change_nothing(api: Api) -> None:
    profile, caregiver, owner, _, _ = await marketplace(api)
    c = api.client
    cid = (await inquire(api, profile, owner, "Hallo"))["id"]
    url = f"/api/v1/conversations/{cid}/messages"
    for body in (
        {"body": "x" * 5001},
        {"body": "   "},
        {"body": ""},
        {"body": "hi", "photo_ids": ["not-a-uuid"]},
        {"body": "hi", "extra": 1},
        {"body": "bad\x00byte"},
    ):
        response = await c.post(url, json=body, headers=owner)
        assert response.status_code in (400, 422), (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    start = "/api/v1/conversations"
    _, someone = await api.new_user()
    assert (
        await c.post(start, json={"caregiver_id": profile["id"], "body": ""}, headers=someone)
    ).status_code in (400, 422)
    missing = {"caregiver_id": "00000000-0000-0000-0000-000000000000", "body": "hi"}
    assert (await c.post(start, json=missing, headers=someone)).status_code == 404
    # A caregiver cannot open a conversation with themselves.
    assert (
        await c.post(start, json={"caregiver_id": profile["id"], "body": "hi"}, headers=caregiver)
    ).status_code == 422
    page = (await c.get(url, headers=owner)).json()
    assert [m["body"] for m in page["items"]] == ["Hallo"]
    assert await conversations(api, someone) == []


async def test_contacts_are_masked_until_the_pair_has_an_accepted_booking(api: Api) -> None:
    profile, caregiver, owner, _, pet = await marketplace(api)
    c = api.client
    inquiry = await inquire(api, profile, owner, CONTACT)
    assert inquiry["last_message"]["body"] == MASKED
    cid = inquiry["id"]
    reply = await say(api, cid, caregiver, "Mijn nummer: +32 (0)9 123 45 67")
    assert reply["body"] == f"Mijn nummer: {MASK}"
    # A booking request joins the conversation, and its message is masked too.
    body = {**walk(profile, pet, next_monday(10)), "message": "Sleutel: an@example.be"}
    booking = (await c.post("/api/v1/bookings", json=body, headers=owner)).json()
    assert booking["conversation_id"] == cid
    assert booking["message"] == f"Sleutel: {MASK}"
    shown = (await c.get(f"/api/v1/conversations/{cid}/messages", headers=caregiver)).json()
    assert [m["body"] for m in shown["items"]] == [
        f"Sleutel: {MASK}",
        f"Mijn nummer: {MASK}",
        MASKED,
    ]

    accepted = await api.authorize_and_accept(booking, caregiver)
    assert accepted["message"] == "Sleutel: an@example.be"

    after = (await c.get(f"/api/v1/conversations/{cid}/messages", headers=owner)).json()
    assert [m["body"] for m in after["items"]] == [
        "Sleutel: an@example.be",
        "Mijn nummer: +32 (0)9 123 45 67",
        CONTACT,
    ]
    assert (await conversations(api, caregiver))[0]["contacts_shared"]
    assert (await say(api, cid, owner, "an@example.be"))["body"] == "an@example.be"


async def test_names_written_before_the_rules_are_masked_until_a_booking_is_accepted(
    api: Api,
) -> None:
    profile, caregiver, owner, _, pet = await marketplace(api)
    c = api.client
    inquiry = await inquire(api, profile, owner, "Hallo!")
    me = (await c.get("/api/v1/me", headers=owner)).json()
    factory = await api.container.get(async_sessionmaker[AsyncSession])
    async with factory() as session, session.begin():  # names stored before the rules
        await session.execute(
            update(UserRow).where(UserRow.id == me["id"]).values(full_name="An 0470 12 34 56")
        )
        await session.execute(
            update(CaregiverRow)
            .where(CaregiverRow.id == profile["id"])
            .values(display_name="Sofie sofie@example.be")
        )
    [seen_by_caregiver] = await conversations(api, caregiver)
    assert seen_by_caregiver["owner_name"] == f"An {MASK}"
    [seen_by_owner] = await conversations(api, owner)
    assert seen_by_owner["caregiver_name"] == f"Sofie {MASK}"

    booking = await requested_walk(api, profile, pet, owner, next_monday(10))
    await api.authorize_and_accept(booking, caregiver)
    [after] = await conversations(api, caregiver)
    assert after["id"] == inquiry["id"] and after["owner_name"] == "An 0470 12 34 56"


async def test_an_admin_reads_a_conversation_while_its_booking_is_disputed(api: Api) -> None:
    profile, caregiver, owner, admin, pet = await marketplace(api)
    c = api.client
    start = next_monday(9)
    booking = await requested_walk(api, profile, pet, owner, start)
    await api.authorize_and_accept(booking, caregiver)
    cid = booking["conversation_id"]
    await say(api, cid, caregiver, "Rex was lief")
    url = f"/api/v1/conversations/{cid}/messages"
    assert (await c.get(url, headers=admin)).status_code == 404
    after_end = (start + timedelta(hours=2)).astimezone(UTC).isoformat()
    assert (await c.put("/api/v1/test/clock", json={"now": after_end})).status_code == 200
    assert (
        await c.post(f"/api/v1/bookings/{booking['id']}/complete", headers=caregiver)
    ).status_code == 200
    # The dispute endpoint comes with the payments work: open one the domain's way.
    async with api.container() as scope:
        lifecycle_uow = await scope.get(UnitOfWork)
        async with lifecycle_uow as uow:
            stored = await uow.bookings.get(UUID(booking["id"]))
            assert stored is not None
            stored.open_dispute(datetime.fromisoformat(after_end), "Rex came back hungry")
            await uow.bookings.save(stored)
            await uow.commit()
    seen = await c.get(url, headers=admin)
    assert seen.status_code == 200 and [m["body"] for m in seen.json()["items"]] == ["Rex was lief"]
    # Reading is all an admin does there.
    assert (await c.post(url, json={"body": "admin here"}, headers=admin)).status_code == 404
    # Each read by an admin is in the audit trail, the refused one too; the parties' are not.
    assert (await c.get(url, headers=owner)).status_code == 200
    trail = await c.get(
        f"/api/v1/admin/audit?action=read_conversation&object_id={cid}", headers=admin
    )
    assert [(e["object_type"], e["outcome"]) for e in trail.json()["items"]] == [
        ("conversation", "read 1 message(s)"),
        ("conversation", "refused: no such conversation"),
    ]
    assert (await c.put("/api/v1/test/clock", json={"now": None})).status_code == 200


async def test_care_updates_carry_photos_of_the_conversation(api: Api) -> None:
    profile, caregiver, owner, _, _ = await marketplace(api)
    c = api.client
    cid = (await inquire(api, profile, owner, "Stuur je foto's?"))["id"]
    uploaded = await upload(api, f"/api/v1/conversations/{cid}/photos", picture("PNG"), caregiver)
    assert uploaded.status_code == 201, uploaded.text
    photo_id = uploaded.json()["id"]
    _, stranger = await api.new_user()
    refused = await upload(api, f"/api/v1/conversations/{cid}/photos", picture("PNG"), stranger)
    assert refused.status_code == 404
    # Only the uploader attaches it, and only here.
    owner_try = await c.post(
        f"/api/v1/conversations/{cid}/messages",
        json={"body": "", "photo_ids": [photo_id]},
        headers=owner,
    )
    assert owner_try.status_code == 422
    message = await c.post(
        f"/api/v1/conversations/{cid}/messages",
        json={"body": "Rex in het park", "photo_ids": [photo_id]},
        headers=caregiver,
    )
    assert message.status_code == 201, message.text
    [photo] = message.json()["photos"]
    assert photo["id"] == photo_id and photo["status"] == "processing"
    assert (await c.post("/api/v1/test/run-due-jobs")).json()["ran"]["photos.processed"] == 1
    newest = (await c.get(f"/api/v1/conversations/{cid}/messages", headers=owner)).json()["items"][
        0
    ]
    [ready] = newest["photos"]
    assert ready["status"] == "ready" and set(ready["variants"]) == {"thumb", "medium", "large"}
    assert (await c.get(ready["variants"]["thumb"])).status_code == 200  # signed
    assert (await c.get(ready["variants"]["thumb"].split("?")[0])).status_code == 404
    assert (await c.get(f"/api/v1/photos/{photo_id}", headers=owner)).status_code == 200
    assert (await c.get(f"/api/v1/photos/{photo_id}", headers=stranger)).status_code == 404


async def test_a_user_sends_at_most_30_messages_a_minute(api: Api) -> None:
    profile, caregiver, owner, _, _ = await marketplace(api)
    cid = (await inquire(api, profile, owner, "1"))["id"]
    for i in range(SENDS_PER_MINUTE - 1):
        await say(api, cid, owner, f"message {i}")
    url = f"/api/v1/conversations/{cid}/messages"
    limited = await api.client.post(url, json={"body": "one too many"}, headers=owner)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    # Per user: the caregiver still answers.
    await say(api, cid, caregiver, "rustig aan")
    page = (await api.client.get(f"{url}?limit=100", headers=owner)).json()
    assert len(page["items"]) == SENDS_PER_MINUTE + 1  # nothing was stored for the refused one


async def _unread_emails(api: Api) -> list[OutboxRow]:
    factory = await api.container.get(async_sessionmaker[AsyncSession])
    async with factory() as session:
        rows = await session.scalars(
            select(OutboxRow)
            .where(OutboxRow.topic == "email.message_unread")
            .order_by(OutboxRow.created_at)
        )
        return list(rows)


async def test_an_unread_message_is_emailed_after_15_minutes_at_most_hourly(
    pg_url: str, make_client: ClientFactory, tmp_path: Path
) -> None:
    await (await empty_database(pg_url)).get_engine().dispose()
    async with make_client(database_url=pg_url, **TEST_MODE) as client:
        api = api_for(client)
        profile, caregiver, owner, _, _ = await marketplace(api)
        t0 = datetime(2027, 3, 28, 0, 50, tzinfo=UTC)  # summer time starts at 01:00 UTC

        async def at(minutes: int) -> dict[str, int]:
            now = (t0 + timedelta(minutes=minutes)).isoformat()
            assert (await client.put("/api/v1/test/clock", json={"now": now})).status_code == 200
            ran: dict[str, int] = (await client.post("/api/v1/test/run-due-jobs")).json()["ran"]
            return ran

        await at(0)
        cid = (await inquire(api, profile, owner, "Ben je vrij?"))["id"]
        assert (await at(14))["messages.unread"] == 0
        assert (await at(15))["messages.unread"] == 1
        assert (await at(16))["messages.unread"] == 0  # told once about it
        [first] = await _unread_emails(api)
        assert first.status == "sent" and first.payload["party"] == "caregiver"
        await say(api, cid, owner, "Hallo?")
        assert (await at(40))["messages.unread"] == 0  # not within the hour
        assert (await at(75))["messages.unread"] == 1
        # Reading in time sends nothing.
        await at(80)
        posted = await say(api, cid, caregiver, "Ja, ik ben vrij")
        await at(81)
        up_to = {"up_to": posted["id"]}
        assert (
            await client.post(f"/api/v1/conversations/{cid}/read", json=up_to, headers=owner)
        ).status_code == 204
        assert (await at(200))["messages.unread"] == 0
        emails = await _unread_emails(api)
        assert [e.status for e in emails] == ["sent", "sent"]
        assert {e.payload["user_id"] for e in emails} == {first.payload["user_id"]}
        # In the caregiver's language (Dutch by default), naming who wrote.
        sent = [m for m in emails_in(tmp_path / "emails") if "bericht" in m["Subject"]]
        assert [m["Subject"] for m in sent] == ["Test User heeft je een bericht gestuurd"] * 2
        text = sent[0].get_body(("plain",))
        assert text is not None and f"/conversations/{cid}" in text.get_content()
        await api.container.close()


@pytest.mark.parametrize("backend", SQL_BACKENDS)
async def test_the_migration_gives_existing_bookings_their_pairs_conversation(
    backend: str, request: pytest.FixtureRequest, make_client: ClientFactory, tmp_path: Path
) -> None:
    url = sql_url(request, backend)
    if backend == "sqlite":  # a copy of its own: the shared file stays as it is
        url = f"sqlite+aiosqlite:///{tmp_path / 'before.sqlite'}"
        in_thread(lambda: upgrade(url))
    await (await empty_database(url)).get_engine().dispose()
    async with make_client(database_url=url, direct_url=url, **TEST_MODE) as client:
        api = api_for(client)
        profile, caregiver, owner, admin, pet = await marketplace(api)
        other, _ = await api.approved_caregiver(admin)
        made = []
        for when, who in ((10, profile), (13, profile), (15, other)):
            body = walk(who, pet, next_monday(when))
            made.append((await client.post("/api/v1/bookings", json=body, headers=owner)).json())
        await api.authorize_and_accept(made[0], caregiver)
        await api.container.close()
    # Back to before conversations existed, and forward again.
    in_thread(lambda: downgrade(url, "0006"))
    in_thread(lambda: upgrade(url))
    engine = make_db_config(url).get_engine()
    async with engine.connect() as conn:
        bookings = {
            str(row.id): row.conversation_id
            for row in await conn.execute(select(BookingRow.id, BookingRow.conversation_id))
        }
        pairs = {
            row.id: row
            for row in await conn.execute(
                select(
                    ConversationRow.id,
                    ConversationRow.caregiver_id,
                    ConversationRow.contacts_shared_at,
                    ConversationRow.last_seq,
                )
            )
        }
    await engine.dispose()
    first, second, third = (bookings[b["id"]] for b in made)
    assert first is not None and first == second and third not in (None, first)
    assert len(pairs) == 2 and pairs[first].last_seq == 0
    assert str(pairs[first].caregiver_id) == profile["id"]
    assert pairs[first].contacts_shared_at is not None  # it had an accepted booking
    assert pairs[third].contacts_shared_at is None
