"""Private calendar feeds through HTTP: the feed parsed back with icalendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar

from tests.conftest import SQL_BACKENDS, empty_database, sql_url
from tests.factories import BRUSSELS, Headers, Json, marketplace, requested_walk
from tests.http.conftest import ClientFactory, api_for
from tests.http.test_test_mode import TEST_MODE
from tests.support import PASSWORD, PROFILE, Api

FEED = "/api/v1/me/calendar-feed"
ICS = "text/calendar; charset=utf-8"


def monday_on_or_after(day: date, hour: int) -> datetime:
    day += timedelta(days=(7 - day.weekday()) % 7)
    return datetime(day.year, day.month, day.day, hour, tzinfo=BRUSSELS)


# Next year's winter (CET, +01:00) and summer (CEST, +02:00), both 09:00 local.
NEXT_YEAR = date.today().year + 1
WINTER = monday_on_or_after(date(NEXT_YEAR, 1, 10), 9)
SUMMER = monday_on_or_after(date(NEXT_YEAR, 6, 7), 9)


async def make_feed(api: Api, headers: Headers) -> str:
    """The path of a new feed address for the user."""
    made = await api.client.post(FEED, headers=headers)
    assert made.status_code == 201, made.text
    assert made.headers["cache-control"] == "no-store"
    url: str = made.json()["url"]
    assert url.startswith(api.settings.app_url + "/api/v1/calendar/") and url.endswith(".ics")
    return urlsplit(url).path


async def read_feed(api: Api, path: str) -> bytes:
    answer = await api.client.get(path)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == ICS
    return answer.content


def events(body: bytes) -> dict[str, Any]:
    """The feed's VEVENTs by booking id."""
    cal = Calendar.from_ical(body)
    return {str(e["UID"]).split("@")[0]: e for e in cal.walk("VEVENT")}


async def accepted_walk(
    api: Api, profile: Json, pet: str, owner: Headers, carer: Headers, start: datetime
) -> Json:
    booking = await requested_walk(api, profile, pet, owner, start)
    return await api.authorize_and_accept(booking, carer)


@pytest.mark.parametrize("backend", SQL_BACKENDS)
async def test_the_feed_holds_accepted_bookings_in_brussels_time(
    backend: str, request: pytest.FixtureRequest, make_client: ClientFactory
) -> None:
    url = sql_url(request, backend)
    await (await empty_database(url)).get_engine().dispose()
    async with make_client(database_url=url, direct_url=url, **TEST_MODE) as client:
        api = api_for(client)
        profile, carer, owner, _, pet = await marketplace(api)
        winter = await accepted_walk(api, profile, pet, owner, carer, WINTER)
        summer = await accepted_walk(api, profile, pet, owner, carer, SUMMER)
        asked = await requested_walk(api, profile, pet, owner, WINTER + timedelta(days=1))
        declined = await requested_walk(api, profile, pet, owner, WINTER + timedelta(days=2))
        refused = await client.post(f"/api/v1/bookings/{declined['id']}/decline", headers=carer)
        assert refused.status_code == 200, refused.text
        owner_me = (await client.get("/api/v1/me", headers=owner)).json()
        carer_me = (await client.get("/api/v1/me", headers=carer)).json()

        body = await read_feed(api, await make_feed(api, owner))
        # RFC 5545: CRLF line endings, lines folded at 75 octets.
        lines = body.split(b"\r\n")
        assert lines[-1] == b"" and all(b"\n" not in line for line in lines)
        assert max(len(line) for line in lines) <= 75
        cal = Calendar.from_ical(body)
        assert str(cal["VERSION"]) == "2.0" and str(cal["CALSCALE"]) == "GREGORIAN"
        assert "TailTribe" in str(cal["PRODID"]) and str(cal["X-WR-CALNAME"]) == "TailTribe"
        [zone] = cal.walk("VTIMEZONE")
        assert str(zone["TZID"]) == "Europe/Brussels"
        assert zone.walk("STANDARD") and zone.walk("DAYLIGHT")

        found = events(body)
        # Only the accepted ones: not the request (whose parties' contacts are
        # not shared yet), not the declined one.
        assert set(found) == {winter["id"], summer["id"]}
        assert asked["id"].encode() not in body and declined["id"].encode() not in body
        host = urlsplit(api.settings.app_url).hostname
        for booking, offset in ((winter, timedelta(hours=1)), (summer, timedelta(hours=2))):
            event = found[booking["id"]]
            assert str(event["UID"]) == f"{booking['id']}@{host}"
            start, end = event["DTSTART"].dt, event["DTEND"].dt
            assert event["DTSTART"].params["TZID"] == "Europe/Brussels"
            assert (start.hour, start.minute, start.utcoffset()) == (9, 0, offset)
            assert (end.hour, end.utcoffset()) == (10, offset)
            assert start == datetime.fromisoformat(booking["start"])
            assert str(event["STATUS"]) == "CONFIRMED"
            assert str(event["URL"]) == f"{api.settings.app_url}/bookings/{booking['id']}"
            # Registered without a locale, the owner reads Dutch, as in their emails.
            assert str(event["SUMMARY"]) == f"Hondenuitlaatbeurt · {PROFILE['display_name']} · Rex"
            assert f"Oppas: {PROFILE['display_name']}" in str(event["DESCRIPTION"])
            assert "DTSTAMP" in event and "LOCATION" not in event  # a walk: at the owner's
        # No email address of either party, ever.
        for email in (owner_me["email"], carer_me["email"]):
            assert email.encode() not in body

        # The caregiver's feed has the same bookings, naming the owner.
        theirs = events(await read_feed(api, await make_feed(api, carer)))
        assert set(theirs) == set(found)
        assert str(theirs[winter["id"]]["SUMMARY"]) == "Hondenuitlaatbeurt · Test User · Rex"
        await api.container.close()


