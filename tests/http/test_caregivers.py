"""The caregiver journey and admin review, through HTTP on PostgreSQL."""

from __future__ import annotations

import json
import time

from tests.support import AVAILABILITY, PROFILE, SERVICES, Api, account_updated, stripe_signature


async def test_a_new_user_becomes_an_approved_caregiver_over_http(api: Api) -> None:
    admin = await api.new_admin()
    user, headers = await api.new_user(full_name="Sofie Maes")
    c = api.client

    created = await c.post("/api/v1/caregiver/profile", json={}, headers=headers)
    assert created.status_code == 201
    profile = created.json()
    assert profile["status"] == "draft"
    assert profile["display_name"] == "Sofie Maes"  # the user's name until changed
    assert profile["payouts_enabled"] is False
    me = (await c.get("/api/v1/me", headers=headers)).json()
    assert me["roles"] == ["owner", "caregiver"]
    assert (await c.post("/api/v1/caregiver/profile", json={}, headers=headers)).status_code == 409

    incomplete = await c.post("/api/v1/caregiver/submit", headers=headers)
    assert incomplete.status_code == 422
    missing = {e["field"] for e in incomplete.json()["errors"]}
    assert missing == {"bio", "postcode", "coordinates", "services", "accepted_species"}

    patched = await c.patch("/api/v1/caregiver/profile", json=PROFILE, headers=headers)
    assert patched.status_code == 200
    assert patched.json()["missing_for_submission"] == ["services"]
    services = await c.put("/api/v1/caregiver/services", json=SERVICES, headers=headers)
    assert [(s["service"], s["unit"]) for s in services.json()["services"]] == [
        ("dog_walking", "visit"),
        ("boarding", "night"),
    ]
    availability = await c.put("/api/v1/caregiver/availability", json=AVAILABILITY, headers=headers)
    assert availability.json()["availability"]["weekly"][0] == {
        "weekday": 0,
        "start": "08:00",
        "end": "18:00",
    }
    submitted = await c.post("/api/v1/caregiver/submit", headers=headers)
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "pending_review"

    # Not yet: Stripe has not said payouts are enabled.
    approve = f"/api/v1/admin/caregivers/{profile['id']}/approve"
    assert (await c.post(approve, headers=admin)).status_code == 400  # no reason
    too_early = await c.post(approve, json={"reason": "documents checked"}, headers=admin)
    assert too_early.status_code == 409

    onboarding = await c.post("/api/v1/caregiver/payouts/onboarding", headers=headers)
    assert onboarding.status_code == 200
    assert onboarding.json()["url"]
    account = (await c.get("/api/v1/caregiver/profile", headers=headers)).json()[
        "stripe_account_id"
    ]
    assert account.startswith("acct_")
    again = await c.post("/api/v1/caregiver/payouts/onboarding", headers=headers)
    assert (await c.get("/api/v1/caregiver/profile", headers=headers)).json()[
        "stripe_account_id"
    ] == account
    assert again.status_code == 200

    assert await api.webhook(account_updated(account, True)) == 200
    assert (await c.get("/api/v1/caregiver/profile", headers=headers)).json()[
        "payouts_enabled"
    ] is True

    pending = await c.get("/api/v1/admin/caregivers?status=pending_review", headers=admin)
    assert [p["id"] for p in pending.json()["items"]] == [profile["id"]]
    approved = await c.post(
        f"/api/v1/admin/caregivers/{profile['id']}/approve",
        json={"reason": "references ok"},
        headers=admin,
    )
    assert approved.status_code == 200
    body = approved.json()
    assert body["status"] == "approved"
    decision = body["decisions"][-1]
    assert decision["decision"] == "approve"
    assert decision["reason"] == "references ok"
    assert decision["admin_id"] != user["id"]
    own = (await c.get("/api/v1/caregiver/profile", headers=headers)).json()
    assert own["status"] == "approved"


