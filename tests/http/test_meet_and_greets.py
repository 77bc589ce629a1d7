"""Meet-and-greets through HTTP on PostgreSQL, on the test clock."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.conftest import empty_database
from tests.factories import BRUSSELS, marketplace, next_monday, requested_walk, walk
from tests.http.conftest import ClientFactory, api_for
from tests.http.test_data_export import request_export, unpacked
from tests.http.test_test_mode import TEST_MODE
from tests.support import PASSWORD, Api

Json = dict[str, Any]
URL = "/api/v1/meet-and-greets"


@pytest.fixture
async def tapi(pg_url: str, make_client: ClientFactory) -> AsyncIterator[Api]:
    """Test mode (a movable clock, jobs on demand) on empty tables: jobs act on every row."""
    await (await empty_database(pg_url)).get_engine().dispose()
    async with make_client(database_url=pg_url, **TEST_MODE) as client:
        api = api_for(client)
        yield api
        await api.container.close()


def meet(profile: Json, start: datetime, minutes: int = 30, **extra: Any) -> Json:
    return {
        "caregiver_id": profile["id"],
        "start_at": start.isoformat(),
        "duration_minutes": minutes,
        **extra,
    }


async def ask(api: Api, owner: dict[str, str], body: Json) -> Json:
    created = await api.client.post(URL, json=body, headers=owner)
    assert created.status_code == 201, created.text
    result: Json = created.json()
    return result


async def user_id(api: Api, headers: dict[str, str]) -> str:
    me: str = (await api.client.get("/api/v1/me", headers=headers)).json()["id"]
    return me


async def run_jobs_at(api: Api, moment: datetime) -> dict[str, int]:
    await api.client.put("/api/v1/test/clock", json={"now": moment.isoformat()})
    ran: dict[str, int] = (await api.client.post("/api/v1/test/run-due-jobs")).json()["ran"]
    return ran


async def test_request_accept_remind_and_the_emails(tapi: Api) -> None:
    profile, caregiver, owner, admin, _ = await marketplace(tapi)
    c = tapi.client
    start = next_monday(10)
    m = await ask(tapi, owner, meet(profile, start, 45, message="Call me on 0470 12 34 56"))
    assert m["status"] == "requested" and m["duration_minutes"] == 45
    assert datetime.fromisoformat(m["end_at"]) == start + timedelta(minutes=45)
    assert "0470" not in m["message"]  # contact details masked
    # The conversation of the pair has it, its message as the first message.
    assert m["conversation_id"] is not None
    messages = (
        await c.get(f"/api/v1/conversations/{m['conversation_id']}/messages", headers=caregiver)
    ).json()
    assert [x["body"] for x in messages["items"]] == [m["message"]]

    url = f"{URL}/{m['id']}"
    _, stranger = await tapi.new_user()
    assert (await c.get(url, headers=stranger)).status_code == 404
    assert (await c.post(f"{url}/accept", headers=stranger)).status_code == 404
    assert (await c.get(url, headers=admin)).status_code == 200
    assert (await c.post(f"{url}/accept", headers=owner)).status_code == 403
    for who in (owner, caregiver):
        listed = (await c.get(URL, headers=who)).json()
        assert [x["id"] for x in listed["items"]] == [m["id"]] and listed["total"] == 1
    assert (await c.get(URL, headers=stranger)).json()["total"] == 0

    accepted = await c.post(f"{url}/accept", headers=caregiver)
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert (await c.post(f"{url}/decline", headers=caregiver)).status_code == 409

    await run_jobs_at(tapi, datetime.fromisoformat(m["created_at"]) + timedelta(minutes=1))
    owner_id, carer_id = await user_id(tapi, owner), await user_id(tapi, caregiver)
    assert await tapi.email_count("email.meet_requested", carer_id) == 1
    assert await tapi.email_count("email.meet_accepted", owner_id) == 1
    assert await tapi.email_count("email.meet_requested", owner_id) == 0

    # Reminded both, once, within two hours of the start.
    assert (await run_jobs_at(tapi, start - timedelta(hours=3)))["meets.remind"] == 0
    assert (await run_jobs_at(tapi, start - timedelta(hours=2)))["meets.remind"] == 1
    assert (await run_jobs_at(tapi, start - timedelta(hours=1)))["meets.remind"] == 0
    assert await tapi.email_count("email.meet_reminder", owner_id) == 1
    assert await tapi.email_count("email.meet_reminder", carer_id) == 1
    # Too late to cancel once it started.
    await c.put("/api/v1/test/clock", json={"now": (start + timedelta(minutes=1)).isoformat()})
    assert (await c.post(f"{url}/cancel", headers=owner)).status_code == 409


async def test_unanswered_requests_expire_after_24_hours(tapi: Api) -> None:
    profile, caregiver, owner, _, _ = await marketplace(tapi)
    m = await ask(tapi, owner, meet(profile, next_monday(10, weeks=2)))
    created = datetime.fromisoformat(m["created_at"])
    assert (await run_jobs_at(tapi, created + timedelta(hours=23, minutes=59)))["meets.expire"] == 0
    assert (await run_jobs_at(tapi, created + timedelta(hours=24)))["meets.expire"] == 1
    assert (await run_jobs_at(tapi, created + timedelta(hours=25)))["meets.expire"] == 0
    url = f"{URL}/{m['id']}"
    assert (await tapi.client.get(url, headers=owner)).json()["status"] == "expired"
    assert (await tapi.client.post(f"{url}/accept", headers=caregiver)).status_code == 409
    assert await tapi.email_count("email.meet_expired", await user_id(tapi, owner)) == 1


async def test_decline_and_cancel_tell_the_other_party(tapi: Api) -> None:
    profile, caregiver, owner, _, _ = await marketplace(tapi)
    c = tapi.client
    first = await ask(tapi, owner, meet(profile, next_monday(9)))
    declined = await c.post(f"{URL}/{first['id']}/decline", headers=caregiver)
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    # Declined frees the pair: they may ask again; the caregiver cancels this one.
    second = await ask(tapi, owner, meet(profile, next_monday(9)))
    cancelled = await c.post(f"{URL}/{second['id']}/cancel", headers=caregiver)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancelled_by"] == "caregiver"
    assert (await c.post(f"{URL}/{second['id']}/cancel", headers=owner)).status_code == 409
    await run_jobs_at(tapi, datetime.fromisoformat(second["created_at"]) + timedelta(minutes=1))
    owner_id, carer_id = await user_id(tapi, owner), await user_id(tapi, caregiver)
    assert await tapi.email_count("email.meet_declined", owner_id) == 1
    assert await tapi.email_count("email.meet_cancelled", owner_id) == 1
    assert await tapi.email_count("email.meet_cancelled", carer_id) == 0


async def test_a_meet_and_greet_and_a_booking_clash_both_ways(tapi: Api) -> None:
    profile, _, owner, _, pet = await marketplace(tapi)
    _, other = await tapi.new_user()
    c = tapi.client
    start = next_monday(14)
    await ask(tapi, owner, meet(profile, start, 60))
    clash = await c.post("/api/v1/bookings", json=walk(profile, pet, start), headers=owner)
    assert clash.status_code == 409, clash.text
    assert "meet-and-greet" in clash.json()["detail"]
    # Hosting pets is not time away: boarding over the meet-and-greet is fine.
    stay = {**walk(profile, pet, start - timedelta(hours=1)), "service": "boarding"}
    stay["end"] = (start + timedelta(days=1)).isoformat()
    hosted = await c.post("/api/v1/bookings", json=stay, headers=owner)
    assert hosted.status_code == 201, hosted.text
    other_meet = await c.post(URL, json=meet(profile, start + timedelta(minutes=30)), headers=other)
    assert other_meet.status_code == 409
    assert "meet-and-greet" in other_meet.json()["detail"]
    # A booking's slot refuses a meet-and-greet, naming the booking.
    later = next_monday(16)
    await requested_walk(tapi, profile, pet, owner, later)
    refused = await c.post(URL, json=meet(profile, later + timedelta(minutes=15)), headers=other)
    assert refused.status_code == 409 and "booked" in refused.json()["detail"]
    # Adjacent is fine.
    assert (
        await c.post(URL, json=meet(profile, later + timedelta(hours=1)), headers=other)
    ).status_code == 201


async def test_refused_after_a_first_booking_and_bad_input_changes_nothing(tapi: Api) -> None:
    profile, caregiver, owner, _, pet = await marketplace(tapi)
    c = tapi.client
    start = next_monday(10)
    # A requested booking does not count: the pair has not met yet.
    booking = await requested_walk(tapi, profile, pet, owner, start)
    m = await ask(tapi, owner, meet(profile, next_monday(12)))
    again = await c.post(URL, json=meet(profile, next_monday(15)), headers=owner)
    assert again.status_code == 409  # one open meet-and-greet per pair
    assert (await c.post(f"{URL}/{m['id']}/cancel", headers=owner)).status_code == 200
    await tapi.authorize_and_accept(booking, caregiver)
    refused = await c.post(URL, json=meet(profile, next_monday(15)), headers=owner)
    assert refused.status_code == 409 and "first booking" in refused.json()["detail"]

    _, other = await tapi.new_user()
    for body, status in (
        (meet(profile, next_monday(10) + timedelta(minutes=5)), 422),  # off the quarter hour
        (meet(profile, next_monday(10), 20), 400),  # not a 15-minute step
        (meet(profile, next_monday(10), 75), 400),  # too long
        (meet(profile, next_monday(20)), 422),  # outside the weekly windows
        (meet(profile, next_monday(10) - timedelta(days=30)), 422),  # in the past
        ({**meet(profile, next_monday(10)), "start_at": "2027-05-03T10:00:00"}, 400),  # naive
    ):
        response = await c.post(URL, json=body, headers=other)
        assert response.status_code == status, (body, response.text)
    assert (await c.get(URL, headers=other)).json()["total"] == 0
    yourself = await c.post(URL, json=meet(profile, next_monday(11)), headers=caregiver)
    assert yourself.status_code == 422


async def test_an_open_meet_and_greet_holds_up_an_erasure_and_its_message_goes(
    tapi: Api,
) -> None:
    profile, caregiver, owner, _, _ = await marketplace(tapi)
    c = tapi.client
    m = await ask(tapi, owner, meet(profile, next_monday(10), message="Rex is shy"))

    async def erase(headers: dict[str, str]) -> Any:
        return await c.request("DELETE", "/api/v1/me", json={"password": PASSWORD}, headers=headers)

    for who in (owner, caregiver):
        refused = await erase(who)
        assert refused.status_code == 409
        assert refused.json()["reasons"] == ["meet_and_greet_open"]
    assert (await c.post(f"{URL}/{m['id']}/accept", headers=caregiver)).status_code == 200
    assert (await erase(owner)).json()["reasons"] == ["meet_and_greet_open"]
    assert (await c.post(f"{URL}/{m['id']}/cancel", headers=owner)).status_code == 200
    assert (await erase(owner)).status_code == 204
    seen = (await c.get(f"{URL}/{m['id']}", headers=caregiver)).json()
    assert seen["status"] == "cancelled" and seen["message"] is None


async def test_metrics_count_meet_and_greets_followed_by_a_booking(tapi: Api) -> None:
    profile, caregiver, owner, admin, pet = await marketplace(tapi)
    _, other = await tapi.new_user()
    c = tapi.client
    await ask(tapi, owner, meet(profile, next_monday(9)))
    await ask(tapi, other, meet(profile, next_monday(11)))
    # The first pair books within 30 days (a walk the caregiver accepts).
    booking = await requested_walk(tapi, profile, pet, owner, next_monday(14))
    await tapi.authorize_and_accept(booking, caregiver)
    # The other pair's booking is requested too late to count.
    first = datetime.fromisoformat(booking["created_at"])
    await c.put("/api/v1/test/clock", json={"now": (first + timedelta(days=31)).isoformat()})
    pet2 = (
        await c.post("/api/v1/pets", json={"name": "Mia", "species": "dog"}, headers=other)
    ).json()["id"]
    late = await requested_walk(tapi, profile, pet2, other, next_monday(14, weeks=6))
    await tapi.authorize_and_accept(late, caregiver)
    # Metrics count by Brussels day, which is not the UTC day late in the evening.
    day = first.astimezone(BRUSSELS).date()
    days = {"from": (day - timedelta(days=1)).isoformat(), "to": day.isoformat()}
    report = await c.get("/api/v1/admin/metrics", params=days, headers=admin)
    assert report.status_code == 200
    assert report.json()["meet_and_greets"] == {
        "requested": 2,
        "led_to_booking": 1,
        "conversion": 0.5,
    }


async def test_the_data_export_has_them_as_the_api_shows_them(tapi: Api) -> None:
    profile, caregiver, owner, _, _ = await marketplace(tapi)
    c = tapi.client
    await ask(tapi, owner, meet(profile, next_monday(10), message="Rex is shy"))
    for who in (owner, caregiver):
        export = await request_export(tapi, who)
        ran = (await c.post("/api/v1/test/run-due-jobs")).json()["ran"]
        assert ran["exports.built"] == 1
        ready = (await c.get(f"/api/v1/me/exports/{export['id']}", headers=who)).json()
        files = unpacked((await c.get(ready["download_url"])).content)
        shown = (await c.get(URL, headers=who)).json()["items"]
        assert json.loads(files["meet_and_greets.json"]) == shown
        assert len(shown) == 1
