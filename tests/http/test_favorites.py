"""Favourite caregivers through HTTP on PostgreSQL: saving and forgetting,
the list as suspensions come and go, the search flag per caller on a shared
cache, and erasure."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailtribe.adapters.sqlalchemy.tables import CaregiverRow, FavoriteRow
from tests.conftest import SQL_BACKENDS, empty_database, sql_url
from tests.http.conftest import ClientFactory, api_for
from tests.support import PASSWORD, PROFILE, Api

Headers = dict[str, str]
GENT = {"latitude": PROFILE["latitude"], "longitude": PROFILE["longitude"]}
SEARCH = {"service": "dog_walking", **GENT, "radius_km": 5}


async def favorites(api: Api, headers: Headers, **params: Any) -> Any:
    response = await api.client.get("/api/v1/favorites", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def save(api: Api, caregiver_id: str, headers: Headers) -> int:
    return (await api.client.put(f"/api/v1/favorites/{caregiver_id}", headers=headers)).status_code


async def forget(api: Api, caregiver_id: str, headers: Headers) -> int:
    response = await api.client.delete(f"/api/v1/favorites/{caregiver_id}", headers=headers)
    return response.status_code


async def rows_of(api: Api, user_id: str) -> int:
    factory = await api.container.get(async_sessionmaker[AsyncSession])
    async with factory() as session:
        count = await session.scalar(
            select(func.count()).where(FavoriteRow.user_id == UUID(user_id))
        )
    return count or 0


async def test_save_list_and_forget_idempotently(api: Api) -> None:
    admin = await api.new_admin()
    first, _ = await api.approved_caregiver(admin)
    second, _ = await api.approved_caregiver(admin)
    _, owner = await api.new_user()
    assert (await favorites(api, owner)) == {"items": [], "total": 0, "limit": 20, "offset": 0}

    assert await save(api, first["id"], owner) == 204
    assert await save(api, second["id"], owner) == 204
    assert await save(api, first["id"], owner) == 204  # again: keeps its place
    listed = await favorites(api, owner)
    assert listed["total"] == 2
    assert [i["caregiver"]["id"] for i in listed["items"]] == [second["id"], first["id"]]
    # Each as its public profile shows it.
    public = (await api.client.get(f"/api/v1/caregivers/{first['id']}")).json()
    assert listed["items"][1]["caregiver"] == public
    paged = await favorites(api, owner, limit=1, offset=1)
    assert [i["caregiver"]["id"] for i in paged["items"]] == [first["id"]]
    assert (paged["total"], paged["limit"], paged["offset"]) == (2, 1, 1)

    assert await forget(api, second["id"], owner) == 204
    assert await forget(api, second["id"], owner) == 204  # again: nothing to forget
    assert await forget(api, str(uuid4()), owner) == 204
    assert [i["caregiver"]["id"] for i in (await favorites(api, owner))["items"]] == [first["id"]]

    # Signed-in users only.
    assert (await api.client.get("/api/v1/favorites")).status_code == 401
    assert (await api.client.put(f"/api/v1/favorites/{first['id']}")).status_code == 401
    assert (await api.client.delete(f"/api/v1/favorites/{first['id']}")).status_code == 401


async def test_only_an_approved_caregiver_other_than_oneself_is_saved(api: Api) -> None:
    admin = await api.new_admin()
    profile, carer = await api.approved_caregiver(admin)
    _, owner = await api.new_user()
    unknown = await api.client.put(f"/api/v1/favorites/{uuid4()}", headers=owner)
    assert unknown.status_code == 404, unknown.text
    assert unknown.headers["content-type"] == "application/problem+json"

    # A profile not approved yet is 404, as its public page.
    _, other = await api.new_user()
    draft = await api.client.post("/api/v1/caregiver/profile", json=PROFILE, headers=other)
    assert draft.status_code == 201, draft.text
    assert await save(api, draft.json()["id"], owner) == 404

    own = await api.client.put(f"/api/v1/favorites/{profile['id']}", headers=carer)
    assert own.status_code == 422, own.text
    assert own.json()["errors"][0]["field"] == "caregiver_id"
    assert (await favorites(api, carer))["total"] == 0
    assert (await favorites(api, owner))["total"] == 0


async def test_a_suspended_caregiver_drops_out_and_returns_when_reinstated(api: Api) -> None:
    admin = await api.new_admin()
    kept, _ = await api.approved_caregiver(admin)
    suspended, _ = await api.approved_caregiver(admin)
    _, owner = await api.new_user()
    for profile in (kept, suspended):
        assert await save(api, profile["id"], owner) == 204
    decide = f"/api/v1/admin/caregivers/{suspended['id']}"
    response = await api.client.post(
        f"{decide}/suspend", json={"reason": "complaint"}, headers=admin
    )
    assert response.status_code == 200, response.text

    listed = await favorites(api, owner)
    assert [i["caregiver"]["id"] for i in listed["items"]] == [kept["id"]]
    assert listed["total"] == 1
    # Nor can it be saved while suspended; removing it still works.
    _, late = await api.new_user()
    assert await save(api, suspended["id"], late) == 404

    response = await api.client.post(f"{decide}/reinstate", headers=admin)
    assert response.status_code == 200, response.text
    listed = await favorites(api, owner)
    assert [i["caregiver"]["id"] for i in listed["items"]] == [suspended["id"], kept["id"]]
    assert listed["total"] == 2


async def test_search_flags_the_callers_favourites_on_a_shared_cache(api: Api) -> None:
    admin = await api.new_admin()
    first, _ = await api.approved_caregiver(admin)
    second, _ = await api.approved_caregiver(admin)
    _, fan_of_first = await api.new_user()
    _, fan_of_both = await api.new_user()
    assert await save(api, first["id"], fan_of_first) == 204
    for profile in (first, second):
        assert await save(api, profile["id"], fan_of_both) == 204

    async def flags(headers: Headers | None) -> dict[str, tuple[bool, str]]:
        response = await api.client.get("/api/v1/caregivers", params=SEARCH, headers=headers)
        assert response.status_code == 200, response.text
        return {i["id"]: (i["favorite"], i["display_name"]) for i in response.json()["items"]}

    name = PROFILE["display_name"]
    assert await flags(fan_of_first) == {first["id"]: (True, name), second["id"]: (False, name)}
    # The result is now cached: a change the cache is not told of stays unseen,
    # so the answers below come from the cache, each with its caller's flags.
    factory = await api.container.get(async_sessionmaker[AsyncSession])
    async with factory() as session, session.begin():
        await session.execute(
            update(CaregiverRow)
            .where(CaregiverRow.id == UUID(second["id"]))
            .values(display_name="Renamed")
        )
    assert await flags(fan_of_both) == {first["id"]: (True, name), second["id"]: (True, name)}
    assert await flags(None) == {first["id"]: (False, name), second["id"]: (False, name)}
    assert await flags(fan_of_first) == {first["id"]: (True, name), second["id"]: (False, name)}

    # A token sent but not valid is refused, not taken for an anonymous caller.
    bad = {"Authorization": "Bearer not-a-token"}
    refused = await api.client.get("/api/v1/caregivers", params=SEARCH, headers=bad)
    assert refused.status_code == 401


async def test_erasure_deletes_the_users_favourites_and_those_of_its_profile(api: Api) -> None:
    admin = await api.new_admin()
    profile, carer = await api.approved_caregiver(admin)
    other, _ = await api.approved_caregiver(admin)
    me, owner = await api.new_user()
    carer_user = (await api.client.get("/api/v1/me", headers=carer)).json()
    _, fan = await api.new_user()
    for headers in (owner, fan):
        assert await save(api, profile["id"], headers) == 204
        assert await save(api, other["id"], headers) == 204
    assert await save(api, other["id"], carer) == 204

    for headers in (owner, carer):
        erased = await api.client.request(
            "DELETE", "/api/v1/me", json={"password": PASSWORD}, headers=headers
        )
        assert erased.status_code == 204, erased.text
    assert await rows_of(api, me["id"]) == 0
    assert await rows_of(api, carer_user["id"]) == 0
    # The fan keeps the other caregiver; the erased profile's row is gone, not hidden.
    listed = await favorites(api, fan)
    assert [i["caregiver"]["id"] for i in listed["items"]] == [other["id"]]
    assert listed["total"] == 1
    factory = await api.container.get(async_sessionmaker[AsyncSession])
    async with factory() as session:
        naming = await session.scalar(
            select(func.count()).where(FavoriteRow.caregiver_id == UUID(profile["id"]))
        )
    assert naming == 0


@pytest.mark.parametrize("backend", SQL_BACKENDS)
async def test_a_signed_in_search_answers_on_either_database(
    backend: str, request: pytest.FixtureRequest, make_client: ClientFactory
) -> None:
    # On SQLite the search's read must not keep the lock the caller's own
    # reads (their account, their favourites) then wait for.
    url = sql_url(request, backend)
    await (await empty_database(url)).get_engine().dispose()
    async with make_client(database_url=url, direct_url=url) as client:
        api = api_for(client)
        admin = await api.new_admin()
        profile, _ = await api.approved_caregiver(admin)
        _, fan = await api.new_user()
        assert await save(api, profile["id"], fan) == 204
        for params in (SEARCH, {"service": "dog_walking", "postcode": PROFILE["postcode"]}):
            response = await client.get("/api/v1/caregivers", params=params, headers=fan)
            assert response.status_code == 200, response.text
            assert [i["favorite"] for i in response.json()["items"]] == [True]
        await api.container.close()
