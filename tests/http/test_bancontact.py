"""Bancontact through HTTP with the simulated gateway (docs/rules.md, Payments).

Taken at once: the request is paid (captured) before the caregiver answers,
acceptance captures nothing, and a request that ends unaccepted is refunded
in full; once accepted the cancellation policy applies as for a card.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from tailtribe.domain.services.payments.ledger import Reconcile
from tests.http.payments_support import (
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
    caregiver,
    deliver,
    first_weekday_after,
    get_booking,
    ledger,
    moved,
    owner,
    period,
    run_at,
    run_due_jobs,
    sent_emails,
    set_clock,
    stored_event,
    stripe_event,
)
from tests.support import Api

YEAR = date.today().year + 1
MONDAY = first_weekday_after(date(YEAR, 6, 1), 0)
START = brussels(MONDAY, 10)
NOW = START - timedelta(days=3)


async def parties(api: Api) -> tuple[Person, Caregiver, Owner]:
    boss = await admin(api)
    return boss, await caregiver(api, boss.headers), await owner(api)


async def requested(
    api: Api, carer: Caregiver, pet_owner: Owner, service: str = "boarding"
) -> Json:
    await set_clock(api.client, NOW)
    return await book(
        api, booking_body(carer, pet_owner, service, *period(service, START)), pet_owner
    )


async def pay_bancontact(api: Api, booking: Json, pet_owner: Owner) -> Json:
    response = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/simulated-payment",
        json={"outcome": "bancontact"},
        headers=pet_owner.headers,
    )
    assert response.status_code == 200, response.text
    paid: Json = response.json()
    return paid


async def balanced(api: Api, booking_id: str, boss: Person) -> Json:
    body = await ledger(api, booking_id, boss.headers)
    assert body["balanced"] is True, body["problems"]
    assert "authorization" not in moved(body) and "capture" not in moved(body)
    return body


async def test_paid_before_acceptance_and_accepted_without_a_capture(api: Api) -> None:
    boss, carer, pet_owner = await parties(api)
    booking = await requested(api, carer, pet_owner)
    total = booking["price"]["total"]["amount_cents"]
    assert booking["payment_method"] is None

    paid = await pay_bancontact(api, booking, pet_owner)
    assert (paid["status"], paid["payment_status"], paid["payment_method"]) == (
        "requested",
        "captured",
        "bancontact",
    )
    # The caregiver sees the method too, and the message stays masked until acceptance.
    seen = await get_booking(api, booking["id"], carer.headers)
    assert seen["payment_method"] == "bancontact" and seen["payment"] is None
    listed = await api.client.get("/api/v1/bookings", headers=pet_owner.headers)
    assert [b["payment_method"] for b in listed.json()["items"]] == ["bancontact"]
    assert moved(await balanced(api, booking["id"], boss))["immediate_capture"] == total
    # The caregiver is told of a paid request, as of a held card.
    await run_due_jobs(api.client)
    [told] = await sent_emails(api, "booking_requested", carer.id)
    assert told["booking_id"] == booking["id"]
    # Paid already: a second payment is refused.
    again = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/simulated-payment",
        json={"outcome": "bancontact"},
        headers=pet_owner.headers,
    )
    assert_problem(again, 409)

    # Still payable past the 30-minute payment window: it waits for the caregiver.
    ran = await run_at(api.client, NOW + timedelta(hours=2))
    assert ran["bookings.expire"] == 0

    accepted = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/accept", headers=carer.headers
    )
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert (body["status"], body["payment_status"], body["payment_method"]) == (
        "accepted",
        "captured",
        "bancontact",
    )
    totals = moved(await balanced(api, booking["id"], boss))
    assert totals["immediate_capture"] == total and totals["refund"] == 0
    async with api.container() as scope:
        # The simulated gateway lives in the app's container: the ledgers only.
        assert await (await scope.get(Reconcile))(None, with_provider=False) == (1, [])


async def test_a_declined_request_is_refunded_in_full(api: Api) -> None:
    boss, carer, pet_owner = await parties(api)
    booking = await requested(api, carer, pet_owner)
    total = booking["price"]["total"]["amount_cents"]
    await pay_bancontact(api, booking, pet_owner)

    declined = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/decline", headers=carer.headers
    )
    assert declined.status_code == 200, declined.text
    body = declined.json()
    assert (body["status"], body["payment_status"]) == ("declined", "refunded")
    assert body["refunded"]["amount_cents"] == total
    totals = moved(await balanced(api, booking["id"], boss))
    assert totals["immediate_capture"] == totals["refund"] == total
    await run_due_jobs(api.client)
    [told] = await sent_emails(api, "refund_issued", pet_owner.id)
    assert told["booking_id"] == booking["id"]
    # Paid but never accepted: not counted as an accepted booking.
    day = {"from": NOW.date().isoformat(), "to": NOW.date().isoformat()}
    report = await api.client.get("/api/v1/admin/metrics", params=day, headers=boss.headers)
    assert report.status_code == 200, report.text
    assert report.json()["bookings"] == {
        "created": 1,
        "accepted": 0,
        "completed": 0,
        "cancelled": 0,
    }
    async with api.container() as scope:
        # The simulated gateway lives in the app's container: the ledgers only.
        assert await (await scope.get(Reconcile))(None, with_provider=False) == (1, [])


async def test_an_expired_request_is_refunded_in_full(api: Api) -> None:
    boss, carer, pet_owner = await parties(api)
    booking = await requested(api, carer, pet_owner)
    total = booking["price"]["total"]["amount_cents"]
    await pay_bancontact(api, booking, pet_owner)

    deadline = datetime.fromisoformat(booking["created_at"]) + timedelta(hours=24)
    assert (await run_at(api.client, deadline - timedelta(minutes=1)))["bookings.expire"] == 0
    assert (await run_at(api.client, deadline))["bookings.expire"] == 1
    expired = await get_booking(api, booking["id"], pet_owner.headers)
    assert (expired["status"], expired["payment_status"]) == ("expired", "refunded")
    assert expired["refunded"]["amount_cents"] == total
    await balanced(api, booking["id"], boss)
    await run_due_jobs(api.client)
    [told] = await sent_emails(api, "refund_issued", pet_owner.id)
    assert told["booking_id"] == booking["id"]
    assert (await run_at(api.client, deadline + timedelta(hours=1)))["bookings.expire"] == 0


async def test_the_owner_cancelling_before_acceptance_gets_everything_back(api: Api) -> None:
    boss, carer, pet_owner = await parties(api)
    booking = await requested(api, carer, pet_owner)
    total = booking["price"]["total"]["amount_cents"]
    await pay_bancontact(api, booking, pet_owner)

    cancelled = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/cancel", json={}, headers=pet_owner.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    assert (body["status"], body["payment_status"]) == ("cancelled", "refunded")
    assert body["refund"]["amount_cents"] == total
    assert body["payout_status"] == "none"
    await balanced(api, booking["id"], boss)


async def test_after_acceptance_the_cancellation_policy_applies_as_for_a_card(api: Api) -> None:
    boss, carer, pet_owner = await parties(api)
    card = await requested(api, carer, pet_owner)
    await authorize(api, card, NOW)
    later = START + timedelta(days=7)
    await set_clock(api.client, NOW)
    bancontact = await book(
        api, booking_body(carer, pet_owner, "boarding", *period("boarding", later)), pet_owner
    )
    await pay_bancontact(api, bancontact, pet_owner)
    for b in (card, bancontact):
        accepted = await api.client.post(
            f"/api/v1/bookings/{b['id']}/accept", headers=carer.headers
        )
        assert accepted.status_code == 200, accepted.text

    # The owner cancels each the same time before its start (the policy's 50% band).
    refunds = []
    for b, start in ((card, START), (bancontact, later)):
        await set_clock(api.client, start - timedelta(hours=30))
        cancelled = await api.client.post(
            f"/api/v1/bookings/{b['id']}/cancel", json={}, headers=pet_owner.headers
        )
        assert cancelled.status_code == 200, cancelled.text
        refunds.append(cancelled.json()["refund"]["amount_cents"])
    total = bancontact["price"]["total"]["amount_cents"]
    assert refunds[0] == refunds[1] and 0 < refunds[1] < total
    after = await get_booking(api, bancontact["id"], pet_owner.headers)
    assert after["payment_status"] == "partially_refunded"
    assert after["payout_status"] == "scheduled"
    await balanced(api, bancontact["id"], boss)


def succeeded_event(booking: Json, created: datetime, event_id: str) -> bytes:
    """payment_intent.succeeded for a Bancontact payment, its charge expanded."""
    total = booking["price"]["total"]["amount_cents"]
    obj = {
        "id": booking["payment"]["payment_intent_id"],
        "object": "payment_intent",
        "amount": total,
        "amount_received": total,
        "status": "succeeded",
        "latest_charge": {
            "id": "ch_bancontact_0001",
            "payment_method_details": {"type": "bancontact", "bancontact": {}},
        },
    }
    return stripe_event("payment_intent.succeeded", obj, created, event_id)


async def test_a_redelivered_payment_event_applies_once(api: Api) -> None:
    boss, carer, pet_owner = await parties(api)
    booking = await requested(api, carer, pet_owner)
    total = booking["price"]["total"]["amount_cents"]
    payload = succeeded_event(booking, NOW + timedelta(minutes=1), "evt_bancontact_once_0001")
    for _ in range(3):
        assert (await deliver(api.client, payload)).status_code == 200
    paid = await get_booking(api, booking["id"], pet_owner.headers)
    assert (paid["payment_status"], paid["payment_method"]) == ("captured", "bancontact")
    # The same payment told again under another id (Stripe's retry of another
    # event) changes nothing either: the booking knows its charge.
    other = json.loads(succeeded_event(booking, NOW + timedelta(minutes=2), "evt_bancontact_2"))
    assert (await deliver(api.client, json.dumps(other).encode())).status_code == 200
    totals = moved(await balanced(api, booking["id"], boss))
    assert totals["immediate_capture"] == total
    stored = await stored_event(api, "evt_bancontact_once_0001")
    assert stored is not None and stored.processed_at is not None
