"""The console's caregiver review queue and bookings pages: each page renders,
each decision goes through the API's use cases and shows in the API after."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from tailtribe.config import Settings
from tests.adapters.test_images import picture
from tests.http.payments_support import (
    Caregiver,
    Owner,
    admin,
    brussels,
    captured_booking,
    caregiver,
    first_weekday_after,
    get_booking,
    ledger,
    money,
    moved,
    owner,
    run_at,
    set_clock,
)
from tests.http.test_console import (
    _SECRET,
    Client,
    code_at,
    console,  # noqa: F401  (the fixture)
    form,
    new_admin,
    password_step,
    settings,  # noqa: F401  (the fixture)
)
from tests.http.test_photos import upload
from tests.http.test_series import NOW as SERIES_NOW
from tests.http.test_series import request_series
from tests.support import AVAILABILITY, PROFILE, SERVICES, Api, account_updated

MONDAY = first_weekday_after(date(date.today().year + 1, 6, 1), 0)
_BOOKING_LINK = re.compile(r'href="/admin/bookings/([0-9a-f-]{36})"')
# A text key shown instead of its text: one missing from a catalog.
_RAW_KEY = re.compile(
    r"[>\s](?:caregivers?|bookings?|timeline|confirm|pager|missing)\.[a-z_.]+[<\s]"
)
SEARCH: dict[str, str | float] = {
    "service": "dog_walking",
    "latitude": 51.0543,
    "longitude": 3.7174,
    "radius_km": 5,
}


@pytest.fixture
async def api(console: Client, settings: Settings) -> AsyncIterator[Api]:  # noqa: F811
    """The API on the console's app (same client, same database)."""
    api = Api(console, settings)
    yield api
    await api.container.close()


async def sign_in(client: Client, settings: Settings, at: datetime) -> str:  # noqa: F811
    """A new admin through password, enrolment and a code of the clock's time
    `at`; returns the admin's name."""
    email = await new_admin(settings)
    assert (await password_step(client, email)).status_code == 303
    enrolment = await client.get("/admin/enrol")
    secret = _SECRET.search(enrolment.text)
    assert secret, enrolment.text
    confirmed = await form(
        client, "/admin/enrol", {"code": code_at(secret.group(1), at)}, "/admin/enrol"
    )
    assert confirmed.status_code == 200, confirmed.text
    return email.split("@")[0]


async def submitted_caregiver(api: Api) -> tuple[str, dict[str, str]]:
    """A complete profile, submitted, payouts enabled: waiting for review."""
    _, headers = await api.new_user(locale="en")
    c = api.client
    steps = [
        (await c.post("/api/v1/caregiver/profile", json=PROFILE, headers=headers), 201),
        (await c.put("/api/v1/caregiver/services", json=SERVICES, headers=headers), 200),
        (await c.put("/api/v1/caregiver/availability", json=AVAILABILITY, headers=headers), 200),
        (await c.post("/api/v1/caregiver/submit", headers=headers), 200),
        (await c.post("/api/v1/caregiver/payouts/onboarding", headers=headers), 200),
    ]
    for response, status in steps:
        assert response.status_code == status, response.text
    profile = (await c.get("/api/v1/caregiver/profile", headers=headers)).json()
    assert await api.webhook(account_updated(profile["stripe_account_id"], True)) == 200
    return str(profile["id"]), headers