async def test_a_new_address_voids_the_old_and_delete_turns_the_feed_off(api: Api) -> None:
    c = api.client
    _, user = await api.new_user()
    assert (await c.post(FEED)).status_code == 401
    assert (await c.get(FEED, headers=user)).json() == {"enabled": False}
    first = await make_feed(api, user)
    await read_feed(api, first)
    second = await make_feed(api, user)
    assert second != first
    assert (await c.get(first)).status_code == 404  # at once
    await read_feed(api, second)
    status = (await c.get(FEED, headers=user)).json()
    assert status["enabled"] is True and "url" not in status and status["created_at"]

    assert (await c.delete(FEED, headers=user)).status_code == 204
    assert (await c.get(second)).status_code == 404
    assert (await c.get(FEED, headers=user)).json() == {"enabled": False}
    assert (await c.delete(FEED, headers=user)).status_code == 204  # off stays off
    for nothing in ("x.ics", second.rsplit("/", 1)[1].removesuffix(".ics"), "a" * 43 + ".ics"):
        assert (await c.get(f"/api/v1/calendar/{nothing}")).status_code == 404


async def test_each_feed_shows_only_its_users_bookings(api: Api) -> None:
    profile, carer, owner, _, pet = await marketplace(api)
    _, other = await api.new_user()
    other_pet = (
        await api.client.post("/api/v1/pets", json={"name": "Mia", "species": "dog"}, headers=other)
    ).json()["id"]
    mine = await accepted_walk(api, profile, pet, owner, carer, WINTER)
    theirs = await accepted_walk(api, profile, other_pet, other, carer, WINTER + timedelta(hours=3))
    _, stranger = await api.new_user()

    assert set(events(await read_feed(api, await make_feed(api, owner)))) == {mine["id"]}
    assert set(events(await read_feed(api, await make_feed(api, other)))) == {theirs["id"]}
    assert events(await read_feed(api, await make_feed(api, stranger))) == {}
    both = events(await read_feed(api, await make_feed(api, carer)))
    assert set(both) == {mine["id"], theirs["id"]}


async def test_erasing_the_account_deletes_the_feed(api: Api) -> None:
    _, headers = await api.new_user()
    path = await make_feed(api, headers)
    erased = await api.client.request(
        "DELETE", "/api/v1/me", json={"password": PASSWORD}, headers=headers
    )
    assert erased.status_code == 204, erased.text
    assert (await api.client.get(path)).status_code == 404


async def test_the_feed_address_is_documented_as_public_icalendar(api: Api) -> None:
    doc = (await api.client.get("/schema/openapi.json")).json()
    feed = doc["paths"]["/api/v1/calendar/{feed}"]["get"]
    assert feed.get("security") in ([], [{}])  # public: no bearer token
    assert list(feed["responses"]["200"]["content"]) == ["text/calendar"]
    assert "charset=utf-8" in feed["description"] and "<token>.ics" in feed["description"]
    assert "201" in doc["paths"][FEED]["post"]["responses"]
    assert "204" in doc["paths"][FEED]["delete"]["responses"]


async def test_accepted_meet_and_greets_are_in_both_parties_feeds(api: Api) -> None:
    profile, carer, owner, _, _ = await marketplace(api)
    c = api.client
    body = {"caregiver_id": profile["id"], "start_at": WINTER.isoformat(), "duration_minutes": 30}
    asked = await c.post("/api/v1/meet-and-greets", json=body, headers=owner)
    assert asked.status_code == 201, asked.text
    meeting = asked.json()
    owner_feed = await make_feed(api, owner)
    assert meeting["id"] not in events(await read_feed(api, owner_feed))  # only once accepted
    accepted = await c.post(f"/api/v1/meet-and-greets/{meeting['id']}/accept", headers=carer)
    assert accepted.status_code == 200, accepted.text

    for who, other in ((owner, profile["display_name"]), (carer, None)):
        event = events(await read_feed(api, await make_feed(api, who)))[meeting["id"]]
        assert event.decoded("DTSTART") == WINTER.astimezone(BRUSSELS)
        assert event.decoded("DTEND") == (WINTER + timedelta(minutes=30)).astimezone(BRUSSELS)
        summary = str(event["SUMMARY"])
        assert summary.startswith("Kennismaking · ")
        assert other is None or summary.endswith(other)
        assert str(event["URL"]).endswith(f"/meet-and-greets/{meeting['id']}")
