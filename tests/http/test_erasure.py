"""Erasing an account (GDPR art. 17) through HTTP on PostgreSQL: what goes,
what stays, when it is refused, and the race with a booking request."""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import String, Text, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.types import JSON

from tailtribe.adapters.sqlalchemy.tables import PhotoRow, SecurityEventRow, UserRow, metadata
from tailtribe.domain.errors import NotFound
from tailtribe.domain.model.pricing import Service
from tailtribe.domain.model.privacy import ErasureRefused
from tailtribe.domain.ports.files import ObjectStorage
from tailtribe.domain.ports.identity import PasswordHasher
from tailtribe.domain.ports.limits import LoginThrottle
from tailtribe.domain.ports.storage import Cache, UnitOfWork
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.audit import AuditTrail
from tailtribe.domain.services.bookings.request import BookingRequest, RequestBooking
from tailtribe.domain.services.privacy.erase import EraseAccount, PurgeErasedPhotos
from tests.adapters.test_images import picture
from tests.http.google_support import consent, google_app
from tests.http.payments_support import (
    Caregiver,
    Headers,
    Json,
    Owner,
    Person,
    accept,
    admin,
    assert_problem,
    authorize,
    book,
    booking_body,
    brussels,
    caregiver,
    first_weekday_after,
    get_booking,
    ledger,
    owner,
    period,
    run_at,
    run_due_jobs,
    set_clock,
)
from tests.http.test_photos import stored_files, upload
from tests.support import PASSWORD, Api
from tests.test_cli import TAILTRIBE, _bare_env

YEAR = date.today().year + 1
MONDAY = first_weekday_after(date(YEAR, 3, 1), 0)
WINDOW = timedelta(hours=48)

# Everything that identified the person: none of it may survive the erasure.
EMAIL = "wannes.zyxw@example.be"
FULL_NAME = "Wannes Zyxwvu"
DISPLAY_NAME = "Zyxwvu Dierenzorg"
CITY = "Kwyxtegem"
PET_NAME = "Brunzyx"
PHONE = "0470 98 76 54"
BREED = "Zyxhond"
NEEDLES = (EMAIL, FULL_NAME, "Zyxwvu", DISPLAY_NAME, CITY, PET_NAME, "0470987654", "98 76 54")


async def subject(api: Api, boss: Headers) -> tuple[Person, Caregiver, Owner]:
    """The person to erase: an owner with a pet and an approved caregiver."""
    user = await api.register(email=EMAIL, full_name=FULL_NAME, locale="en")
    headers = await api.login(EMAIL)
    c = api.client
    pet = await c.post(
        "/api/v1/pets",
        json={
            "name": PET_NAME,
            "species": "dog",
            "breed": BREED,
            "birth_date": "2020-05-01",
            "weight_kg": 21.5,
            "notes": f"{PET_NAME} is scared of thunder",
        },
        headers=headers,
    )
    assert pet.status_code == 201, pet.text
    carer = await caregiver(
        api,
        boss,
        who=(user, headers),
        display_name=DISPLAY_NAME,
        bio=f"Dierenoppas in {CITY}, met een grote tuin en veel geduld voor elk dier.",
        city=CITY,
    )
    return Person(user, headers), carer, Owner(user, headers, pet.json()["id"])


async def booked(
    api: Api, carer: Caregiver, pet_owner: Owner, start: datetime, message: str | None = None
) -> Json:
    """A walk booked, held and accepted two days ahead."""
    await set_clock(api.client, start - timedelta(days=2))
    body = booking_body(carer, pet_owner, "dog_walking", *period("dog_walking", start))
    if message:
        body["message"] = message
    booking = await book(api, body, pet_owner)
    await authorize(api, booking, start - timedelta(days=2))
    await accept(api, booking, carer)
    return booking


async def post(
    api: Api, conversation_id: str, headers: Headers, body: str, photos: int = 0
) -> Json:
    photo_ids = []
    for _ in range(photos):
        uploaded = await upload(
            api, f"/api/v1/conversations/{conversation_id}/photos", picture("PNG"), headers
        )
        assert uploaded.status_code == 201, uploaded.text
        photo_ids.append(uploaded.json()["id"])
    sent = await api.client.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        json={"body": body, "photo_ids": photo_ids},
        headers=headers,
    )
    assert sent.status_code == 201, sent.text
    message: Json = sent.json()
    return message


