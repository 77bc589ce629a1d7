"""Payments through HTTP on PostgreSQL, in test mode with the simulated gateway:
capture, payout after the dispute window, disputes, refunds, the ledger and
Stripe's webhooks."""

from __future__ import annotations

import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

from tests.http.payments_support import (
    PRICES,
    Caregiver,
    Json,
    Owner,
    Person,
    admin,
    assert_problem,
    authorize,
    book,
    booking_body,
    brussels,
    captured_booking,
    caregiver,
    chargeback_event,
    commission_of,
    deliver,
    emails_to,
    first_weekday_after,
    get_booking,
    half_up_percent,
    intent_event,
    ledger,
    money,
    moved,
    owner,
    payout_of,
    run_at,
    run_due_jobs,
    sent_emails,
    set_clock,
    stored_event,
    stripe_event,
)
from tests.support import Api, stripe_signature

YEAR = date.today().year + 1
MONDAY = first_weekday_after(date(YEAR, 6, 1), 0)
WALK = PRICES["dog_walking"]  # 19.99: commission 4.00, payout 15.99
WINDOW = timedelta(hours=48)
UNKNOWN_BOOKING = "0190f1f0-0000-7000-8000-000000000000"


async def parties(api: Api) -> tuple[Person, Caregiver, Owner]:
    boss = await admin(api)
    return boss, await caregiver(api, boss.headers), await owner(api)


async def walk(api: Api, carer: Caregiver, pet_owner: Owner, start: datetime) -> Json:
    """A captured walk, booked two days ahead."""
    return await captured_booking(
        api, carer, pet_owner, "dog_walking", start, start - timedelta(days=2)
    )