async def api_status(api: Api, caregiver_id: str, headers: dict[str, str]) -> str:
    response = await api.client.get("/api/v1/caregiver/profile", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["id"] == caregiver_id
    return str(response.json()["status"])


async def audit_of(api: Api, object_id: str, admin_headers: dict[str, str]) -> list[Any]:
    response = await api.client.get(
        "/api/v1/admin/audit", params={"object_id": object_id}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


async def searchable(api: Api) -> list[str]:
    response = await api.client.get("/api/v1/caregivers", params=SEARCH)
    assert response.status_code == 200, response.text
    return [str(i["id"]) for i in response.json()["items"]]


async def in_every_language(client: Client, *paths: str) -> None:
    """Each page renders in nl, fr and en, with every text found."""
    for language in ("fr", "en", "nl"):
        switched = await form(
            client, "/admin/language", {"lang": language, "next": "/admin"}, "/admin"
        )
        assert switched.status_code == 303
        for path in paths:
            response = await client.get(path)
            assert response.status_code == 200, (language, path)
            assert f'<html lang="{language}">' in response.text
            assert not _RAW_KEY.search(response.text), (
                language,
                path,
                _RAW_KEY.findall(response.text),
            )


async def test_pages_refused_without_a_session(console: Client) -> None:  # noqa: F811
    for path in (
        "/admin/caregivers",
        "/admin/caregivers/0190f1f0-0000-7000-8000-000000000000",
        "/admin/bookings",
        "/admin/bookings/0190f1f0-0000-7000-8000-000000000000",
        "/admin/caregivers/0190f1f0-0000-7000-8000-000000000000/photos/"
        "0190f1f0-0000-7000-8000-000000000001/thumb",
    ):
        response = await console.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/admin/login"
    htmx = await console.get("/admin/bookings", headers={"HX-Request": "true"})
    assert htmx.status_code == 401


async def test_approving_a_submitted_caregiver_through_the_page(
    console: Client,  # noqa: F811
    settings: Settings,  # noqa: F811
    api: Api,
) -> None:
    boss = await admin(api)
    earlier, _ = await api.approved_caregiver(boss.headers)
    caregiver_id, carer_headers = await submitted_caregiver(api)
    name = await sign_in(console, settings, datetime.fromisoformat("2026-12-04T10:00:00+00:00"))
    page = f"/admin/caregivers/{caregiver_id}"

    # The queue shows what was submitted; every status on demand.
    queue = await console.get("/admin/caregivers")
    assert queue.status_code == 200
    assert PROFILE["display_name"].replace("'", "&#39;") in queue.text
    assert f'href="{page}"' in queue.text
    # Submitted first, though created after the approved one.
    assert queue.text.index(f'href="{page}"') < queue.text.index(f'/{earlier["id"]}"')
    approved_only = await console.get("/admin/caregivers?status=approved")
    assert f'href="{page}"' not in approved_only.text
    assert f'href="/admin/caregivers/{earlier["id"]}"' in approved_only.text
    waiting = await console.get("/admin/caregivers?status=pending_review")
    assert f'href="{page}"' in waiting.text and earlier["id"] not in waiting.text
    assert (await console.get("/admin/caregivers?status=all")).status_code == 200
    assert (await console.get("/admin/caregivers?status=nonsense")).status_code == 422

    assert set(await searchable(api)) == {earlier["id"]}

    # Its page: profile, prices, weekly hours, Stripe, no decision yet.
    shown = await console.get(page)
    assert shown.status_code == 200
    text = shown.text
    assert "15,00" in text and "35,00" in text  # the prices, in euros
    assert "08:00" in text and "18:00" in text
    assert 'data-testid="payouts-enabled"' in text
    assert f'action="{page}/approve"' in text and f'action="{page}/reject"' in text
    assert f'action="{page}/suspend"' not in text

    # Its photos, which /media serves only once the profile is public.
    uploaded = await upload(
        api, "/api/v1/caregiver/photos", picture("JPEG", size=(400, 300)), carer_headers
    )
    assert uploaded.status_code == 201, uploaded.text
    await api.client.post("/api/v1/test/run-due-jobs")
    photo = f"{page}/photos/{uploaded.json()['id']}"
    with_photo = await console.get(page)
    assert f'src="{photo}/thumb"' in with_photo.text and f'href="{photo}/large"' in with_photo.text
    thumb = await console.get(f"{photo}/thumb")
    assert (thumb.status_code, thumb.headers["content-type"]) == (200, "image/webp")
    assert thumb.content[:4] == b"RIFF"
    assert (await console.get(f"{photo}/original")).status_code == 404
    assert (await console.get(f"{page}/photos/{caregiver_id}/thumb")).status_code == 404
    own = await api.client.get(f"/api/v1/photos/{uploaded.json()['id']}", headers=carer_headers)
    assert (await api.client.get(own.json()["variants"]["thumb"])).status_code == 404

    # Refused and changing nothing: no reason, no CSRF token, an unknown decision.
    assert (await form(console, f"{page}/approve", {"reason": " "}, page)).status_code == 422
    no_token = await console.post(
        f"{page}/approve", data={"reason": "ok", "confirmed": "yes"}, follow_redirects=False
    )
    assert no_token.status_code == 403
    assert (await form(console, f"{page}/promote", {"reason": "x"}, page)).status_code == 404
    assert await api_status(api, caregiver_id, carer_headers) == "pending_review"

    # First the confirmation step, which changes nothing...
    asked = await form(console, f"{page}/approve", {"reason": "documents checked"}, page)
    assert asked.status_code == 200
    assert 'name="confirmed" value="yes"' in asked.text
    assert 'value="documents checked"' in asked.text
    assert await api_status(api, caregiver_id, carer_headers) == "pending_review"

    # ...then the decision.
    done = await form(
        console, f"{page}/approve", {"reason": "documents checked", "confirmed": "yes"}, page
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"{page}?done=approve"
    assert await api_status(api, caregiver_id, carer_headers) == "approved"
    public = await api.client.get(f"/api/v1/caregivers/{caregiver_id}")
    assert public.status_code == 200, public.text
    assert set(await searchable(api)) == {earlier["id"], caregiver_id}
    listed = await api.client.get(
        "/api/v1/admin/caregivers", params={"status": "approved"}, headers=boss.headers
    )
    assert caregiver_id in [c["id"] for c in listed.json()["items"]]
    [entry] = await audit_of(api, caregiver_id, boss.headers)
    assert (entry["action"], entry["outcome"], entry["reason"]) == (
        "approve_caregiver",
        "approved",
        "documents checked",
    )
    after = await console.get(f"{page}?done=approve")
    assert "documents checked" in after.text
    assert f'action="{page}/suspend"' in after.text

    # Approving again is refused by the use case, shown on the page, and audited as refused.
    again = await form(console, f"{page}/approve", {"reason": "twice", "confirmed": "yes"}, page)
    assert again.status_code == 409
    assert 'role="alert"' in again.text
    assert any(
        e["outcome"].startswith("refused") for e in await audit_of(api, caregiver_id, boss.headers)
    )
    # The page names the deciding admin (its full name, from the trail) and lists the refusal.
    history = (await console.get(page)).text
    decisions, refusals = history.split('id="decisions"')[1].split('id="refusals"')
    assert f"<td>{name}</td>" in decisions
    assert name in refusals and "refused" in refusals

    # Suspend, then reinstate (no reason needed there).
    assert (
        await form(console, f"{page}/suspend", {"reason": "", "confirmed": "yes"}, page)
    ).status_code == 422
    suspended = await form(
        console, f"{page}/suspend", {"reason": "complaints", "confirmed": "yes"}, page
    )
    assert suspended.status_code == 303
    assert await api_status(api, caregiver_id, carer_headers) == "suspended"
    assert (await api.client.get(f"/api/v1/caregivers/{caregiver_id}")).status_code == 404
    assert set(await searchable(api)) == {earlier["id"]}
    reinstated = await form(console, f"{page}/reinstate", {"confirmed": "yes"}, page)
    assert reinstated.status_code == 303
    assert await api_status(api, caregiver_id, carer_headers) == "approved"

    missing = await console.get("/admin/caregivers/0190f1f0-0000-7000-8000-000000000000")
    assert missing.status_code == 404
    await in_every_language(console, "/admin/caregivers?status=all", page)


async def booked(api: Api) -> tuple[Any, Caregiver, Owner]:
    boss = await admin(api)
    return boss, await caregiver(api, boss.headers), await owner(api)


async def test_refunding_a_captured_booking_through_the_page(
    console: Client,  # noqa: F811
    settings: Settings,  # noqa: F811
    api: Api,
) -> None:
    boss, carer, pet_owner = await booked(api)
    start = brussels(MONDAY, 10)
    now = start - timedelta(days=2)
    booking = await captured_booking(api, carer, pet_owner, "dog_walking", start, now)
    booking_id = booking["id"]
    await sign_in(console, settings, now)
    page = f"/admin/bookings/{booking_id}"

    # The search: everything, by owner (email or id), by caregiver, status, days.
    assert booking_id in _BOOKING_LINK.findall((await console.get("/admin/bookings")).text)
    for query in (
        {"owner": pet_owner.email},
        {"owner": pet_owner.id},
        {"caregiver": carer.email},
        {"caregiver": carer.profile["id"]},
        {"status": "accepted"},
        {"from": start.date().isoformat(), "to": start.date().isoformat()},
    ):
        found = await console.get("/admin/bookings", params=query)
        assert found.status_code == 200, query
        assert _BOOKING_LINK.findall(found.text) == [booking_id], query
    for query in (
        {"owner": "nobody@example.be"},
        {"status": "cancelled"},
        {"from": (start.date() + timedelta(days=1)).isoformat()},
        {"series": booking_id},  # no series has that id
    ):
        found = await console.get("/admin/bookings", params=query)
        assert found.status_code == 200 and _BOOKING_LINK.findall(found.text) == [], query
    for query in ({"status": "lost"}, {"from": "tomorrow"}, {"id": "12"}, {"series": "x"}):
        assert (await console.get("/admin/bookings", params=query)).status_code == 422, query
    by_id = await console.get("/admin/bookings", params={"id": booking_id}, follow_redirects=False)
    assert (by_id.status_code, by_id.headers["location"]) == (303, page)

    # The booking's page: payment, payout, a balanced ledger, no documents.
    shown = await console.get(page)
    assert shown.status_code == 200
    assert booking["payment"]["payment_intent_id"] in shown.text
    assert 'data-testid="payment-status">captured<' in shown.text
    assert 'data-testid="balanced"' in shown.text
    assert "19,99" in shown.text
    assert f'action="{page}/refund"' in shown.text
    assert f'action="{page}/resolve"' not in shown.text
    assert "/admin/bookings?series=" not in shown.text  # a one-off booking

    # Refused: no reason, a bad amount, more than was captured, no CSRF token.
    for bad in (
        {"amount": "5", "reason": ""},
        {"amount": "abc", "reason": "goodwill"},
        {"amount": "0", "reason": "goodwill"},
    ):
        assert (await form(console, f"{page}/refund", bad, page)).status_code == 422, bad
    too_much = {"amount": "20,00", "reason": "goodwill", "confirmed": "yes"}
    assert (await form(console, f"{page}/refund", too_much, page)).status_code == 422
    no_token = await console.post(
        f"{page}/refund",
        data={"amount": "5", "reason": "goodwill", "confirmed": "yes"},
        follow_redirects=False,
    )
    assert no_token.status_code == 403
    unchanged = await get_booking(api, booking_id, pet_owner.headers)
    assert unchanged["refunded"] == money(0)

    # The confirmation step changes nothing; confirming refunds.
    asked = await form(console, f"{page}/refund", {"amount": "5,00", "reason": "goodwill"}, page)
    assert asked.status_code == 200 and 'name="confirmed" value="yes"' in asked.text
    assert (await get_booking(api, booking_id, pet_owner.headers))["refunded"] == money(0)
    done = await form(
        console,
        f"{page}/refund",
        {"amount": "5,00", "reason": "goodwill", "confirmed": "yes"},
        page,
    )
    assert (done.status_code, done.headers["location"]) == (303, f"{page}?done=refund")

    after = await get_booking(api, booking_id, pet_owner.headers)
    assert after["refunded"] == money(500)
    assert after["payment_status"] == "partially_refunded"
    books = await ledger(api, booking_id, boss.headers)
    assert books["balanced"] is True, books["problems"]
    assert moved(books)["refund"] == 500
    # Newest first: the refund, and before it the refusal of too much.
    entries = await audit_of(api, booking_id, boss.headers)
    assert [(e["action"], e["outcome"], e["reason"]) for e in entries] == [
        ("refund_booking", "refunded 500 cents", "goodwill"),
        ("refund_booking", entries[1]["outcome"], "goodwill"),
    ]
    assert entries[1]["outcome"].startswith("refused")
    again = await console.get(f"{page}?done=refund")
    assert 'data-testid="balanced"' in again.text and "goodwill" in again.text
    await in_every_language(console, "/admin/bookings", page)
    assert (await console.get(f"/admin/bookings/{carer.profile['id']}")).status_code == 404


async def test_resolving_a_dispute_through_the_page(
    console: Client,  # noqa: F811
    settings: Settings,  # noqa: F811
    api: Api,
) -> None:
    boss, carer, pet_owner = await booked(api)
    walks = [
        await captured_booking(
            api, carer, pet_owner, "dog_walking", start, start - timedelta(days=2)
        )
        for start in (brussels(MONDAY, 10), brussels(MONDAY, 12))
    ]
    completed_at = brussels(MONDAY, 13, 1)
    assert (await run_at(api.client, completed_at))["bookings.complete"] == 2
    disputed_at = completed_at + timedelta(hours=1)
    await set_clock(api.client, disputed_at)
    for walk in walks:
        response = await api.client.post(
            f"/api/v1/bookings/{walk['id']}/dispute",
            json={"reason": "Rex came back after ten minutes"},
            headers=pet_owner.headers,
        )
        assert response.status_code == 200, response.text
    await sign_in(console, settings, disputed_at)
    refunded, released = (f"/admin/bookings/{w['id']}" for w in walks)

    shown = await console.get(refunded)
    assert shown.status_code == 200
    assert 'data-testid="payout-status">held<' in shown.text
    assert f'action="{refunded}/resolve"' in shown.text
    disputed = await console.get("/admin/bookings", params={"status": "disputed"})
    assert sorted(_BOOKING_LINK.findall(disputed.text)) == sorted(w["id"] for w in walks)

    # Refused: no outcome, an amount with a release; nothing changes.
    for bad in ({"confirmed": "yes"}, {"outcome": "release", "amount": "5", "confirmed": "yes"}):
        assert (await form(console, f"{refunded}/resolve", bad, refunded)).status_code == 422
    no_token = await console.post(
        f"{refunded}/resolve", data={"outcome": "release", "confirmed": "yes"}
    )
    assert no_token.status_code == 403
    state = await get_booking(api, walks[0]["id"], pet_owner.headers)
    assert (state["status"], state["payout_status"]) == ("disputed", "held")

    # A partial refund, confirmed.
    body = {"outcome": "refund", "amount": "5", "reason": "short walk"}
    asked = await form(console, f"{refunded}/resolve", body, refunded)
    assert asked.status_code == 200 and 'name="confirmed" value="yes"' in asked.text
    done = await form(console, f"{refunded}/resolve", {**body, "confirmed": "yes"}, refunded)
    assert done.status_code == 303
    state = await get_booking(api, walks[0]["id"], pet_owner.headers)
    assert (state["status"], state["payout_status"]) == ("completed", "scheduled")
    assert state["refunded"] == money(500)
    books = await ledger(api, walks[0]["id"], boss.headers)
    assert books["balanced"] is True, books["problems"]
    assert moved(books)["refund"] == 500
    [entry] = await audit_of(api, walks[0]["id"], boss.headers)
    assert (entry["action"], entry["outcome"]) == ("resolve_dispute", "refund: refunded 500 cents")

    # The other: the held payout released, nothing refunded.
    done = await form(
        console, f"{released}/resolve", {"outcome": "release", "confirmed": "yes"}, released
    )
    assert (done.status_code, done.headers["location"]) == (303, f"{released}?done=release")
    state = await get_booking(api, walks[1]["id"], pet_owner.headers)
    assert (state["status"], state["payout_status"]) == ("completed", "scheduled")
    assert state["refunded"] == money(0)
    assert (await ledger(api, walks[1]["id"], boss.headers))["balanced"] is True
    # Resolved once: a second resolution is refused on the page.
    again = await form(
        console, f"{released}/resolve", {"outcome": "release", "confirmed": "yes"}, released
    )
    assert again.status_code == 409
    await in_every_language(console, released)


async def test_a_series_occurrence_links_to_its_series(
    console: Client,  # noqa: F811
    settings: Settings,  # noqa: F811
    api: Api,
) -> None:
    _, carer, pet_owner = await booked(api)
    series = await request_series(api, carer, pet_owner, count=3)
    await sign_in(console, settings, SERIES_NOW)
    listed = await console.get("/admin/bookings", params={"series": series["id"]})
    assert listed.status_code == 200
    found = _BOOKING_LINK.findall(listed.text)
    assert len(found) == 3
    assert sorted(found) == sorted(o["id"] for o in series["occurrences"])
    page = await console.get(f"/admin/bookings/{found[0]}")
    assert f'href="/admin/bookings?series={series["id"]}"' in page.text