async def messages(api: Api, conversation_id: str, headers: Headers) -> list[Json]:
    response = await api.client.get(
        f"/api/v1/conversations/{conversation_id}/messages", headers=headers
    )
    assert response.status_code == 200, response.text
    items: list[Json] = response.json()["items"]
    return items


async def texts_in_database(api: Api) -> list[tuple[str, str, str]]:
    """Every text, varchar and JSON value of every table: (table, column, value)."""
    factory = await api.container.get(async_sessionmaker[AsyncSession])
    found = []
    async with factory() as session:
        for table in metadata.sorted_tables:
            columns = [c for c in table.c if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            for row in (await session.execute(select(*columns))).all():
                for column, value in zip(columns, row, strict=True):
                    if value is not None:
                        shown = value if isinstance(value, str) else json.dumps(value)
                        found.append((table.name, column.name, shown))
    # Nothing escapes the scan: the tables above are all the database has.
    async with factory() as session:
        names = await session.scalars(
            text("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        )
        in_database = set(names) - {"alembic_version"}
    assert in_database <= {t.name for t in metadata.sorted_tables}
    return found


# Money documents are kept as issued, names included, as accounting law
# requires (docs/privacy.md, What we keep after erasure): rows and files.
KEPT_TABLES = {"document"}
KEPT_FILES = "private/documents/"


def leftovers(values: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    return [
        (table, column, value)
        for table, column, value in values
        if table not in KEPT_TABLES and any(n.lower() in value.lower() for n in NEEDLES)
    ]


def files_with_needles(media: Path) -> list[Path]:
    hits = []
    for path in media.rglob("*"):
        if path.is_file() and KEPT_FILES not in path.as_posix():
            data = path.read_bytes().lower()
            if any(n.lower().encode() in data for n in NEEDLES):
                hits.append(path)
    return hits


async def photo_ids_of(api: Api, user_id: str) -> list[str]:
    factory = await api.container.get(async_sessionmaker[AsyncSession])
    async with factory() as session:
        rows = await session.scalars(select(PhotoRow.id).where(PhotoRow.owner_id == UUID(user_id)))
        return [str(i) for i in rows]


def files_of(media: Path, photo_ids: list[str]) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file() and any(i in str(p) for i in photo_ids)]


async def test_an_erased_account_leaves_nothing_that_identifies_it(api: Api) -> None:
    c = api.client
    boss = await admin(api)
    carer = await caregiver(api, boss.headers)
    pet_owner = await owner(api)
    person, as_carer, as_owner = await subject(api, boss.headers)

    # Photos of the pet and of the profile, while the profile is public.
    pet_photo = await upload(
        api, f"/api/v1/pets/{as_owner.pet_id}/photos", picture("PNG"), person.headers
    )
    assert pet_photo.status_code == 201, pet_photo.text
    gallery = await upload(api, "/api/v1/caregiver/photos", picture("PNG"), person.headers)
    assert gallery.status_code == 201, gallery.text

    # A booking in each role, with messages (and photos) in both conversations.
    start = brussels(MONDAY, 10)
    as_owner_booking = await booked(
        api, carer, as_owner, start, message=f"{PET_NAME} needs a long walk, call {PHONE}"
    )
    as_carer_booking = await booked(api, as_carer, pet_owner, start + timedelta(hours=3))
    with_carer = as_owner_booking["conversation_id"]
    with_owner = as_carer_booking["conversation_id"]
    await set_clock(c, start - timedelta(days=1))
    await post(api, with_carer, person.headers, f"Hi, {FULL_NAME} here: {PHONE}", photos=1)
    await post(api, with_carer, carer.headers, "Great, see you Monday", photos=1)
    await post(api, with_owner, person.headers, f"{DISPLAY_NAME} will bring a lead", photos=1)
    await post(api, with_owner, pet_owner.headers, "Thanks!")
    assert (await run_due_jobs(c))["photos.processed"] == 5

    # Both walks run, complete and are paid out after the dispute window.
    end = start + timedelta(hours=4, minutes=1)
    assert (await run_at(c, end))["bookings.complete"] == 2
    await set_clock(c, end + timedelta(hours=1))
    review = await c.post(
        f"/api/v1/bookings/{as_owner_booking['id']}/review",
        json={"rating": 5, "comment": "Lovely walk"},
        headers=person.headers,
    )
    assert review.status_code == 201, review.text
    received = await c.post(
        f"/api/v1/bookings/{as_carer_booking['id']}/review",
        json={"rating": 4, "comment": "Good care"},
        headers=pet_owner.headers,
    )
    assert received.status_code == 201, received.text
    reply = await c.post(
        f"/api/v1/reviews/{received.json()['id']}/reply",
        json={"comment": f"Thanks, greetings from {CITY}"},
        headers=person.headers,
    )
    assert reply.status_code == 201, reply.text
    assert (await run_at(c, end + WINDOW))["payments.payouts"] == 2
    for b in (as_owner_booking, as_carer_booking):
        assert (await get_booking(api, b["id"], person.headers))["payout_status"] == "paid"
    await run_due_jobs(c)  # every email goes out

    # Both caregivers are found (and the results cached) before the erasure.
    gent: dict[str, str | float] = {
        "service": "dog_walking",
        "latitude": 51.0543,
        "longitude": 3.7174,
        "radius_km": 5,
    }
    found = (await c.get("/api/v1/caregivers", params=gent)).json()["items"]
    assert {i["id"] for i in found} == {carer.profile["id"], as_carer.profile["id"]}

    media = api.settings.media_dir
    photo_ids = await photo_ids_of(api, person.id)
    assert len(photo_ids) == 4 and files_of(media, photo_ids)
    # A ready export: a ZIP, compressed, so only its deletion proves it gone.
    asked = await c.post("/api/v1/me/export", headers=person.headers)
    assert asked.status_code == 202, asked.text
    assert (await run_due_jobs(c))["exports.built"] == 1
    export_files = files_named(media, asked.json()["id"])
    assert export_files
    assert await security_events_of(api, person.id) > 0  # their sign-ins
    assert leftovers(await texts_in_database(api))  # the scan finds what is there

    # A wrong password changes nothing.
    before = await texts_in_database(api)
    wrong = await c.request(
        "DELETE", "/api/v1/me", json={"password": "not the password"}, headers=person.headers
    )
    assert_problem(wrong, 403)
    missing = await c.request("DELETE", "/api/v1/me", json={}, headers=person.headers)
    assert_problem(missing, 403)
    assert await texts_in_database(api) == before
    assert (await c.get("/api/v1/me", headers=person.headers)).json()["email"] == EMAIL

    erased = await c.request(
        "DELETE", "/api/v1/me", json={"password": PASSWORD}, headers=person.headers
    )
    assert erased.status_code == 204, erased.text

    # Nothing identifies the person any more, in the database or the files,
    # but the money documents issued to them, kept whole.
    kept_documents = [t for t in await texts_in_database(api) if t[0] in KEPT_TABLES]
    assert any(n in v for n in NEEDLES for _, _, v in kept_documents)
    assert leftovers(await texts_in_database(api)) == []
    assert files_of(media, photo_ids) == []
    assert files_with_needles(media) == []
    assert await security_events_of(api, person.id) == 0
    assert (await run_due_jobs(c))["exports.expired"] == 1  # the export's file goes
    assert [f for f in export_files if f.exists()] == []
    assert await photo_ids_of(api, person.id) == []
    [kept] = [m for m in await messages(api, with_carer, carer.headers) if m["photos"]]
    photos = [f for f in stored_files(api) if KEPT_FILES not in f.as_posix()]
    assert kept["sender_id"] == carer.id and len(photos) == 3  # theirs stay

    # Tokens are void, the address signs in no more, the account is anonymous.
    assert (await c.get("/api/v1/me", headers=person.headers)).status_code == 401
    login = await c.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
    assert login.status_code == 401
    factory = await api.container.get(async_sessionmaker[AsyncSession])
    async with factory() as session:
        row = await session.get(UserRow, UUID(person.id))
        assert row is not None and row.erased_at is not None and row.password_hash is None
        assert row.email == f"erased-{person.id}@erased.invalid"
        assert row.full_name == "Former user"

    # The profile is gone from search (the cached results too) and its page.
    found = (await c.get("/api/v1/caregivers", params=gent)).json()["items"]
    assert [i["id"] for i in found] == [carer.profile["id"]]
    assert (await c.get(f"/api/v1/caregivers/{as_carer.profile['id']}")).status_code == 404

    # The other parties still see their conversations, the erased side removed.
    for conversation, other in ((with_carer, carer), (with_owner, pet_owner)):
        shown = await messages(api, conversation, other.headers)
        theirs = [m for m in shown if m["sender_id"] == person.id]
        assert theirs and all(
            m["removed"] and m["body"] == "[message removed]" and m["photos"] == [] for m in theirs
        )
        assert any(not m["removed"] and m["sender_id"] == other.id for m in shown)
    listed = (await c.get("/api/v1/conversations", headers=carer.headers)).json()["items"]
    assert [i["owner_name"] for i in listed] == ["Former user"]

    # Bookings, the ledger and reviews stay; every booking's ledger balances.
    for b in (as_owner_booking, as_carer_booking):
        entries = await ledger(api, b["id"], boss.headers)
        assert entries["balanced"] is True and entries["problems"] == [], entries
        assert len(entries["entries"]) == 4
    seen = await get_booking(api, as_owner_booking["id"], carer.headers)
    assert seen["status"] == "completed" and seen["owner_id"] == person.id
    reviews = (await c.get(f"/api/v1/caregivers/{carer.profile['id']}/reviews")).json()
    assert [r["comment"] for r in reviews["items"]] == ["Lovely walk"]

    # An admin's repeat is a no-op.
    again = await c.post(
        f"/api/v1/admin/users/{person.id}/erase",
        json={"reason": "asked twice"},
        headers=boss.headers,
    )
    assert again.status_code == 204, again.text
    trail = await c.get(f"/api/v1/admin/audit?object_id={person.id}", headers=boss.headers)
    assert [
        (e["action"], e["actor_id"], e["reason"], e["outcome"]) for e in trail.json()["items"]
    ] == [("erase_account", boss.id, "asked twice", "erased before: nothing changed")]


async def test_erasure_is_refused_while_anything_is_open(api: Api) -> None:
    c = api.client
    boss = await admin(api)
    carer = await caregiver(api, boss.headers)
    pet_owner = await owner(api)
    start = brussels(MONDAY, 9)

    async def refusal(headers: Headers) -> list[str]:
        response = await c.request(
            "DELETE", "/api/v1/me", json={"password": PASSWORD}, headers=headers
        )
        assert_problem(response, 409)
        reasons: list[str] = response.json()["reasons"]
        assert response.json()["detail"]
        user_id = (await c.get("/api/v1/me", headers=headers)).json()["id"]
        by_admin = await c.post(
            f"/api/v1/admin/users/{user_id}/erase",
            json={"reason": "asked by email"},
            headers=boss.headers,
        )
        assert_problem(by_admin, 409)
        assert by_admin.json()["reasons"] == reasons
        return reasons

    # A booking requested: the owner and the caregiver alike.
    await set_clock(c, start - timedelta(days=2))
    requested = await book(
        api, booking_body(carer, pet_owner, "dog_walking", *period("dog_walking", start)), pet_owner
    )
    assert await refusal(pet_owner.headers) == ["booking_in_progress"]
    assert await refusal(carer.headers) == ["booking_in_progress"]
    await authorize(api, requested, start - timedelta(days=2))
    await accept(api, requested, carer)
    assert await refusal(pet_owner.headers) == ["booking_in_progress"]

    # Completed: the payout waits for the window.
    end = start + timedelta(hours=1, minutes=1)
    assert (await run_at(c, end))["bookings.complete"] == 1
    assert await refusal(pet_owner.headers) == ["payout_pending"]
    assert await refusal(carer.headers) == ["payout_pending"]

    # Disputed: the payout is held too.
    await set_clock(c, end + timedelta(hours=1))
    disputed = await c.post(
        f"/api/v1/bookings/{requested['id']}/dispute",
        json={"reason": "Rex came back muddy"},
        headers=pet_owner.headers,
    )
    assert disputed.status_code == 200, disputed.text
    assert await refusal(pet_owner.headers) == ["payout_pending", "dispute_open"]

    # All three at once, with a new request on top.
    await set_clock(c, end + timedelta(hours=2))
    later = brussels(MONDAY + timedelta(days=7), 9)
    await book(
        api, booking_body(carer, pet_owner, "dog_walking", *period("dog_walking", later)), pet_owner
    )
    assert await refusal(pet_owner.headers) == [
        "booking_in_progress",
        "payout_pending",
        "dispute_open",
    ]
    # Nothing changed.
    assert (await c.get("/api/v1/me", headers=pet_owner.headers)).json()["email"] == pet_owner.email

    # Admin input and access.
    url = f"/api/v1/admin/users/{pet_owner.id}/erase"
    assert (await c.post(url, json={"reason": "x"}, headers=carer.headers)).status_code == 403
    for bad in ({}, {"reason": ""}, {"reason": "   "}):
        assert_problem(await c.post(url, json=bad, headers=boss.headers), 400, 422)
    unknown = f"/api/v1/admin/users/{UUID(int=1)}/erase"
    assert_problem(await c.post(unknown, json={"reason": "x"}, headers=boss.headers), 404)


def files_named(media: Path | str, stem: str) -> list[Path]:
    return list(Path(media).rglob(f"{stem}*"))


async def security_events_of(api: Api, user_id: str) -> int:
    factory = await api.container.get(async_sessionmaker[AsyncSession])
    async with factory() as session:
        found = await session.scalar(
            select(func.count())
            .select_from(SecurityEventRow)
            .where(SecurityEventRow.user_id == UUID(user_id))
        )
    return int(found or 0)


class Crash(BaseException):
    """The process dies: nothing after this point runs."""


class CrashingPurge(PurgeErasedPhotos):
    async def __call__(self) -> int:
        raise Crash


async def test_a_crash_after_the_commit_leaves_the_files_to_the_next_run(api: Api) -> None:
    c = api.client
    user, headers = await api.new_user()
    pet = await c.post("/api/v1/pets", json={"name": "Mia", "species": "cat"}, headers=headers)
    photo = await upload(api, f"/api/v1/pets/{pet.json()['id']}/photos", picture("PNG"), headers)
    assert photo.status_code == 201, photo.text
    assert (await run_due_jobs(c))["photos.processed"] == 1
    media = api.settings.media_dir
    ids = await photo_ids_of(api, user["id"])
    assert len(files_of(media, ids)) == 3  # the variants (the upload went once processed)

    async with api.container() as scope:
        erase = EraseAccount(
            await scope.get(UnitOfWork),
            await scope.get(PasswordHasher),
            await scope.get(LoginThrottle),
            CrashingPurge(await scope.get(UnitOfWork), await scope.get(ObjectStorage)),
            await scope.get(Cache),
            await scope.get(Clock),
            await scope.get(AuditTrail),
        )
        try:
            await erase.by_admin(UUID(user["id"]), "asked by letter")
        except Crash:
            pass
        else:
            raise AssertionError("the purge ran")

    # Committed: the account is erased, the photo rows wait with their files.
    assert (await c.get("/api/v1/me", headers=headers)).status_code == 401
    assert await photo_ids_of(api, user["id"]) == ids
    assert len(files_of(media, ids)) == 3
    assert (await c.get(f"/api/v1/photos/{ids[0]}", headers=headers)).status_code == 401

    # The next run of the jobs finishes the work, once.
    assert (await run_due_jobs(c))["photos.erased"] == 1
    assert files_of(media, ids) == [] and await photo_ids_of(api, user["id"]) == []
    assert (await run_due_jobs(c))["photos.erased"] == 0


async def test_an_erasure_racing_a_booking_request_is_refused_or_refuses(api: Api) -> None:
    """Either the request sees the account erased (404), or the erasure sees
    the booking (409); never an erased owner with a booking in progress."""
    boss = await admin(api)
    carer = await caregiver(api, boss.headers)
    start = brussels(MONDAY, 11)
    await set_clock(api.client, start - timedelta(days=2))
    outcomes = set()
    for round_ in range(6):
        pet_owner = await owner(api)
        when = start + timedelta(days=7 * round_)
        request = BookingRequest(
            UUID(carer.profile["id"]),
            Service.DOG_WALKING,
            (UUID(pet_owner.pet_id),),
            when,
            when + timedelta(hours=1),
        )

        async def request_booking(
            request: BookingRequest = request, who: str = pet_owner.id
        ) -> str:
            async with api.container() as scope:
                try:
                    await (await scope.get(RequestBooking))(UUID(who), request)
                except NotFound:
                    return "refused"
                return "booked"

        async def erase(who: str = pet_owner.id) -> str:
            async with api.container() as scope:
                try:
                    await (await scope.get(EraseAccount)).by_admin(UUID(who), "asked")
                except ErasureRefused as exc:
                    return "refused " + ",".join(exc.reasons)
                return "erased"

        booking, erasure = await asyncio.gather(request_booking(), erase())
        assert {(booking, erasure)} <= {
            ("booked", "refused booking_in_progress"),
            ("refused", "erased"),
        }
        outcomes.add((booking, erasure))
        factory = await api.container.get(async_sessionmaker[AsyncSession])
        async with factory() as session:
            row = await session.get(UserRow, UUID(pet_owner.id))
            assert row is not None and (row.erased_at is None) == (booking == "booked")
    assert outcomes


async def google_token(client: Any, browser: Any) -> str:
    body = await consent(client, browser)
    signed_in = await client.post("/api/v1/auth/google/callback", json=body)
    assert signed_in.status_code == 200, signed_in.text
    return str(signed_in.json()["access_token"])


async def test_a_google_account_proves_a_fresh_sign_in(pg_url: str, make_client: Any) -> None:
    async with google_app(pg_url, make_client) as (client, browser):
        # Near the real time: the stand-in's ID tokens are checked against the clock.
        now = datetime.now(UTC).replace(microsecond=0)
        await set_clock(client, now)
        token = {"Authorization": f"Bearer {await google_token(client, browser)}"}
        first = (await client.get("/api/v1/me", headers=token)).json()

        # Eleven minutes later the sign-in is too old; a password proves nothing.
        await set_clock(client, now + timedelta(minutes=11))
        for body in ({}, {"password": "whatever it may be"}):
            stale = await client.request("DELETE", "/api/v1/me", json=body, headers=token)
            assert_problem(stale, 403)
        assert (await client.get("/api/v1/me", headers=token)).status_code == 200

        # A fresh sign-in erases it; signing in again makes a new account.
        fresh = {"Authorization": f"Bearer {await google_token(client, browser)}"}
        await set_clock(client, now + timedelta(minutes=20))
        erased = await client.request("DELETE", "/api/v1/me", json={}, headers=fresh)
        assert erased.status_code == 204, erased.text
        assert (await client.get("/api/v1/me", headers=fresh)).status_code == 401
        assert (await client.get("/api/v1/me", headers=token)).status_code == 401
        again = {"Authorization": f"Bearer {await google_token(client, browser)}"}
        second = (await client.get("/api/v1/me", headers=again)).json()
        assert second["email"] == first["email"] and second["id"] != first["id"]


async def test_password_guesses_count_with_the_logins_of_the_account(api: Api) -> None:
    c = api.client
    user, headers = await api.new_user()
    limit = api.settings.login_failures_per_account
    for _ in range(limit):
        wrong = await c.request(
            "DELETE", "/api/v1/me", json={"password": "a guess"}, headers=headers
        )
        assert_problem(wrong, 403)
    # Past the limit even the right password waits, here and at the login of
    # a client the account has not seen (this one's device token still signs in).
    right = {"password": PASSWORD}
    blocked = await c.request("DELETE", "/api/v1/me", json=right, headers=headers)
    assert_problem(blocked, 429)
    assert int(blocked.headers["Retry-After"]) > 0
    c.cookies.clear()
    login = await c.post("/api/v1/auth/login", json={"email": user["email"], **right})
    assert login.status_code == 429
    assert (await c.get("/api/v1/me", headers=headers)).json()["email"] == user["email"]


async def test_the_command_line_erases_by_address(api: Api, pg_url: str) -> None:
    user, headers = await api.new_user()
    env = {
        **_bare_env(),
        "DATABASE_URL": pg_url,
        "TAILTRIBE_DATA_DIR": str(api.settings.data_dir),
        "TAILTRIBE_SECRET_KEY": secrets.token_urlsafe(48),
        "TAILTRIBE_ENV": "test",  # no Stripe to configure
    }

    def tailtribe(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*TAILTRIBE, "users", "erase", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert tailtribe(user["email"]).returncode == 2  # --reason is required
    done = tailtribe(user["email"].upper(), "--reason", "asked by letter")
    assert done.returncode == 0, done.stderr
    assert f"account {user['id']} is erased" in done.stdout
    assert (await api.client.get("/api/v1/me", headers=headers)).status_code == 401
    again = tailtribe(user["email"], "--reason", "asked by letter")
    assert again.returncode == 1 and "no account" in again.stderr
