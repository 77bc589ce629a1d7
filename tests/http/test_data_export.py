"""Personal data exports through HTTP on PostgreSQL: the ZIP says what the API
shows the user, field by field, and nothing of anyone else; one a day; a
crash mid-build is finished by the next run; the file goes after a day."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from tailtribe.domain.model.notifications import EmailKind
from tailtribe.domain.ports.files import ObjectStorage
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.tax_ids import TaxDetailsBox
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.conversations.manage_conversations import ManageConversations
from tailtribe.domain.services.outbox import Outbox
from tailtribe.domain.services.privacy.export import BuildExports
from tailtribe.entrypoints.export_archive import write_archive
from tests.adapters.test_images import picture
from tests.factories import next_monday, requested_walk
from tests.http.payments_support import run_at, run_due_jobs, set_clock
from tests.http.test_conversations import inquire, say
from tests.http.test_emails import emails_in
from tests.http.test_photos import upload
from tests.support import Api

Json = dict[str, Any]
Headers = dict[str, str]


async def get(api: Api, path: str, headers: Headers) -> Any:
    response = await api.client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def reviewed(api: Api, booking: Json, owner: Headers, carer: Headers) -> Json:
    """A completed booking reviewed by the owner and replied to."""
    review = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/review",
        json={"rating": 4, "comment": "Fijne wandeling"},
        headers=owner,
    )
    assert review.status_code == 201, review.text
    reply = await api.client.post(
        f"/api/v1/reviews/{review.json()['id']}/reply", json={"comment": "Dank je!"}, headers=carer
    )
    assert reply.status_code == 201, reply.text
    result: Json = reply.json()
    return result


async def request_export(api: Api, headers: Headers) -> Json:
    response = await api.client.post("/api/v1/me/export", headers=headers)
    assert response.status_code == 202, response.text
    export: Json = response.json()
    assert export["status"] == "pending" and export["download_url"] is None
    return export


async def real_now(api: Api) -> datetime:
    """The clock back on real time; what it shows."""
    answer = await api.client.put("/api/v1/test/clock", json={"now": None})
    return datetime.fromisoformat(answer.json()["now"])


def export_files(api: Api) -> list[Path]:
    return sorted((api.settings.media_dir / "private" / "exports").glob("*"))


def unpacked(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def without(item: Json, *keys: str) -> Json:
    return {k: v for k, v in item.items() if k not in keys}


def photo_ids(photos: Sequence[Json]) -> list[tuple[str, str]]:
    return [(p["id"], p["status"]) for p in photos]


async def test_the_export_is_what_the_api_shows_the_user_and_nothing_of_others(
    api: Api,
) -> None:
    c = api.client
    admin = await api.new_admin()
    # The user: a caregiver (A) who also books another caregiver (B) for their own dog.
    profile_a, user = await api.approved_caregiver(admin)
    profile_b, carer_b = await api.approved_caregiver(admin)
    _, owner_x = await api.new_user(full_name="Xavier Owner")
    pet_x = (
        await c.post("/api/v1/pets", json={"name": "Bruno", "species": "dog"}, headers=owner_x)
    ).json()["id"]
    my_pet = (
        await c.post(
            "/api/v1/pets", json={"name": "Rex", "species": "dog", "notes": "Bang"}, headers=user
        )
    ).json()["id"]
    assert (
        await upload(api, f"/api/v1/pets/{my_pet}/photos", picture("PNG"), user)
    ).status_code == 201

    # The user as caregiver: X books them; as owner: they book B.
    as_caregiver = await requested_walk(api, profile_a, pet_x, owner_x, next_monday(10))
    as_owner = await requested_walk(api, profile_b, my_pet, user, next_monday(14))
    await api.authorize_and_accept(as_caregiver, user)
    await api.authorize_and_accept(as_owner, carer_b)
    await run_at(c, datetime.fromisoformat(as_owner["end"]) + timedelta(minutes=1))
    received = await reviewed(api, as_caregiver, owner_x, user)
    written = await reviewed(api, as_owner, user, carer_b)

    # Messages with a photo, both ways.
    cid = (await inquire(api, profile_a, owner_x, "Mag Bruno volgende week komen?"))["id"]
    await say(api, cid, user, "Zeker, tot dan!")
    uploaded = await upload(api, f"/api/v1/conversations/{cid}/photos", picture("PNG"), user)
    sent = await c.post(
        f"/api/v1/conversations/{cid}/messages",
        json={"body": "Bruno in het park", "photo_ids": [uploaded.json()["id"]]},
        headers=user,
    )
    assert sent.status_code == 201, sent.text
    cid_b = (await inquire(api, profile_b, user, "Nog plaats in juli?"))["id"]
    await say(api, cid_b, carer_b, "Ja hoor")
    await run_due_jobs(c)  # the photos' variants
    settings = {"booking_reminders": False, "unread_messages": True}
    assert (await c.put("/api/v1/me/notifications", json=settings, headers=user)).status_code == 200

    # The user saved caregiver B.
    saved = await c.put(f"/api/v1/favorites/{profile_b['id']}", headers=user)
    assert saved.status_code == 204, saved.text
    [favorite] = (await get(api, "/api/v1/favorites", user))["items"]

    others = [(await get(api, "/api/v1/me", h))["email"] for h in (owner_x, carer_b, admin)]

    export = await request_export(api, user)
    ran = await run_due_jobs(c)
    assert ran["exports.built"] == 1
    ready = await get(api, f"/api/v1/me/exports/{export['id']}", user)
    assert ready["status"] == "ready" and ready["size_bytes"] > 0
    assert datetime.fromisoformat(ready["expires_at"]) - datetime.fromisoformat(
        ready["ready_at"]
    ) == timedelta(hours=24)
    download = await c.get(ready["download_url"])
    assert download.status_code == 200
    assert len(download.content) == ready["size_bytes"]
    files = unpacked(download.content)
    doc = {name: json.loads(body) for name, body in files.items() if name.endswith(".json")}
    assert "README.txt" in files

    # Account, pets and profile as GET shows them (photos: files here, not addresses).
    me = await get(api, "/api/v1/me", user)
    assert doc["account.json"] == me
    assert doc["email_settings.json"] == await get(api, "/api/v1/me/notifications", user)
    assert doc["email_settings.json"] == settings
    assert "password" not in files["account.json"].decode()
    [pet] = (await get(api, "/api/v1/pets", user))["items"]
    [exported_pet] = doc["pets.json"]
    assert without(exported_pet, "photos") == without(pet, "photos")
    assert photo_ids(exported_pet["photos"]) == photo_ids(pet["photos"])
    profile = await get(api, "/api/v1/caregiver/profile", user)
    assert without(doc["caregiver_profile.json"], "photos") == profile
    assert profile["services"] and profile["availability"]["blocked"]

    # Bookings in both roles, with the payments the user may see.
    for role, booking in (("owner", as_owner), ("caregiver", as_caregiver)):
        [shown] = (await get(api, f"/api/v1/bookings?role={role}", user))["items"]
        [exported] = doc["bookings.json"][f"as_{role}"]
        assert exported["id"] == booking["id"]
        if role == "owner":
            assert exported["payment"]["client_secret"] is None
            shown["payment"]["client_secret"] = None
        assert without(exported, "payment_history") == shown
        history = exported["payment_history"]
        moves = {e["movement"] for e in history}
        if role == "owner":
            assert moves == {"authorization", "capture"}
        else:
            assert moves <= {"transfer", "reversal"}
        for entry in history:
            assert set(entry) == {
                "id",
                "movement",
                "source",
                "destination",
                "amount",
                "occurred_at",
            }
    owner_history = doc["bookings.json"]["as_owner"][0]["payment_history"]
    assert all(e["amount"] == as_owner["price"]["total"] for e in owner_history)

    # Conversations and every message, the other party named as the app shows them.
    listed = (await get(api, "/api/v1/conversations", user))["items"]
    assert [x["id"] for x in doc["conversations.json"]] == [x["id"] for x in listed]
    for exported, shown in zip(doc["conversations.json"], listed, strict=True):
        assert without(exported, "messages") == without(shown, "last_message")
        messages = (await get(api, f"/api/v1/conversations/{shown['id']}/messages", user))["items"][
            ::-1
        ]
        assert len(exported["messages"]) == len(messages) >= 2
        for mine, theirs in zip(exported["messages"], messages, strict=True):
            assert without(mine, "photos", "sender_name") == without(theirs, "photos")
            assert photo_ids(mine["photos"]) == photo_ids(theirs["photos"])
            names = {shown["owner_id"]: shown["owner_name"]}
            if mine["sender_id"] in names:
                assert mine["sender_name"] == names[mine["sender_id"]]
    with_x = next(x for x in doc["conversations.json"] if x["id"] == cid)
    assert with_x["owner_name"] == "Xavier Owner"
    assert {m["sender_name"] for m in with_x["messages"]} == {"Xavier Owner", "Sofie's Dog Care"}

    # Reviews both ways, with their replies.
    assert doc["reviews.json"]["written"] == [written]
    assert doc["reviews.json"]["received"] == [received]
    public_a = (await get(api, f"/api/v1/caregivers/{profile_a['id']}/reviews", user))["items"]
    public_b = (await get(api, f"/api/v1/caregivers/{profile_b['id']}/reviews", user))["items"]
    assert doc["reviews.json"]["received"] == public_a
    assert doc["reviews.json"]["written"] == public_b

    # Favourites: ids and names, as saved.
    assert doc["favorites.json"] == [
        {
            "caregiver_id": profile_b["id"],
            "display_name": favorite["caregiver"]["display_name"],
            "saved_at": favorite["saved_at"],
        }
    ]

    # Photos: the largest variant of the pet's and the conversation's photos.
    photo_files = {n for n in files if n.startswith("photos/")}
    expected = {
        exported_pet["photos"][0]["file"],
        with_x["messages"][-1]["photos"][0]["file"],
    }
    assert photo_files == expected
    large = next(m for m in messages if m["photos"])["photos"][0]["variants"]["large"]
    for_msg = with_x["messages"][-1]["photos"][0]["file"]
    assert files[for_msg] == (await c.get(large)).content

    # Nothing of anyone else: not their email, anywhere in the archive.
    everything = download.content + b"".join(files.values())
    for email in others:
        assert email.encode() not in everything
    assert me["email"].encode() in files["account.json"]

    # The link was emailed, once, through the outbox, in the user's language.
    assert await api.email_count(EmailKind.EXPORT_READY.topic, me["id"]) == 1
    [mail] = [
        m
        for m in emails_in(api.settings.email_dir)
        if m["To"] == me["email"] and m["Subject"] == "Je TailTribe-gegevensexport staat klaar"
    ]
    body = mail.get_body(("plain",))
    assert body is not None
    assert f"/account/exports/{export['id']}" in body.get_content()


async def test_one_export_a_day_and_only_the_user_sees_it(api: Api) -> None:
    c = api.client
    user, headers = await api.new_user()
    _, stranger = await api.new_user()
    admin = await api.new_admin()
    now = datetime.fromisoformat(
        (await c.put("/api/v1/test/clock", json={"now": None})).json()["now"]
    )
    await set_clock(c, now)
    export = await request_export(api, headers)

    again = await c.post("/api/v1/me/export", headers=headers)
    assert again.status_code == 429
    assert again.headers["content-type"].startswith("application/problem+json")
    assert int(again.headers["Retry-After"]) == 24 * 3600
    await set_clock(c, now + timedelta(hours=23))
    later = await c.post("/api/v1/me/export", headers=headers)
    assert later.status_code == 429 and int(later.headers["Retry-After"]) == 3600

    path = f"/api/v1/me/exports/{export['id']}"
    assert (await c.get(path, headers=stranger)).status_code == 404
    assert (await c.get(path, headers=admin)).status_code == 404  # not their own
    assert (await c.get(f"/api/v1/me/exports/{UUID(int=7)}", headers=headers)).status_code == 404
    assert (await c.get(path)).status_code == 401
    # An admin reads it through the admin path; a user may not use that path.
    assert (await c.get(f"/api/v1/admin/exports/{export['id']}", headers=admin)).status_code == 200
    assert (
        await c.get(f"/api/v1/admin/exports/{export['id']}", headers=headers)
    ).status_code == 403

    await set_clock(c, now + timedelta(hours=24))
    assert (await c.post("/api/v1/me/export", headers=headers)).status_code == 202
    assert (await get(api, path, headers))["user_id"] == user["id"]


async def test_an_admin_exports_a_users_data_without_emailing_them(api: Api) -> None:
    c = api.client
    user, headers = await api.new_user()
    admin = await api.new_admin()
    assert (
        await c.post(f"/api/v1/admin/users/{user['id']}/export", headers=headers)
    ).status_code == 403
    missing = await c.post(f"/api/v1/admin/users/{UUID(int=5)}/export", headers=admin)
    assert missing.status_code == 404
    answer = await c.post(
        f"/api/v1/admin/users/{user['id']}/export",
        json={"reason": "request by letter of 2 March"},
        headers=admin,
    )
    assert answer.status_code == 202, answer.text
    export = answer.json()
    # Both asks are in the audit trail, the refused one too.
    trail = await get(api, "/api/v1/admin/audit?action=export_account", admin)
    assert [(e["object_id"], e["reason"], e["outcome"]) for e in trail["items"]] == [
        (user["id"], "request by letter of 2 March", f"export {export['id']} requested"),
        (str(UUID(int=5)), None, "refused: no such user"),
    ]
    assert (export["status"], export["user_id"]) == ("pending", user["id"])
    assert (await run_due_jobs(c))["exports.built"] == 1
    ready = await get(api, f"/api/v1/admin/exports/{export['id']}", admin)
    assert ready["status"] == "ready"
    files = unpacked((await c.get(ready["download_url"])).content)
    assert json.loads(files["account.json"])["id"] == user["id"]
    assert await api.email_count(EmailKind.EXPORT_READY.topic, user["id"]) == 0
    # Not the user's to see, and it does not use up their export of the day.
    assert (await c.get(f"/api/v1/me/exports/{export['id']}", headers=headers)).status_code == 404
    await request_export(api, headers)


class CrashingStorage:
    """The real store, but `put` fails once: before writing, or just after."""

    def __init__(self, store: ObjectStorage, *, after_write: bool) -> None:
        self._store, self._after, self.failed = store, after_write, False

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        if not self.failed and self._after:
            await self._store.put(key, data, content_type)
        if not self.failed:
            self.failed = True
            raise OSError("the store went away")
        await self._store.put(key, data, content_type)

    async def get(self, key: str) -> bytes | None:
        return await self._store.get(key)

    async def delete(self, keys: Sequence[str]) -> None:
        await self._store.delete(keys)

    def url(self, key: str, *, private: bool, max_seconds: int | None = None) -> str:
        return self._store.url(key, private=private, max_seconds=max_seconds)


async def test_a_crash_mid_build_is_finished_by_the_next_run(api: Api) -> None:
    c = api.client
    user, headers = await api.new_user()
    now = datetime.fromisoformat(
        (await c.put("/api/v1/test/clock", json={"now": None})).json()["now"]
    )
    for after_write in (False, True):
        await set_clock(c, now + timedelta(days=2 if after_write else 0))
        export = await request_export(api, headers)
        async with api.container() as scope:
            store = CrashingStorage(await scope.get(ObjectStorage), after_write=after_write)
            build = BuildExports(
                await scope.get(UnitOfWork),
                store,
                await scope.get(ManageConversations),
                await scope.get(Outbox),
                await scope.get(Clock),
                await scope.get(TaxDetailsBox),
            )
            assert await build(write_archive) == 0  # logged; the row stays pending
        assert store.failed
        path = f"/api/v1/me/exports/{export['id']}"
        assert (await get(api, path, headers))["status"] == "pending"
        assert (await run_due_jobs(c))["exports.built"] == 1
        ready = await get(api, path, headers)
        assert ready["status"] == "ready"
        # One file, under the export's own key, whatever was written before
        # (the first export's expired by the second round).
        assert [p.name for p in export_files(api)] == [f"{export['id']}.zip"]
        assert (await run_due_jobs(c))["exports.built"] == 0
    assert await api.email_count(EmailKind.EXPORT_READY.topic, user["id"]) == 2


async def test_the_export_of_a_user_erased_meanwhile_leaves_no_file(api: Api) -> None:
    c = api.client
    user, headers = await api.new_user()
    admin = await api.new_admin()
    export = await request_export(api, headers)
    async with api.container() as scope:  # written, then the worker dies
        store = CrashingStorage(await scope.get(ObjectStorage), after_write=True)
        build = BuildExports(
            await scope.get(UnitOfWork),
            store,
            await scope.get(ManageConversations),
            await scope.get(Outbox),
            await scope.get(Clock),
            await scope.get(TaxDetailsBox),
        )
        assert await build(write_archive) == 0
    assert [p.name for p in export_files(api)] == [f"{export['id']}.zip"]
    erased = await c.post(
        f"/api/v1/admin/users/{user['id']}/erase", json={"reason": "asked by letter"}, headers=admin
    )
    assert erased.status_code == 204, erased.text

    assert (await run_due_jobs(c))["exports.built"] == 0
    assert export_files(api) == []
    shown = await get(api, f"/api/v1/admin/exports/{export['id']}", admin)
    assert shown["status"] == "failed" and shown["download_url"] is None
    assert await api.email_count(EmailKind.EXPORT_READY.topic, user["id"]) == 0


async def test_a_day_after_it_is_ready_the_file_is_deleted(api: Api) -> None:
    c = api.client
    _, headers = await api.new_user()
    export = await request_export(api, headers)
    await run_due_jobs(c)
    path = f"/api/v1/me/exports/{export['id']}"
    ready = await get(api, path, headers)
    expires = datetime.fromisoformat(ready["expires_at"])
    assert export_files(api)

    # Minted close to the end, the address lives no longer than the file.
    await set_clock(c, expires - timedelta(seconds=30))
    late = await get(api, path, headers)
    signed_until = int(late["download_url"].split("expires=")[1].split("&")[0])
    assert signed_until <= datetime.now().timestamp() + 30
    assert (await run_due_jobs(c))["exports.expired"] == 0

    await set_clock(c, expires)
    # Past its day it is shown expired at once, before the job ran.
    assert (await get(api, path, headers))["download_url"] is None
    assert (await run_due_jobs(c))["exports.expired"] == 1
    assert export_files(api) == []
    gone = await get(api, path, headers)
    assert (gone["status"], gone["download_url"]) == ("expired", None)
    assert (await run_due_jobs(c))["exports.expired"] == 0  # idempotent
    assert (await c.get(ready["download_url"])).status_code == 404


async def test_an_export_still_pending_after_a_day_is_given_up(api: Api) -> None:
    c = api.client
    _, headers = await api.new_user()
    now = await real_now(api)
    await set_clock(c, now)
    export = await request_export(api, headers)
    path = f"/api/v1/me/exports/{export['id']}"
    # As if every run had failed until then.
    await set_clock(c, now + timedelta(hours=24))
    assert (await run_due_jobs(c))["exports.built"] == 0
    failed = await get(api, path, headers)
    assert (failed["status"], failed["download_url"]) == ("failed", None)
    assert export_files(api) == []
    # A failed export does not count against the day: the user asks again.
    await set_clock(c, now + timedelta(hours=24, seconds=1))
    await request_export(api, headers)
    assert (await run_due_jobs(c))["exports.built"] == 1
