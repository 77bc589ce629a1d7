"""Quotes and the booking lifecycle, through HTTP on PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.factories import BRUSSELS, marketplace, next_monday, requested_walk, walk
from tests.support import Api, payment_event


async def test_quote_request_authorize_accept_complete(api: Api) -> None:
    profile, caregiver, owner, _, pet = await marketplace(api)
    c = api.client
    body = walk(profile, pet, next_monday(10))
    quote = await c.post("/api/v1/quotes", json=body, headers=owner)
    assert quote.status_code == 200
    assert quote.json() == {
        "units": 1,
        "total": {"amount_cents": 1500, "currency": "EUR"},
        "commission": {"amount_cents": 300, "currency": "EUR"},
        "caregiver_payout": {"amount_cents": 1200, "currency": "EUR"},
    }
    created = await c.post("/api/v1/bookings", json={**body, "message": "Rex pulls"}, headers=owner)
    assert created.status_code == 201, created.text
    booking = created.json()
    assert booking["status"] == "requested" and booking["payment_status"] == "pending"
    assert booking["payment"]["client_secret"].startswith(booking["payment"]["payment_intent_id"])
    # The caregiver sees the request, but never the owner's client secret.
    seen = (await c.get(f"/api/v1/bookings/{booking['id']}", headers=caregiver)).json()
    assert seen["payment"] is None

    too_soon = await c.post(f"/api/v1/bookings/{booking['id']}/accept", headers=caregiver)
    assert too_soon.status_code == 409
    pi = booking["payment"]["payment_intent_id"]
    assert (
        await api.webhook(payment_event("payment_intent.amount_capturable_updated", pi, 1500))
        == 200
    )
    accepted = await c.post(f"/api/v1/bookings/{booking['id']}/accept", headers=caregiver)
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["payment_status"] == "captured"
    early = await c.post(f"/api/v1/bookings/{booking['id']}/complete", headers=caregiver)
    assert early.status_code == 409

    listed = (
        await c.get("/api/v1/bookings?role=caregiver&status=accepted", headers=caregiver)
    ).json()
    assert [b["id"] for b in listed["items"]] == [booking["id"]]
    mine = (await c.get("/api/v1/bookings", headers=owner)).json()
    assert mine["total"] == 1


async def test_visibility_is_party_or_admin(api: Api) -> None:
    profile, caregiver, owner, admin, pet = await marketplace(api)
    booking = await requested_walk(api, profile, pet, owner, next_monday(11))
    _, stranger = await api.new_user()
    url = f"/api/v1/bookings/{booking['id']}"
    assert (await api.client.get(url, headers=owner)).status_code == 200
    assert (await api.client.get(url, headers=caregiver)).status_code == 200
    assert (await api.client.get(url, headers=admin)).status_code == 200
    assert (await api.client.get(url, headers=stranger)).status_code == 404
    for action in ("accept", "decline", "cancel", "complete"):
        assert (await api.client.post(f"{url}/{action}", headers=stranger)).status_code == 404
    # The owner sees it but cannot act as its caregiver.
    assert (await api.client.post(f"{url}/accept", headers=owner)).status_code == 403
    assert (await api.client.get(url)).status_code == 401


async def test_overlapping_walks_are_refused(api: Api) -> None:
    profile, _, owner, _, pet = await marketplace(api)
    start = next_monday(14)
    first = await api.client.post("/api/v1/bookings", json=walk(profile, pet, start), headers=owner)
    assert first.status_code == 201
    overlap = await api.client.post(
        "/api/v1/bookings", json=walk(profile, pet, start + timedelta(minutes=30)), headers=owner
    )
    assert overlap.status_code == 409
    after = await api.client.post(
        "/api/v1/bookings", json=walk(profile, pet, start + timedelta(minutes=60)), headers=owner
    )
    assert after.status_code == 201


async def test_decline_and_cancel_release_the_slot(api: Api) -> None:
    profile, caregiver, owner, _, pet = await marketplace(api)
    start = next_monday(9)
    b1 = await requested_walk(api, profile, pet, owner, start)
    declined = await api.client.post(f"/api/v1/bookings/{b1['id']}/decline", headers=caregiver)
    assert declined.json()["status"] == "declined"
    assert declined.json()["payment_status"] == "canceled"
    b2 = await requested_walk(api, profile, pet, owner, start)
    cancelled = await api.client.post(
        f"/api/v1/bookings/{b2['id']}/cancel", json={"reason": "plans"}, headers=owner
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["refund"] == {"amount_cents": 0, "currency": "EUR"}
    assert (
        await api.client.post("/api/v1/bookings", json=walk(profile, pet, start), headers=owner)
    ).status_code == 201
    again = await api.client.post(f"/api/v1/bookings/{b2['id']}/cancel", headers=owner)
    assert again.status_code == 409


async def test_owner_cancel_after_capture_refunds_by_policy(api: Api) -> None:
    profile, caregiver, owner, _, pet = await marketplace(api)
    booking = await requested_walk(api, profile, pet, owner, next_monday(12, weeks=2))
    pi = booking["payment"]["payment_intent_id"]
    await api.webhook(payment_event("payment_intent.amount_capturable_updated", pi, 1500))
    await api.client.post(f"/api/v1/bookings/{booking['id']}/accept", headers=caregiver)
    cancelled = await api.client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=owner)
    body = cancelled.json()
    # Walks follow the flexible policy: more than a day ahead, everything back.
    assert body["refund"] == {"amount_cents": 1500, "currency": "EUR"}
    assert body["payment_status"] == "refunded"


async def test_bad_requests(api: Api) -> None:
    profile, _, owner, _, pet = await marketplace(api)
    _, other_owner = await api.new_user()
    foreign = (
        await api.client.post(
            "/api/v1/pets", json={"name": "Tom", "species": "cat"}, headers=other_owner
        )
    ).json()
    bird = (
        await api.client.post(
            "/api/v1/pets", json={"name": "Kiwi", "species": "bird"}, headers=owner
        )
    ).json()
    start = next_monday(10)
    cases: list[tuple[dict[str, Any], int]] = [
        ({**walk(profile, pet, start), "pet_ids": [foreign["id"]]}, 422),
        ({**walk(profile, pet, start), "pet_ids": [bird["id"]]}, 422),
        ({**walk(profile, pet, start), "pet_ids": [pet, pet]}, 422),
        ({**walk(profile, pet, start), "service": "house_sitting"}, 422),
        (walk(profile, pet, start, minutes=10), 422),
        (walk(profile, pet, start, minutes=240), 422),
        (walk(profile, pet, next_monday(6)), 422),  # before the 08:00 window
        (walk(profile, pet, datetime.now(BRUSSELS) - timedelta(days=1)), 422),
        (
            {**walk(profile, pet, start), "caregiver_id": "00000000-0000-7000-8000-000000000000"},
            404,
        ),
        ({**walk(profile, pet, start), "start": "2027-01-01T10:00:00"}, 400),
        ({**walk(profile, pet, start), "pet_ids": []}, 400),
    ]
    for body, status in cases:
        response = await api.client.post("/api/v1/bookings", json=body, headers=owner)
        assert response.status_code == status, (body, response.text)
    assert (await api.client.get("/api/v1/bookings", headers=owner)).json()["total"] == 0


async def test_a_bad_cancel_reason_moves_no_money_and_changes_nothing(api: Api) -> None:
    profile, caregiver, owner, _, pet = await marketplace(api)
    booking = await requested_walk(api, profile, pet, owner, next_monday(15, weeks=2))
    pi = booking["payment"]["payment_intent_id"]
    await api.webhook(payment_event("payment_intent.amount_capturable_updated", pi, 1500))
    await api.client.post(f"/api/v1/bookings/{booking['id']}/accept", headers=caregiver)
    # Valid for the schema (2000 characters), refused by the use case: composed
    # (NFC), each U+0958 becomes two characters.
    reason = "\u0958" * 2000
    bad = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/cancel", json={"reason": reason}, headers=owner
    )
    assert bad.status_code == 422, bad.text
    # A control character breaks the documented pattern: refused as malformed.
    control = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/cancel", json={"reason": "x\u0000y"}, headers=owner
    )
    assert control.status_code == 400, control.text
    state = (await api.client.get(f"/api/v1/bookings/{booking['id']}", headers=owner)).json()
    assert (state["status"], state["payment_status"], state["refunded"]["amount_cents"]) == (
        "accepted",
        "captured",
        0,
    )


async def test_wrong_or_late_authorizations_are_stored_but_not_believed(api: Api) -> None:
    profile, caregiver, owner, _, pet = await marketplace(api)
    booking = await requested_walk(api, profile, pet, owner, next_monday(16, weeks=2))
    pi = booking["payment"]["payment_intent_id"]
    assert (
        await api.webhook(payment_event("payment_intent.amount_capturable_updated", pi, 999)) == 200
    )
    state = (await api.client.get(f"/api/v1/bookings/{booking['id']}", headers=owner)).json()
    assert state["payment_status"] == "pending"
    assert (
        await api.client.post(f"/api/v1/bookings/{booking['id']}/accept", headers=caregiver)
    ).status_code == 409


async def test_the_list_follows_the_caller_when_no_role_is_given(api: Api) -> None:
    profile, caregiver, owner, admin, pet = await marketplace(api)
    booking = await requested_walk(api, profile, pet, owner, next_monday(10))
    c = api.client

    async def ids(headers: dict[str, str], query: str = "") -> list[str]:
        response = await c.get(f"/api/v1/bookings{query}", headers=headers)
        assert response.status_code == 200, response.text
        return [b["id"] for b in response.json()["items"]]

    # A caregiver who never booked as an owner sees the bookings made with them.
    assert await ids(caregiver) == [booking["id"]]
    assert await ids(owner) == [booking["id"]]
    _, newcomer = await api.new_user()
    assert await ids(newcomer) == []

    # Once they book as an owner themselves, owner is their default again.
    other, _ = await api.approved_caregiver(admin)
    own_pet = (
        await c.post("/api/v1/pets", json={"name": "Bo", "species": "dog"}, headers=caregiver)
    ).json()
    own = await requested_walk(api, other, own_pet["id"], caregiver, next_monday(12))
    assert await ids(caregiver) == [own["id"]]
    assert await ids(caregiver, "?role=owner") == [own["id"]]
    assert await ids(caregiver, "?role=caregiver") == [booking["id"]]
    assert (await c.get("/api/v1/bookings?role=caregiver", headers=owner)).status_code == 403