def at(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


async def test_book_authorize_accept_complete_and_pay_out_once(api: Api, tmp_path: Path) -> None:
    c = api.client
    boss, carer, pet_owner = await parties(api)
    start = brussels(MONDAY, 10)
    end = start + timedelta(hours=1)
    now = start - timedelta(days=3)
    await set_clock(c, now)

    created = await c.post(
        "/api/v1/bookings",
        json=booking_body(carer, pet_owner, "dog_walking", start, end),
        headers=pet_owner.headers,
    )
    assert created.status_code == 201, created.text
    booking = created.json()
    assert booking["price"] == {
        "units": 1,
        "total": money(WALK),
        "commission": money(commission_of(WALK)),
        "caregiver_payout": money(payout_of(WALK)),
    }
    assert (booking["status"], booking["payment_status"], booking["payout_status"]) == (
        "requested",
        "pending",
        "none",
    )
    assert at(booking["created_at"]) == now
    payment = booking["payment"]
    assert payment["payment_intent_id"] and payment["client_secret"].startswith(
        payment["payment_intent_id"]
    )

    await authorize(api, booking, now + timedelta(minutes=5))
    assert (await get_booking(api, booking["id"], pet_owner.headers))["payment_status"] == (
        "authorized"
    )
    accepted = await c.post(f"/api/v1/bookings/{booking['id']}/accept", headers=carer.headers)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["payment_status"] == "captured"
    assert accepted.json()["payout_status"] == "none"

    # The walk runs; once it is over it completes and its payout waits for the window.
    ran = await run_at(c, end + timedelta(minutes=1))
    assert (ran["bookings.start"], ran["bookings.complete"], ran["payments.payouts"]) == (1, 1, 0)
    done = await get_booking(api, booking["id"], carer.headers)
    assert (done["status"], done["payout_status"]) == ("completed", "scheduled")
    deadline = end + timedelta(minutes=1) + WINDOW
    assert at(done["payout_not_before"]) == deadline
    assert done["paid_out"] == money(0)

    # Inside the window nothing is paid.
    for moment in (end + timedelta(hours=24), deadline - timedelta(minutes=1)):
        assert (await run_at(c, moment))["payments.payouts"] == 0
    waiting = await get_booking(api, booking["id"], carer.headers)
    assert (waiting["payout_status"], waiting["paid_out"]) == ("scheduled", money(0))

    # Once it has passed, the caregiver's share is paid, once.
    assert (await run_at(c, deadline))["payments.payouts"] == 1
    paid = await get_booking(api, booking["id"], carer.headers)
    assert (paid["status"], paid["payout_status"]) == ("completed", "paid")
    assert paid["paid_out"] == money(WALK - commission_of(WALK))
    assert paid["refunded"] == money(0) and paid["payment_status"] == "captured"
    assert (await run_due_jobs(c))["payments.payouts"] == 0
    assert (await run_at(c, deadline + timedelta(days=3)))["payments.payouts"] == 0
    again = await get_booking(api, booking["id"], pet_owner.headers)
    assert (again["payout_status"], again["paid_out"]) == ("paid", paid["paid_out"])

    # The ledger: held, captured, split between the platform and the caregiver.
    book_ledger = await ledger(api, booking["id"], boss.headers)
    assert book_ledger["booking_id"] == booking["id"]
    assert book_ledger["balanced"] is True and book_ledger["problems"] == []
    assert sorted(e["movement"] for e in book_ledger["entries"]) == [
        "authorization",
        "capture",
        "commission",
        "transfer",
    ]
    assert moved(book_ledger) == {
        "authorization": WALK,
        "capture": WALK,
        "commission": commission_of(WALK),
        "transfer": payout_of(WALK),
    }
    routes = {e["movement"]: (e["source"], e["destination"]) for e in book_ledger["entries"]}
    assert routes == {
        "authorization": ("owner", "card_hold"),
        "capture": ("card_hold", "escrow"),
        "commission": ("escrow", "platform"),
        "transfer": ("escrow", "caregiver"),
    }
    assert {k: v["amount_cents"] for k, v in book_ledger["balances"].items()} == {
        "owner": -WALK,
        "card_hold": 0,
        "escrow": 0,
        "platform": commission_of(WALK),
        "caregiver": payout_of(WALK),
        "stripe_fees": 0,
    }
    assert all(e["amount"]["currency"] == "EUR" for e in book_ledger["entries"])
    url = f"/api/v1/admin/ledger/{booking['id']}"
    assert (await c.get(url, headers=pet_owner.headers)).status_code == 403
    assert (await c.get(url, headers=carer.headers)).status_code == 403
    assert (await c.get(url)).status_code == 401
    missing = await c.get(f"/api/v1/admin/ledger/{UNKNOWN_BOOKING}", headers=boss.headers)
    assert_problem(missing, 404)

    # The caregiver is told, once.
    [payout_sent] = await sent_emails(api, "payout_sent", carer.id)
    assert payout_sent["booking_id"] == booking["id"]
    assert payout_sent["amount_cents"] == payout_of(WALK)
    [message] = [m for m in emails_to(tmp_path / "emails", carer.email) if "Payout" in m["Subject"]]
    assert message["Subject"].startswith("Payout sent") and "15,99" in message["Subject"]  # en_BE
    assert await sent_emails(api, "payout_sent", pet_owner.id) == []


async def test_owner_disputes_and_admin_resolutions(api: Api, tmp_path: Path) -> None:
    c = api.client
    boss, carer, pet_owner = await parties(api)
    released = await walk(api, carer, pet_owner, brussels(MONDAY, 10))
    late = await walk(api, carer, pet_owner, brussels(MONDAY, 12))
    refunded = await walk(api, carer, pet_owner, brussels(MONDAY, 14))
    completed_at = brussels(MONDAY, 15, 1)
    assert (await run_at(c, completed_at))["bookings.complete"] == 3
    deadline = completed_at + WINDOW
    _, stranger = await api.new_user()

    # Inside the window: only the owner may dispute; the payout is held.
    await set_clock(c, completed_at + timedelta(hours=1))
    url = f"/api/v1/bookings/{released['id']}/dispute"
    reason = {"reason": "Rex came back after ten minutes"}
    assert_problem(await c.post(url, json=reason, headers=carer.headers), 403)
    assert_problem(await c.post(url, json=reason, headers=boss.headers), 403)
    assert_problem(await c.post(url, json=reason, headers=stranger), 404)
    assert (await c.post(url, json=reason)).status_code == 401
    for bad in ({}, {"reason": ""}, {"reason": 5}):
        assert_problem(await c.post(url, json=bad, headers=pet_owner.headers), 400, 422)
    assert (await get_booking(api, released["id"], pet_owner.headers))["status"] == "completed"

    disputed = await c.post(url, json=reason, headers=pet_owner.headers)
    assert disputed.status_code == 200, disputed.text
    assert (disputed.json()["status"], disputed.json()["payout_status"]) == ("disputed", "held")
    assert_problem(await c.post(url, json=reason, headers=pet_owner.headers), 409)
    other = await c.post(
        f"/api/v1/bookings/{refunded['id']}/dispute", json=reason, headers=pet_owner.headers
    )
    assert other.status_code == 200, other.text

    # Admins hear of both disputes.
    await run_due_jobs(c)
    alerts = await sent_emails(api, "dispute_opened", boss.id)
    assert sorted(a["booking_id"] for a in alerts) == sorted([released["id"], refunded["id"]])
    subjects = [m["Subject"] for m in emails_to(tmp_path / "emails", boss.email)]
    assert sum(s.startswith("Dispute opened") for s in subjects) == 2

    # When the window has passed: too late to dispute, and only the undisputed is paid.
    await set_clock(c, deadline)
    too_late = await c.post(
        f"/api/v1/bookings/{late['id']}/dispute", json=reason, headers=pet_owner.headers
    )
    assert_problem(too_late, 409)
    assert (await run_due_jobs(c))["payments.payouts"] == 1
    assert (await get_booking(api, late["id"], pet_owner.headers))["payout_status"] == "paid"
    for held in (released, refunded):
        state = await get_booking(api, held["id"], pet_owner.headers)
        assert (state["status"], state["payout_status"]) == ("disputed", "held")

    # Bad resolutions are refused and change nothing.
    resolve = f"/api/v1/admin/bookings/{released['id']}/resolve-dispute"
    bad_resolutions: list[Json] = [
        {"outcome": "refund", "amount_cents": 0},
        {"outcome": "refund", "amount_cents": -100},
        {"outcome": "refund", "amount_cents": WALK + 1},
        {"outcome": "refund", "amount_cents": 10.5},
        {"outcome": "maybe"},
        {},
    ]
    for bad in bad_resolutions:
        assert_problem(await c.post(resolve, json=bad, headers=boss.headers), 400, 422)
    release = {"outcome": "release"}
    assert_problem(await c.post(resolve, json=release, headers=pet_owner.headers), 403)
    assert_problem(await c.post(resolve, json=release, headers=carer.headers), 403)
    missing = f"/api/v1/admin/bookings/{UNKNOWN_BOOKING}/resolve-dispute"
    assert_problem(await c.post(missing, json=release, headers=boss.headers), 404)
    unchanged = await get_booking(api, released["id"], pet_owner.headers)
    assert (unchanged["status"], unchanged["payout_status"]) == ("disputed", "held")
    assert (unchanged["payment_status"], unchanged["refunded"]) == ("captured", money(0))
    assert "refund" not in moved(await ledger(api, released["id"], boss.headers))

    # Released: completed, and paid by the next run.
    resolved_at = deadline + timedelta(hours=2)
    await set_clock(c, resolved_at)
    response = await c.post(resolve, json=release, headers=boss.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["payout_status"]) == ("completed", "scheduled")
    assert body["refund"] == money(0) and body["refunded"] == money(0)
    assert at(body["payout_not_before"]) == resolved_at
    assert_problem(await c.post(resolve, json=release, headers=boss.headers), 409)

    # Refunded in part: the kept amount is the new total for the split.
    partial = 500
    kept = WALK - partial
    response = await c.post(
        f"/api/v1/admin/bookings/{refunded['id']}/resolve-dispute",
        json={"outcome": "refund", "amount_cents": partial},
        headers=boss.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["payout_status"]) == ("completed", "scheduled")
    assert (body["payment_status"], body["refund"], body["refunded"]) == (
        "partially_refunded",
        money(partial),
        money(partial),
    )

    assert (await run_due_jobs(c))["payments.payouts"] == 2
    paid = await get_booking(api, released["id"], carer.headers)
    assert (paid["payout_status"], paid["paid_out"]) == ("paid", money(payout_of(WALK)))
    reduced = await get_booking(api, refunded["id"], carer.headers)
    assert (reduced["payout_status"], reduced["paid_out"]) == ("paid", money(payout_of(kept)))
    assert (await run_due_jobs(c))["payments.payouts"] == 0

    reduced_ledger = await ledger(api, refunded["id"], boss.headers)
    assert reduced_ledger["balanced"] is True, reduced_ledger["problems"]
    assert moved(reduced_ledger) == {
        "authorization": WALK,
        "capture": WALK,
        "refund": partial,
        "commission": commission_of(kept),
        "transfer": payout_of(kept),
    }
    assert (await ledger(api, released["id"], boss.headers))["balanced"] is True


async def test_an_owner_refunded_by_a_dispute_resolution_is_told(api: Api, tmp_path: Path) -> None:
    c = api.client
    boss, carer, pet_owner = await parties(api)
    booking = await walk(api, carer, pet_owner, brussels(MONDAY, 10))
    completed_at = brussels(MONDAY, 11, 1)
    await run_at(c, completed_at)
    await set_clock(c, completed_at + timedelta(hours=2))
    disputed = await c.post(
        f"/api/v1/bookings/{booking['id']}/dispute",
        json={"reason": "Rex came back muddy and hungry"},
        headers=pet_owner.headers,
    )
    assert disputed.status_code == 200, disputed.text
    resolved = await c.post(
        f"/api/v1/admin/bookings/{booking['id']}/resolve-dispute",
        json={"outcome": "refund", "amount_cents": 700},
        headers=boss.headers,
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["refunded"] == money(700)
    await run_due_jobs(c)
    # docs/rules.md, Notifications: the owner gets the refund_issued email for any refund.
    [notice] = await sent_emails(api, "refund_issued", pet_owner.id)
    assert (notice["booking_id"], notice["amount_cents"]) == (booking["id"], 700)
    assert any(
        m["Subject"].startswith("Refund issued")
        for m in emails_to(tmp_path / "emails", pet_owner.email)
    )


async def test_admin_refund_after_the_payout_reverses_the_caregivers_share(
    api: Api, tmp_path: Path
) -> None:
    c = api.client
    boss, carer, pet_owner = await parties(api)
    booking = await walk(api, carer, pet_owner, brussels(MONDAY, 10))
    completed_at = brussels(MONDAY, 11, 5)
    await run_at(c, completed_at)
    assert (await run_at(c, completed_at + WINDOW))["payments.payouts"] == 1
    before = await get_booking(api, booking["id"], pet_owner.headers)
    assert (before["payout_status"], before["paid_out"]) == ("paid", money(payout_of(WALK)))

    url = f"/api/v1/admin/bookings/{booking['id']}/refund"
    for bad in (
        {"amount_cents": 0, "reason": "goodwill"},
        {"amount_cents": -1, "reason": "goodwill"},
        {"amount_cents": WALK + 1, "reason": "goodwill"},
        {"amount_cents": 500},
        {"amount_cents": 500, "reason": ""},
        {"reason": "goodwill"},
    ):
        assert_problem(await c.post(url, json=bad, headers=boss.headers), 400, 422)
    good = {"amount_cents": 500, "reason": "The walk was cut short"}
    assert_problem(await c.post(url, json=good, headers=pet_owner.headers), 403)
    assert_problem(await c.post(url, json=good, headers=carer.headers), 403)
    missing = f"/api/v1/admin/bookings/{UNKNOWN_BOOKING}/refund"
    assert_problem(await c.post(missing, json=good, headers=boss.headers), 404)
    assert await get_booking(api, booking["id"], pet_owner.headers) == before

    response = await c.post(url, json=good, headers=boss.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    kept = WALK - 500
    assert (body["refund"], body["refunded"]) == (money(500), money(500))
    assert (body["payment_status"], body["payout_status"]) == ("partially_refunded", "reversed")
    assert body["paid_out"] == money(payout_of(kept))
    reversal = payout_of(WALK) - payout_of(kept)
    commission_back = commission_of(WALK) - commission_of(kept)
    assert reversal + commission_back == 500
    # The caregiver gives back their share of the refund (80 %), the platform the rest.
    assert abs(reversal - 500 * 80 // 100) <= 1

    refund_ledger = await ledger(api, booking["id"], boss.headers)
    assert refund_ledger["balanced"] is True, refund_ledger["problems"]
    assert moved(refund_ledger) == {
        "authorization": WALK,
        "capture": WALK,
        "commission": commission_of(WALK),
        "transfer": payout_of(WALK),
        "reversal": reversal,
        "commission_return": commission_back,
        "refund": 500,
    }
    routes = {e["movement"]: (e["source"], e["destination"]) for e in refund_ledger["entries"]}
    assert routes["reversal"] == ("caregiver", "escrow")
    assert routes["commission_return"] == ("platform", "escrow")
    assert routes["refund"] == ("escrow", "owner")
    assert {k: v["amount_cents"] for k, v in refund_ledger["balances"].items()} == {
        "owner": -kept,
        "card_hold": 0,
        "escrow": 0,
        "platform": commission_of(kept),
        "caregiver": payout_of(kept),
        "stripe_fees": 0,
    }

    # The owner is told.
    await run_due_jobs(c)
    [notice] = await sent_emails(api, "refund_issued", pet_owner.id)
    assert (notice["booking_id"], notice["amount_cents"]) == (booking["id"], 500)
    [message] = [
        m for m in emails_to(tmp_path / "emails", pet_owner.email) if "Refund" in m["Subject"]
    ]
    assert "5,00" in message["Subject"]

    # The rest back too: nothing stays with anyone, and nothing more can go.
    rest = await c.post(
        url, json={"amount_cents": kept, "reason": "all of it"}, headers=boss.headers
    )
    assert rest.status_code == 200, rest.text
    assert (rest.json()["payment_status"], rest.json()["refunded"]) == ("refunded", money(WALK))
    assert rest.json()["paid_out"] == money(0)
    emptied = await ledger(api, booking["id"], boss.headers)
    assert emptied["balanced"] is True, emptied["problems"]
    assert {k: v["amount_cents"] for k, v in emptied["balances"].items()} == {
        "owner": 0,
        "card_hold": 0,
        "escrow": 0,
        "platform": 0,
        "caregiver": 0,
        "stripe_fees": 0,
    }
    assert_problem(await c.post(url, json=good, headers=boss.headers), 409, 422)
    assert (await run_at(c, completed_at + WINDOW * 3))["payments.payouts"] == 0


async def test_badly_signed_events_are_refused_and_not_stored(api: Api) -> None:
    c = api.client
    _, carer, pet_owner = await parties(api)
    now = brussels(MONDAY, 8)
    await set_clock(c, now)
    start = brussels(MONDAY, 10)
    booking = await book(
        api,
        booking_body(carer, pet_owner, "dog_walking", start, start + timedelta(hours=1)),
        pet_owner,
    )
    pi = booking["payment"]["payment_intent_id"]
    obj = {"id": pi, "object": "payment_intent", "amount": WALK, "amount_capturable": WALK}
    event_id = f"evt_{uuid.uuid4().hex}"
    payload = stripe_event("payment_intent.amount_capturable_updated", obj, now, event_id)
    json_type = {"Content-Type": "application/json"}
    assert f'"amount": {WALK}'.encode() in payload
    attempts = [
        await deliver(c, payload, secret="whsec_not_ours"),
        await c.post("/api/stripe/webhook", content=payload, headers=json_type),
        await c.post(
            "/api/stripe/webhook",
            content=payload,
            headers={
                **json_type,
                "Stripe-Signature": stripe_signature(payload, at=int(time.time()) - 3600),
            },
        ),
        await c.post(
            "/api/stripe/webhook",
            content=payload.replace(f'"amount": {WALK}'.encode(), b'"amount": 1'),
            headers={**json_type, "Stripe-Signature": stripe_signature(payload)},
        ),
        await deliver(c, b'{"not": "an event"}'),
    ]
    for response in attempts:
        assert_problem(response, 400)
    assert await stored_event(api, event_id) is None
    assert (await get_booking(api, booking["id"], pet_owner.headers))["payment_status"] == "pending"
    # The same event, signed with the right secret now, is stored and believed.
    assert (await deliver(c, payload)).status_code == 200
    assert await stored_event(api, event_id) is not None
    state = await get_booking(api, booking["id"], pet_owner.headers)
    assert state["payment_status"] == "authorized"


async def test_duplicates_unknown_types_and_reordered_events(api: Api) -> None:
    c = api.client
    boss, carer, pet_owner = await parties(api)
    now = brussels(MONDAY, 8)
    await set_clock(c, now)
    start = brussels(MONDAY, 10)
    booking = await book(
        api,
        booking_body(carer, pet_owner, "dog_walking", start, start + timedelta(hours=1)),
        pet_owner,
    )
    pi = booking["payment"]["payment_intent_id"]

    # At least once: the second delivery of the same event changes nothing.
    held = intent_event("payment_intent.amount_capturable_updated", pi, WALK, now)
    first = await deliver(c, held)
    assert (first.status_code, first.json()) == (200, {"received": True, "duplicate": False})
    second = await deliver(c, held)
    assert (second.status_code, second.json()) == (200, {"received": True, "duplicate": True})
    authorized = await get_booking(api, booking["id"], pet_owner.headers)
    assert authorized["payment_status"] == "authorized"
    entries = (await ledger(api, booking["id"], boss.headers))["entries"]
    assert [e["movement"] for e in entries] == ["authorization"]

    # Out of order: an older failure arriving late does not undo the authorization.
    failed_earlier = intent_event(
        "payment_intent.payment_failed", pi, WALK, now - timedelta(minutes=1)
    )
    late = await deliver(c, failed_earlier)
    assert (late.status_code, late.json()["duplicate"]) == (200, False)
    assert await get_booking(api, booking["id"], pet_owner.headers) == authorized
    accepted = await c.post(f"/api/v1/bookings/{booking['id']}/accept", headers=carer.headers)
    assert accepted.status_code == 200, accepted.text
    captured = accepted.json()
    assert captured["payment_status"] == "captured"

    # Events about a payment already captured change nothing either.
    for stale in (
        intent_event("payment_intent.amount_capturable_updated", pi, WALK, now),
        intent_event("payment_intent.payment_failed", pi, WALK, now),
        intent_event("payment_intent.canceled", pi, WALK, now),
    ):
        assert (await deliver(c, stale)).status_code == 200
    assert await get_booking(api, booking["id"], carer.headers) == captured
    after = await ledger(api, booking["id"], boss.headers)
    assert moved(after) == {"authorization": WALK, "capture": WALK}
    assert after["balanced"] is True

    # Types without a handler are stored and acknowledged.
    unknown_id = f"evt_{uuid.uuid4().hex}"
    unknown = stripe_event(
        "customer.created", {"id": "cus_123", "object": "customer"}, now, unknown_id
    )
    response = await deliver(c, unknown)
    assert (response.status_code, response.json()) == (200, {"received": True, "duplicate": False})
    row = await stored_event(api, unknown_id)
    assert row is not None and row.type == "customer.created" and row.processed_at is not None
    assert (await deliver(c, unknown)).json()["duplicate"] is True


async def test_a_failed_payment_is_marked_and_the_owner_told(api: Api, tmp_path: Path) -> None:
    c = api.client
    _, carer, pet_owner = await parties(api)
    now = brussels(MONDAY, 8)
    await set_clock(c, now)
    start = brussels(MONDAY, 10)
    booking = await book(
        api,
        booking_body(carer, pet_owner, "dog_walking", start, start + timedelta(hours=1)),
        pet_owner,
    )
    pi = booking["payment"]["payment_intent_id"]
    failed = await deliver(c, intent_event("payment_intent.payment_failed", pi, WALK, now))
    assert failed.status_code == 200
    state = await get_booking(api, booking["id"], pet_owner.headers)
    assert (state["status"], state["payment_status"]) == ("requested", "failed")
    refused = await c.post(f"/api/v1/bookings/{booking['id']}/accept", headers=carer.headers)
    assert_problem(refused, 409)

    await run_due_jobs(c)
    [notice] = await sent_emails(api, "payment_failed", pet_owner.id)
    assert notice["booking_id"] == booking["id"]
    subjects = [m["Subject"] for m in emails_to(tmp_path / "emails", pet_owner.email)]
    assert "Your payment did not go through" in subjects
    assert await sent_emails(api, "payment_failed", carer.id) == []

    # Another card, within the window: authorized after all.
    await authorize(api, booking, now + timedelta(minutes=10))
    assert (await get_booking(api, booking["id"], pet_owner.headers))["payment_status"] == (
        "authorized"
    )


async def test_a_chargeback_holds_the_scheduled_payout_and_tells_admins(
    api: Api, tmp_path: Path
) -> None:
    c = api.client
    boss, carer, pet_owner = await parties(api)
    booking = await walk(api, carer, pet_owner, brussels(MONDAY, 10))
    completed_at = brussels(MONDAY, 11, 1)
    await run_at(c, completed_at)
    assert (await get_booking(api, booking["id"], carer.headers))["payout_status"] == "scheduled"

    await set_clock(c, completed_at + timedelta(hours=3))
    pi = booking["payment"]["payment_intent_id"]
    response = await deliver(c, chargeback_event(pi, WALK, completed_at + timedelta(hours=3)))
    assert response.status_code == 200, response.text
    state = await get_booking(api, booking["id"], carer.headers)
    assert (state["status"], state["payout_status"]) == ("completed", "held")

    await run_due_jobs(c)
    [alert] = await sent_emails(api, "chargeback_opened", boss.id)
    assert alert["booking_id"] == booking["id"]
    subjects = [m["Subject"] for m in emails_to(tmp_path / "emails", boss.email)]
    assert any(s.startswith("Chargeback") for s in subjects)

    # Held past the window until an admin releases it.
    assert (await run_at(c, completed_at + WINDOW * 2))["payments.payouts"] == 0
    assert (await get_booking(api, booking["id"], carer.headers))["paid_out"] == money(0)
    release = await c.post(
        f"/api/v1/admin/bookings/{booking['id']}/resolve-dispute",
        json={"outcome": "release"},
        headers=boss.headers,
    )
    assert release.status_code == 200, release.text
    assert (release.json()["status"], release.json()["payout_status"]) == ("completed", "scheduled")
    assert (await run_due_jobs(c))["payments.payouts"] == 1
    assert (await get_booking(api, booking["id"], carer.headers))["paid_out"] == money(
        payout_of(WALK)
    )


async def test_a_late_owner_cancellation_pays_the_caregiver_their_share_of_what_is_kept(
    api: Api,
) -> None:
    c = api.client
    boss, carer, pet_owner = await parties(api)
    nothing_back = await walk(api, carer, pet_owner, brussels(MONDAY, 10))
    half_back = await walk(api, carer, pet_owner, brussels(MONDAY + timedelta(days=1), 10))

    # After the start: the owner gets nothing back (walks follow `flexible`).
    first_cancel = brussels(MONDAY, 10, 1)
    await set_clock(c, first_cancel)
    response = await c.post(
        f"/api/v1/bookings/{nothing_back['id']}/cancel", headers=pet_owner.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["payment_status"], body["payout_status"]) == (
        "cancelled",
        "captured",
        "scheduled",
    )
    assert (body["refund"], body["refunded"]) == (money(0), money(0))
    assert at(body["payout_not_before"]) == first_cancel + WINDOW

    # After noon the day before, before the start: half back.
    second_cancel = brussels(MONDAY + timedelta(days=1), 9)
    await set_clock(c, second_cancel)
    response = await c.post(
        f"/api/v1/bookings/{half_back['id']}/cancel",
        json={"reason": "Plans changed"},
        headers=pet_owner.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    half = half_up_percent(WALK, 50)
    assert (body["refund"], body["refunded"]) == (money(half), money(half))
    assert (body["payment_status"], body["payout_status"]) == ("partially_refunded", "scheduled")
    assert at(body["payout_not_before"]) == second_cancel + WINDOW

    # Each is paid once its window has passed, the kept amount split as a new total.
    assert (await run_at(c, first_cancel + WINDOW - timedelta(minutes=1)))["payments.payouts"] == 0
    assert (await run_at(c, first_cancel + WINDOW))["payments.payouts"] == 1
    assert (await run_at(c, second_cancel + WINDOW - timedelta(minutes=1)))["payments.payouts"] == 0
    assert (await run_at(c, second_cancel + WINDOW))["payments.payouts"] == 1
    assert (await run_due_jobs(c))["payments.payouts"] == 0

    kept = WALK - half
    for booking, kept_cents in ((nothing_back, WALK), (half_back, kept)):
        state = await get_booking(api, booking["id"], carer.headers)
        assert (state["status"], state["payout_status"]) == ("cancelled", "paid")
        assert state["paid_out"] == money(payout_of(kept_cents))
        book_ledger = await ledger(api, booking["id"], boss.headers)
        assert book_ledger["balanced"] is True, book_ledger["problems"]
        expected = {
            "authorization": WALK,
            "capture": WALK,
            "commission": commission_of(kept_cents),
            "transfer": payout_of(kept_cents),
        }
        if kept_cents != WALK:
            expected["refund"] = WALK - kept_cents
        assert moved(book_ledger) == expected
    payouts = await sent_emails(api, "payout_sent", carer.id)
    assert sorted(p["amount_cents"] for p in payouts) == sorted([payout_of(WALK), payout_of(kept)])