async def test_reject_resubmit_suspend_reinstate(api: Api) -> None:
    admin = await api.new_admin()
    profile, _ = await api.approved_caregiver(admin)
    c, cid = api.client, profile["id"]

    no_reason = await c.post(
        f"/api/v1/admin/caregivers/{cid}/suspend", json={"reason": ""}, headers=admin
    )
    assert no_reason.status_code == 400
    suspended = await c.post(
        f"/api/v1/admin/caregivers/{cid}/suspend",
        json={"reason": "complaint under review"},
        headers=admin,
    )
    assert suspended.json()["status"] == "suspended"
    again = await c.post(
        f"/api/v1/admin/caregivers/{cid}/approve", json={"reason": "ok"}, headers=admin
    )
    assert again.status_code == 409
    reinstated = await c.post(f"/api/v1/admin/caregivers/{cid}/reinstate", headers=admin)
    assert reinstated.json()["status"] == "approved"
    kinds = [d["decision"] for d in reinstated.json()["decisions"]]
    assert kinds == ["approve", "suspend", "reinstate"]

    # A second caregiver: rejected, edits, resubmits.
    _, other = await api.new_user()
    await c.post("/api/v1/caregiver/profile", json=PROFILE, headers=other)
    await c.put("/api/v1/caregiver/services", json=SERVICES, headers=other)
    submitted = (await c.post("/api/v1/caregiver/submit", headers=other)).json()
    rejected = await c.post(
        f"/api/v1/admin/caregivers/{submitted['id']}/reject",
        json={"reason": "photo id unreadable"},
        headers=admin,
    )
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["decisions"][-1]["reason"] == "photo id unreadable"
    assert (await c.post("/api/v1/caregiver/submit", headers=other)).json()[
        "status"
    ] == "pending_review"


async def test_stale_account_updates_do_not_undo_newer_ones(api: Api) -> None:
    _, headers = await api.new_user()
    c = api.client
    await c.post("/api/v1/caregiver/profile", json=PROFILE, headers=headers)
    await c.post("/api/v1/caregiver/payouts/onboarding", headers=headers)
    account = (await c.get("/api/v1/caregiver/profile", headers=headers)).json()[
        "stripe_account_id"
    ]
    now = int(time.time())
    assert await api.webhook(account_updated(account, True, created=now)) == 200
    # An older event delivered late (Stripe does not keep order).
    assert await api.webhook(account_updated(account, False, created=now - 60)) == 200
    assert (await c.get("/api/v1/caregiver/profile", headers=headers)).json()[
        "payouts_enabled"
    ] is True
    assert await api.webhook(account_updated(account, False, created=now + 60)) == 200
    assert (await c.get("/api/v1/caregiver/profile", headers=headers)).json()[
        "payouts_enabled"
    ] is False


async def test_webhooks_are_verified_and_deduplicated(api: Api) -> None:
    _, headers = await api.new_user()
    c = api.client
    await c.post("/api/v1/caregiver/profile", json=PROFILE, headers=headers)
    await c.post("/api/v1/caregiver/payouts/onboarding", headers=headers)
    account = (await c.get("/api/v1/caregiver/profile", headers=headers)).json()[
        "stripe_account_id"
    ]

    forged = account_updated(account, True)
    assert await api.webhook(forged, secret="whsec_someone_else") == 400
    unsigned = await c.post("/api/stripe/webhook", content=forged)
    assert unsigned.status_code == 400
    assert (await c.get("/api/v1/caregiver/profile", headers=headers)).json()[
        "payouts_enabled"
    ] is False

    event = account_updated(account, True)
    first = await c.post(
        "/api/stripe/webhook", content=event, headers={"Stripe-Signature": stripe_signature(event)}
    )
    second = await c.post(
        "/api/stripe/webhook", content=event, headers={"Stripe-Signature": stripe_signature(event)}
    )
    assert first.status_code == second.status_code == 200
    assert first.json() == {"received": True, "duplicate": False}
    assert second.json() == {"received": True, "duplicate": True}

    unknown = json.dumps(
        {"id": "evt_unknown_1", "type": "customer.created", "created": 1, "data": {"object": {}}}
    ).encode()
    assert await api.webhook(unknown) == 200


