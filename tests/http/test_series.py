"""Weekly series through HTTP with the simulated provider (docs/series.md):
the quote, capacity under one lock, the answer as a whole, the off-session
payment of each occurrence and its failures, cancellation from a date,
summarizing emails, one review per series, and a series across DST."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from tailtribe.adapters.sqlalchemy.database import upgrade
from tests.conftest import SQL_BACKENDS, empty_database, in_thread, sql_url
from tests.http.conftest import ClientFactory, api_for
from tests.http.payments_support import (
    BRUSSELS,
    Caregiver,
    Json,
    Owner,
    Person,
    admin,
    assert_problem,
    book,
    booking_body,
    brussels,
    caregiver,
    first_weekday_after,
    get_booking,
    ledger,
    moved,
    owner,
    run_at,
    sent_emails,
    set_clock,
)
from tests.http.test_test_mode import TEST_MODE
from tests.support import Api

URL = "/api/v1/booking-series"
YEAR = date.today().year + 1
# Mondays from mid-March: the fourth week falls after the spring DST change.
FIRST = first_weekday_after(date(YEAR, 3, 10), 0)
START = brussels(FIRST, 10)
NOW = START - timedelta(days=5)


async def parties(api: Api) -> tuple[Person, Caregiver, Owner]:
    boss = await admin(api)
    return boss, await caregiver(api, boss.headers), await owner(api)


def repeat(first: date = FIRST, count: int = 4, **extra: Any) -> Json:
    return {
        "weekdays": ["mon"],
        "start_time": "10:00",
        "duration_minutes": 60,
        "first_date": first.isoformat(),
        "count": count,
        **extra,
    }


def series_body(carer: Caregiver, pet_owner: Owner, **pattern: Any) -> Json:
    return {
        "caregiver_id": carer.profile["id"],
        "service": "dog_walking",
        "pet_ids": [pet_owner.pet_id],
        "repeat": repeat(**pattern),
        "message": "Bruno pulls a bit. Call 0470 12 34 56",
    }


async def request_series(api: Api, carer: Caregiver, pet_owner: Owner, **pattern: Any) -> Json:
    await set_clock(api.client, NOW)
    response = await api.client.post(
        URL, json=series_body(carer, pet_owner, **pattern), headers=pet_owner.headers
    )
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


async def save_card(api: Api, series: Json, pet_owner: Owner, card: str) -> Json:
    response = await api.client.post(
        f"{URL}/{series['id']}/simulated-card", json={"card": card}, headers=pet_owner.headers
    )
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


async def accepted_series(
    api: Api, carer: Caregiver, pet_owner: Owner, card: str = "pm_card_visa", **pattern: Any
) -> Json:
    series = await request_series(api, carer, pet_owner, **pattern)
    await save_card(api, series, pet_owner, card)
    response = await api.client.post(f"{URL}/{series['id']}/accept", headers=carer.headers)
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


async def test_a_quote_prices_each_occurrence_and_refuses_a_mix(api: Api) -> None:
    _, carer, pet_owner = await parties(api)
    await set_clock(api.client, NOW)
    body = series_body(carer, pet_owner, count=5)
    quoted = await api.client.post("/api/v1/quotes", json=body, headers=pet_owner.headers)
    assert quoted.status_code == 200, quoted.text
    q = quoted.json()
    assert len(q["occurrences"]) == 5
    each = [o["price"]["total"]["amount_cents"] for o in q["occurrences"]]
    assert q["total"]["amount_cents"] == sum(each) > 0
    assert q["commission"]["amount_cents"] + q["caregiver_payout"]["amount_cents"] == sum(each)
    starts = [datetime.fromisoformat(o["start"]) for o in q["occurrences"]]
    assert [s.astimezone(BRUSSELS).time() for s in starts] == [time(10, 0)] * 5
    assert [s.astimezone(BRUSSELS).date() for s in starts] == [
        FIRST + timedelta(weeks=i) for i in range(5)
    ]
    # One booking still quotes as before, with no occurrences.
    single = booking_body(carer, pet_owner, "dog_walking", START, START + timedelta(hours=1))
    one = (await api.client.post("/api/v1/quotes", json=single, headers=pet_owner.headers)).json()
    assert "occurrences" not in one and one["total"]["amount_cents"] == each[0]
    mixed = {**body, "start": START.isoformat(), "end": (START + timedelta(hours=1)).isoformat()}
    refused = await api.client.post("/api/v1/quotes", json=mixed, headers=pet_owner.headers)
    assert_problem(refused, 422)
    too_long = series_body(
        carer, pet_owner, count=None, until=(FIRST + timedelta(weeks=26)).isoformat()
    )
    assert_problem(
        await api.client.post("/api/v1/quotes", json=too_long, headers=pet_owner.headers), 422
    )
    boarding = {**body, "service": "boarding"}
    assert_problem(
        await api.client.post("/api/v1/quotes", json=boarding, headers=pet_owner.headers), 422
    )


async def test_a_clash_refuses_the_whole_series_naming_its_dates(api: Api) -> None:
    _, carer, pet_owner = await parties(api)
    other_owner = await owner(api)
    await set_clock(api.client, NOW)
    clash_day = FIRST + timedelta(weeks=2)
    taken = brussels(clash_day, 10, 30)
    await book(
        api,
        booking_body(carer, other_owner, "dog_walking", taken, taken + timedelta(hours=1)),
        other_owner,
    )
    response = await api.client.post(
        URL, json=series_body(carer, pet_owner), headers=pet_owner.headers
    )
    assert_problem(response, 409)
    assert response.json()["dates"] == [clash_day.isoformat()]
    assert clash_day.isoformat() in response.json()["detail"]
    # Nothing was stored: no series, no occurrence.
    mine = await api.client.get(URL, headers=pet_owner.headers)
    assert mine.json()["total"] == 0
    bookings = await api.client.get("/api/v1/bookings", headers=pet_owner.headers)
    assert bookings.json()["total"] == 0
    # Outside the caregiver's hours (07:00-21:00) is a 422 naming the field.
    late = series_body(carer, pet_owner, start_time="21:30")
    refused = await api.client.post(URL, json=late, headers=pet_owner.headers)
    assert_problem(refused, 422)
    assert refused.json()["errors"][0]["field"] == "repeat"


async def test_the_series_is_asked_answered_and_paid_48_hours_ahead(api: Api) -> None:
    boss, carer, pet_owner = await parties(api)
    series = await request_series(api, carer, pet_owner)
    assert series["status"] == "requested" and series["card"]["status"] == "pending"
    assert series["card"]["client_secret"] and series["card"]["setup_intent_id"]
    assert "0470" not in series["message"]  # masked until accepted
    occurrences = series["occurrences"]
    assert [o["status"] for o in occurrences] == ["requested"] * 4
    assert {o["series_id"] for o in occurrences} == {series["id"]}
    # The caregiver sees it without the owner's payment secrets.
    seen = (await api.client.get(f"{URL}/{series['id']}", headers=carer.headers)).json()
    assert seen["card"]["client_secret"] is None
    assert all(o["payment"] is None for o in seen["occurrences"])
    # Not before the card is saved; and not by the owner.
    early = await api.client.post(f"{URL}/{series['id']}/accept", headers=carer.headers)
    assert_problem(early, 409)
    await run_at(api.client, NOW)
    assert await sent_emails(api, "series_requested", carer.id) == []
    saved = await save_card(api, series, pet_owner, "pm_card_visa")
    assert saved["card"]["status"] == "succeeded" and saved["card"]["client_secret"] is None
    await run_at(api.client, NOW + timedelta(minutes=1))
    assert len(await sent_emails(api, "series_requested", carer.id)) == 1
    assert await sent_emails(api, "booking_requested", carer.id) == []
    as_owner = await api.client.post(f"{URL}/{series['id']}/accept", headers=pet_owner.headers)
    assert_problem(as_owner, 403)
    accepted = await api.client.post(f"{URL}/{series['id']}/accept", headers=carer.headers)
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["status"] == "accepted" and "0470" in body["message"]
    assert [(o["status"], o["payment_status"]) for o in body["occurrences"]] == [
        ("accepted", "pending")
    ] * 4
    # One email for the whole series, none per occurrence.
    await run_at(api.client, NOW + timedelta(minutes=2))
    assert len(await sent_emails(api, "series_accepted", pet_owner.id)) == 1
    assert await sent_emails(api, "booking_accepted", pet_owner.id) == []
    # 48 hours before the first occurrence its amount is held and taken.
    first, second = occurrences[0], occurrences[1]
    ran = await run_at(api.client, START - timedelta(hours=48, seconds=1))
    assert ran["series.charge"] == 0
    ran = await run_at(api.client, START - timedelta(hours=48))
    assert ran["series.charge"] == 1
    paid = await get_booking(api, first["id"], pet_owner.headers)
    assert (paid["status"], paid["payment_status"]) == ("accepted", "captured")
    later = await get_booking(api, second["id"], pet_owner.headers)
    assert later["payment_status"] == "pending"
    book_keeping = await ledger(api, first["id"], boss.headers)
    assert book_keeping["balanced"] is True, book_keeping["problems"]
    total = first["price"]["total"]["amount_cents"]
    assert moved(book_keeping)["capture"] == total
    # A second run changes nothing (exactly once).
    assert (await run_at(api.client, START - timedelta(hours=47)))["series.charge"] == 0
    # It starts and completes as any booking; the unpaid next one does not start.
    await run_at(api.client, START + timedelta(hours=1, minutes=1))
    done = await get_booking(api, first["id"], pet_owner.headers)
    assert done["status"] == "completed"
    # The series is one item of the owner's list, with its occurrences.
    listed = (await api.client.get(URL, headers=pet_owner.headers)).json()
    assert listed["total"] == 1 and len(listed["items"][0]["occurrences"]) == 4
    mine = (await api.client.get(f"{URL}?role=caregiver", headers=carer.headers)).json()
    assert [s["id"] for s in mine["items"]] == [series["id"]]
    # A series across the DST change keeps 10:00 Brussels time.
    starts = [datetime.fromisoformat(o["start"]) for o in body["occurrences"]]
    assert {s.astimezone(BRUSSELS).time() for s in starts} == {time(10, 0)}
    assert len({s.utcoffset() for s in (x.astimezone(BRUSSELS) for x in starts)}) == 2


async def test_a_payment_needing_authentication_is_confirmed_by_the_owner(api: Api) -> None:
    boss, carer, pet_owner = await parties(api)
    series = await accepted_series(api, carer, pet_owner, "pm_card_authenticationRequired")
    first = series["occurrences"][0]
    assert (await run_at(api.client, START - timedelta(hours=48)))["series.charge"] == 1
    asked = await get_booking(api, first["id"], pet_owner.headers)
    assert asked["payment_status"] == "failed" and asked["payment"]["client_secret"]
    [email] = await sent_emails(api, "occurrence_payment_needed", pet_owner.id)
    assert email["reason"] == "authentication_required"
    confirmed = await api.client.post(
        f"/api/v1/bookings/{first['id']}/simulated-payment",
        json={"outcome": "succeeded"},
        headers=pet_owner.headers,
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["payment_status"] == "captured"
    body = await ledger(api, first["id"], boss.headers)
    assert body["balanced"] is True, body["problems"]
    # Paid: it does not lapse at its deadline.
    await run_at(api.client, START - timedelta(hours=24))
    assert (await get_booking(api, first["id"], pet_owner.headers))["status"] == "accepted"


async def test_a_declined_occurrence_still_unpaid_a_day_ahead_is_cancelled(api: Api) -> None:
    boss, carer, pet_owner = await parties(api)
    series = await accepted_series(api, carer, pet_owner, "pm_card_chargeDeclined")
    first, second = series["occurrences"][:2]
    await run_at(api.client, START - timedelta(hours=48))
    [email] = await sent_emails(api, "occurrence_payment_needed", pet_owner.id)
    assert email["reason"] == "declined"
    ran = await run_at(api.client, START - timedelta(hours=24, seconds=1))
    assert ran["series.lapse"] == 0
    ran = await run_at(api.client, START - timedelta(hours=24))
    assert ran["series.lapse"] == 1
    lapsed = await get_booking(api, first["id"], pet_owner.headers)
    assert (lapsed["status"], lapsed["payment_status"]) == ("cancelled", "canceled")
    assert lapsed["refunded"]["amount_cents"] == 0
    assert len(await sent_emails(api, "occurrence_lapsed", pet_owner.id)) == 1
    assert len(await sent_emails(api, "occurrence_lapsed", carer.id)) == 1
    body = await ledger(api, first["id"], boss.headers)
    assert body["balanced"] is True and "capture" not in moved(body)
    # The rest of the series stands.
    assert (await get_booking(api, second["id"], pet_owner.headers))["status"] == "accepted"
    # Too late now: the owner's confirmation is refused.
    late = await api.client.post(
        f"/api/v1/bookings/{first['id']}/simulated-payment",
        json={"outcome": "succeeded"},
        headers=pet_owner.headers,
    )
    assert_problem(late, 409)


async def test_cancelling_from_a_date_follows_each_policy_and_sends_one_email(api: Api) -> None:
    _, carer, pet_owner = await parties(api)
    series = await accepted_series(api, carer, pet_owner)
    first = series["occurrences"][0]
    await run_at(api.client, START - timedelta(hours=48))  # the first one is paid
    from_date = (FIRST + timedelta(weeks=1)).isoformat()
    response = await api.client.post(
        f"{URL}/{series['id']}/cancel",
        json={"from_date": from_date, "reason": "moving house"},
        headers=pet_owner.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["cancelled"] == 3 and body["refund"]["amount_cents"] == 0  # none was paid
    assert [o["status"] for o in body["occurrences"]] == ["accepted"] + ["cancelled"] * 3
    await run_at(api.client, START - timedelta(hours=47))
    assert len(await sent_emails(api, "series_cancelled", carer.id)) == 1
    assert await sent_emails(api, "series_cancelled", pet_owner.id) == []  # who cancelled knows
    assert await sent_emails(api, "booking_cancelled", carer.id) == []
    again = await api.client.post(
        f"{URL}/{series['id']}/cancel", json={"from_date": from_date}, headers=pet_owner.headers
    )
    assert_problem(again, 409)
    # The paid first one, alone, by its own policy.
    one = await api.client.post(
        f"/api/v1/bookings/{first['id']}/cancel", json={}, headers=pet_owner.headers
    )
    assert one.status_code == 200, one.text
    total = first["price"]["total"]["amount_cents"]
    assert 0 <= one.json()["refund"]["amount_cents"] <= total


async def test_decline_expiry_and_withdrawal_end_every_occurrence(api: Api) -> None:
    _, carer, pet_owner = await parties(api)
    declined = await request_series(api, carer, pet_owner)
    await save_card(api, declined, pet_owner, "pm_card_visa")
    answer = await api.client.post(f"{URL}/{declined['id']}/decline", headers=carer.headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "declined"
    assert {o["status"] for o in answer.json()["occurrences"]} == {"declined"}
    await run_at(api.client, NOW + timedelta(minutes=1))
    assert len(await sent_emails(api, "series_declined", pet_owner.id)) == 1
    # No card within 30 minutes: it lapses, and the caregiver never heard of it.
    lapsing = await request_series(api, carer, pet_owner)
    ran = await run_at(api.client, NOW + timedelta(minutes=30))
    assert ran["series.expire"] == 1
    gone = (await api.client.get(f"{URL}/{lapsing['id']}", headers=pet_owner.headers)).json()
    assert gone["status"] == "expired" and {o["status"] for o in gone["occurrences"]} == {"expired"}
    assert len(await sent_emails(api, "series_expired", pet_owner.id)) == 1
    assert await sent_emails(api, "series_expired", carer.id) == []
    # Withdrawn by the owner before an answer.
    withdrawn = await request_series(api, carer, pet_owner)
    response = await api.client.post(
        f"{URL}/{withdrawn['id']}/cancel", json={}, headers=pet_owner.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled" and response.json()["cancelled"] == 4
    # The freed time takes a new series.
    await request_series(api, carer, pet_owner)


async def test_a_series_is_reviewed_once(api: Api) -> None:
    _, carer, pet_owner = await parties(api)
    series = await accepted_series(api, carer, pet_owner, count=2)
    first, second = series["occurrences"]
    second_start = datetime.fromisoformat(second["start"])
    await run_at(api.client, START - timedelta(hours=48))
    await run_at(api.client, second_start - timedelta(hours=48))
    await run_at(api.client, second_start + timedelta(hours=2))
    for o in (first, second):
        assert (await get_booking(api, o["id"], pet_owner.headers))["status"] == "completed"
    review = {"rating": 5, "comment": "Every Monday, always on time."}
    ok = await api.client.post(
        f"/api/v1/bookings/{first['id']}/review", json=review, headers=pet_owner.headers
    )
    assert ok.status_code == 201, ok.text
    again = await api.client.post(
        f"/api/v1/bookings/{second['id']}/review", json=review, headers=pet_owner.headers
    )
    assert_problem(again, 409)


@pytest.mark.parametrize("backend", SQL_BACKENDS)
async def test_a_series_on_both_databases(
    backend: str, request: pytest.FixtureRequest, make_client: ClientFactory, tmp_path: Path
) -> None:
    url = sql_url(request, backend)
    if backend == "sqlite":  # a copy of its own: the shared file stays as it is
        url = f"sqlite+aiosqlite:///{tmp_path / 'series.sqlite'}"
        in_thread(lambda: upgrade(url))
    await (await empty_database(url)).get_engine().dispose()
    async with make_client(database_url=url, direct_url=url, **TEST_MODE) as client:
        api = api_for(client)
        boss, carer, pet_owner = await parties(api)
        series = await accepted_series(api, carer, pet_owner, count=2)
        first = series["occurrences"][0]
        await run_at(client, START - timedelta(hours=48))
        paid = await get_booking(api, first["id"], pet_owner.headers)
        assert paid["payment_status"] == "captured"
        assert (await ledger(api, first["id"], boss.headers))["balanced"] is True
        await api.container.close()


async def test_acceptance_shares_contacts_and_an_unpaid_occurrence_cannot_be_completed(
    api: Api,
) -> None:
    _, carer, pet_owner = await parties(api)
    series = await request_series(api, carer, pet_owner)
    cid = series["conversation_id"]
    url = f"/api/v1/conversations/{cid}/messages"
    before = (await api.client.get(url, headers=carer.headers)).json()["items"]
    assert "0470" not in before[0]["body"]
    await save_card(api, series, pet_owner, "pm_card_chargeDeclined")
    accepted = await api.client.post(f"{URL}/{series['id']}/accept", headers=carer.headers)
    assert accepted.status_code == 200, accepted.text
    after = (await api.client.get(url, headers=carer.headers)).json()["items"]
    assert "0470" in after[0]["body"]  # contacts flow once the series is accepted
    first = series["occurrences"][0]
    await run_at(api.client, START - timedelta(hours=48))  # declined: unpaid
    await set_clock(api.client, START + timedelta(hours=2))
    done = await api.client.post(f"/api/v1/bookings/{first['id']}/complete", headers=carer.headers)
    assert_problem(done, 409)
    assert (await get_booking(api, first["id"], pet_owner.headers))["status"] == "accepted"


async def test_a_request_is_answered_as_a_whole(api: Api) -> None:
    _, carer, pet_owner = await parties(api)
    series = await request_series(api, carer, pet_owner)
    one = series["occurrences"][1]["id"]
    for who in (carer, pet_owner):
        refused = await api.client.post(
            f"/api/v1/bookings/{one}/cancel", json={}, headers=who.headers
        )
        assert_problem(refused, 409)
    # The owner withdraws before saving a card: the caregiver never heard of it.
    withdrawn = await api.client.post(
        f"{URL}/{series['id']}/cancel", json={}, headers=pet_owner.headers
    )
    assert withdrawn.json()["status"] == "cancelled"
    await run_at(api.client, NOW + timedelta(minutes=1))
    assert await sent_emails(api, "series_cancelled", carer.id) == []
    # The caregiver's cancellation of a request is a decline.
    again = await request_series(api, carer, pet_owner)
    await save_card(api, again, pet_owner, "pm_card_visa")
    answer = await api.client.post(f"{URL}/{again['id']}/cancel", json={}, headers=carer.headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "declined"
    assert {o["status"] for o in answer.json()["occurrences"]} == {"declined"}
