"""Search, public profiles and reviews lists through HTTP; DST pricing of boarding."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar.serialization import encode_json
from msgspec.json import decode
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailtribe.adapters.sqlalchemy.tables import CaregiverRow
from tailtribe.domain.model.masking import MASK
from tailtribe.entrypoints.http.schemas.search import SearchList
from tests.support import PROFILE, Api

BRUSSELS = ZoneInfo("Europe/Brussels")
GENT = {"latitude": PROFILE["latitude"], "longitude": PROFILE["longitude"]}


async def test_search_profile_and_suspension(api: Api) -> None:
    admin = await api.new_admin()
    profile, _ = await api.approved_caregiver(admin)
    c = api.client
    params = {"service": "dog_walking", **GENT, "radius_km": 5}
    found = (await c.get("/api/v1/caregivers", params=params)).json()
    assert [i["id"] for i in found["items"]] == [profile["id"]]
    item = found["items"][0]
    assert item["distance_km"] == 0.0 and item["price_cents"] == 1500
    assert item["rating"] == {"average": None, "count": 0}
    assert "stripe_account_id" not in item

    public = await c.get(f"/api/v1/caregivers/{profile['id']}")
    assert public.status_code == 200
    body = public.json()
    assert body["rating"] == {"average": None, "count": 0}
    assert (
        "stripe_account_id" not in body
        and "payouts_enabled" not in body
        and "decisions" not in body
    )
    assert (await c.get(f"/api/v1/caregivers/{profile['id']}/reviews")).json()["total"] == 0

    assert (
        await c.get("/api/v1/caregivers", params={**params, "service": "house_sitting"})
    ).json()["total"] == 0
    assert (await c.get("/api/v1/caregivers", params={**params, "species": "bird"})).json()[
        "total"
    ] == 0
    assert (await c.get("/api/v1/caregivers", params={**params, "max_price_cents": 1000})).json()[
        "total"
    ] == 0
    assert (await c.get("/api/v1/caregivers", params={**params, "q": "hondenoppas"})).json()[
        "total"
    ] == 1
    assert (await c.get("/api/v1/caregivers", params={**params, "q": "zebra"})).json()["total"] == 0
    by_postcode = await c.get(
        "/api/v1/caregivers", params={"service": "dog_walking", "postcode": "9000"}
    )
    assert by_postcode.json()["total"] == 1

    # Suspended: gone from search at once (the cached result is not served) and from the profile.
    await c.post(
        f"/api/v1/admin/caregivers/{profile['id']}/suspend", json={"reason": "x"}, headers=admin
    )
    assert (await c.get("/api/v1/caregivers", params=params)).json()["total"] == 0
    assert (await c.get(f"/api/v1/caregivers/{profile['id']}")).status_code == 404


async def test_contact_details_written_before_the_rules_are_masked_publicly(api: Api) -> None:
    # Profiles stored before contact details were refused on write.
    admin = await api.new_admin()
    profile, _ = await api.approved_caregiver(admin)
    factory = await api.container.get(async_sessionmaker[AsyncSession])
    async with factory() as session, session.begin():
        await session.execute(
            update(CaregiverRow)
            .where(CaregiverRow.id == profile["id"])
            .values(
                display_name="Sofie 0470 12 34 56",
                bio="Hondenoppas in Gent, mail sofie@example.be of bel +32 470 12 34 56.",
                city="Gent www.sofie.be",
            )
        )
    public = (await api.client.get(f"/api/v1/caregivers/{profile['id']}")).json()
    shown = (public["display_name"], public["bio"], public["city"])
    assert shown == (
        f"Sofie {MASK}",
        f"Hondenoppas in Gent, mail {MASK} of bel {MASK}.",
        f"Gent {MASK}",
    )
    params = {"service": "dog_walking", **GENT, "radius_km": 5}
    [item] = (await api.client.get("/api/v1/caregivers", params=params)).json()["items"]
    assert (item["display_name"], item["bio"], item["city"]) == shown


async def test_bad_searches_are_4xx(api: Api) -> None:
    bad: list[dict[str, Any]] = [
        {},
        {"service": "dog_walking"},
        {"service": "grooming", **GENT},
        {"service": "dog_walking", **GENT, "radius_km": 0},
        {"service": "dog_walking", **GENT, "radius_km": 5000},
        {"service": "dog_walking", "latitude": 91, "longitude": 4},
        {"service": "dog_walking", "postcode": "0000"},
        {"service": "dog_walking", "postcode": "8888"},
        {"service": "dog_walking", **GENT, "start": "2027-01-04T10:00:00+01:00"},
        {"service": "dog_walking", **GENT, "sort": "cheapest"},
        {"service": "dog_walking", **GENT, "pets": 0},
        {"service": "dog_walking", **GENT, "q": "a\u0000b"},
    ]
    for params in bad:
        response = await api.client.get("/api/v1/caregivers", params=params)
        assert 400 <= response.status_code < 500, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_boarding_across_dst_is_priced_by_nights(api: Api) -> None:
    admin = await api.new_admin()
    profile, caregiver = await api.approved_caregiver(admin)
    every_day = {"weekly": [{"weekday": d, "start": "08:00", "end": "20:00"} for d in range(7)]}
    assert (
        await api.client.put("/api/v1/caregiver/availability", json=every_day, headers=caregiver)
    ).status_code == 200
    _, owner = await api.new_user()
    pet = (
        await api.client.post("/api/v1/pets", json={"name": "Rex", "species": "dog"}, headers=owner)
    ).json()
    # Next year's clock changes (the last Sundays of March and October), so the
    # stays are always ahead of today's date.
    year = datetime.now(BRUSSELS).year + 1
    for month in (3, 10):
        last_week = (date(year, month, day) for day in range(25, 32))
        sunday = max(d for d in last_week if d.weekday() == 6)
        first = datetime.combine(sunday - timedelta(days=1), time(10), BRUSSELS)
        last = datetime.combine(sunday + timedelta(days=1), time(10), BRUSSELS)
        assert first.utcoffset() != last.utcoffset()  # the stay spans the change
        body = {
            "caregiver_id": profile["id"],
            "service": "boarding",
            "pet_ids": [pet["id"]],
            "start": first.isoformat(),
            "end": last.isoformat(),
        }
        quote = await api.client.post("/api/v1/quotes", json=body, headers=owner)
        assert quote.status_code == 200, quote.text
        # 47 hours in spring, 49 in autumn: two nights either way.
        assert quote.json()["units"] == 2
        assert quote.json()["total"]["amount_cents"] == 2 * 3500


async def test_a_cached_search_answers_as_the_search_did(api: Api) -> None:
    admin = await api.new_admin()
    profile, headers = await api.approved_caregiver(admin)
    params = {"service": "dog_walking", **GENT, "radius_km": 5}
    miss = await api.client.get("/api/v1/caregivers", params=params)
    hit = await api.client.get("/api/v1/caregivers", params=params)
    assert hit.status_code == miss.status_code == 200
    assert hit.headers["content-type"] == miss.headers["content-type"] == "application/json"
    # Byte for byte, and exactly as Litestar encodes the SearchList it holds.
    assert hit.content == miss.content == encode_json(decode(miss.content, type=SearchList))
    assert [i["id"] for i in hit.json()["items"]] == [profile["id"]]

    # An edited profile is a new cache generation: the next search shows the edit.
    edited = await api.client.patch(
        "/api/v1/caregiver/profile", json={"display_name": "Sofie Peeters"}, headers=headers
    )
    assert edited.status_code == 200, edited.text
    [item] = (await api.client.get("/api/v1/caregivers", params=params)).json()["items"]
    assert item["display_name"] == "Sofie Peeters"