async def test_profile_validation(api: Api) -> None:
    _, headers = await api.new_user()
    c = api.client
    await c.post("/api/v1/caregiver/profile", json={}, headers=headers)
    bad_bodies = [
        {"postcode": "999"},
        {"postcode": "0999"},
        {"latitude": 91},
        {"latitude": 50.8},  # without longitude
        {"max_pets": 0},
        {"max_pets": 10_000},
        {"service_radius_km": -5},
        {"accepted_species": ["dragon"]},
        {"cancellation_policy": "lenient"},
        {"bio": "x" * 5001},
        # A bio is public: no contact details, no direction overrides.
        {"bio": PROFILE["bio"] + " Mail me: sofie@example.be"},
        {"bio": PROFILE["bio"] + " Bel 0470 12 34 56"},
        {"bio": PROFILE["bio"] + " \u202eevil"},
        {"display_name": "\u200b\u200b\u200b"},
        {"display_name": "Sofie \u202eeraC"},
        {"display_name": "Sofie 0470/12.34.56"},
        {"display_name": "sofie-care.be"},
        {"city": "Gent 0470123456"},
        {"status": "approved"},
        {"payouts_enabled": True},
    ]
    before = (await c.get("/api/v1/caregiver/profile", headers=headers)).json()
    for body in bad_bodies:
        response = await c.patch("/api/v1/caregiver/profile", json=body, headers=headers)
        assert response.status_code in (400, 422), (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await c.get("/api/v1/caregiver/profile", headers=headers)).json() == before

    for services in (
        [{"service": "dog_walking", "price_cents": 99}],
        [
            {"service": "dog_walking", "price_cents": 1000},
            {"service": "dog_walking", "price_cents": 1200},
        ],
        [{"service": "grooming", "price_cents": 1000}],
        [{"service": "boarding", "price_cents": 1000, "extra_pet_price_cents": -1}],
        [{"service": "boarding", "price_cents": 10.5}],
    ):
        response = await c.put("/api/v1/caregiver/services", json=services, headers=headers)
        assert response.status_code in (400, 422), (services, response.text)
    for availability in (
        {"weekly": [{"weekday": 7, "start": "08:00", "end": "18:00"}]},
        {"weekly": [{"weekday": 0, "start": "18:00", "end": "08:00"}]},
        {"weekly": [{"weekday": 0, "start": "8am", "end": "18:00"}]},
        {
            "weekly": [
                {"weekday": 0, "start": "08:00", "end": "12:00"},
                {"weekday": 0, "start": "11:00", "end": "18:00"},
            ]
        },
        {"blocked": [{"start": "2027-01-02T00:00:00+01:00", "end": "2027-01-01T00:00:00+01:00"}]},
        {"blocked": [{"start": "2027-01-01T00:00:00", "end": "2027-01-02T00:00:00"}]},
    ):
        response = await c.put("/api/v1/caregiver/availability", json=availability, headers=headers)
        assert response.status_code in (400, 422), (availability, response.text)
    assert (await c.get("/api/v1/caregiver/profile", headers=headers)).json() == before


async def test_a_refused_profile_text_names_the_field(api: Api) -> None:
    _, headers = await api.new_user()
    body = {**PROFILE, "bio": PROFILE["bio"] + " Mail me: sofie@example.be"}
    response = await api.client.post("/api/v1/caregiver/profile", json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert "bio" in response.text
    composed = {**PROFILE, "display_name": "Sofie's Cafe\u0301"}
    response = await api.client.post("/api/v1/caregiver/profile", json=composed, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["display_name"] == "Sofie's Caf\u00e9"


async def test_a_live_profile_cannot_be_emptied(api: Api) -> None:
    admin = await api.new_admin()
    profile, headers = await api.approved_caregiver(admin)
    c = api.client
    emptied = await c.patch(
        "/api/v1/caregiver/profile", json={"bio": "", "postcode": None}, headers=headers
    )
    assert emptied.status_code == 422
    assert {e["field"] for e in emptied.json()["errors"]} == {"bio", "postcode"}
    no_services = await c.put("/api/v1/caregiver/services", json=[], headers=headers)
    assert no_services.status_code == 422
    after = (await c.get("/api/v1/caregiver/profile", headers=headers)).json()
    assert after["status"] == "approved"
    assert after["bio"] == profile["bio"] and len(after["services"]) == 2
    # A draft may be emptied freely.
    _, other = await api.new_user()
    await c.post("/api/v1/caregiver/profile", json=PROFILE, headers=other)
    assert (
        await c.patch("/api/v1/caregiver/profile", json={"bio": ""}, headers=other)
    ).status_code == 200


async def test_out_of_range_instants_are_refused_not_crashed(api: Api) -> None:
    _, headers = await api.new_user()
    await api.client.post("/api/v1/caregiver/profile", json={}, headers=headers)
    for start, end in (
        ("0001-01-01T00:00:00+01:00", "0001-01-02T00:00:00+01:00"),
        ("9999-12-31T20:00:00-05:00", "9999-12-31T23:00:00-05:00"),
        ("1970-01-01T00:00:00+00:00", "1970-01-02T00:00:00+00:00"),
    ):
        body = {"blocked": [{"start": start, "end": end}]}
        response = await api.client.put(
            "/api/v1/caregiver/availability", json=body, headers=headers
        )
        assert response.status_code == 422, (start, response.text)
