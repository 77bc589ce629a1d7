"""Who may call what: every endpoint of the accounts issue times every kind of caller.

Someone else's resource is 404 (never 200, never a hint that it exists); a
missing role is 403; no or a bad token is 401.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import PROFILE, SERVICES, Api

ACTORS = ("anonymous", "other_owner", "caregiver", "owner", "admin")
PET = {"name": "Bruno", "species": "dog"}

# (method, path, body, {actor: status}); {pet} is the owner's pet, {cg} the caregiver's profile.
MATRIX: list[tuple[str, str, Any, dict[str, int]]] = [
    ("GET", "/api/v1/me", None, {"anonymous": 401, "*": 200}),
    ("POST", "/api/v1/pets", PET, {"anonymous": 401, "*": 201}),
    ("GET", "/api/v1/pets", None, {"anonymous": 401, "*": 200}),
    ("GET", "/api/v1/pets/{pet}", None, {"anonymous": 401, "owner": 200, "*": 404}),
    ("PATCH", "/api/v1/pets/{pet}", {"notes": "x"}, {"anonymous": 401, "owner": 200, "*": 404}),
    ("DELETE", "/api/v1/pets/{pet}", None, {"anonymous": 401, "owner": 204, "*": 404}),
    ("POST", "/api/v1/caregiver/profile", {}, {"anonymous": 401, "caregiver": 409, "*": 201}),
    ("GET", "/api/v1/caregiver/profile", None, {"anonymous": 401, "caregiver": 200, "*": 403}),
    (
        "PATCH",
        "/api/v1/caregiver/profile",
        {"city": "Gent"},
        {"anonymous": 401, "caregiver": 200, "*": 403},
    ),
    ("PUT", "/api/v1/caregiver/services", SERVICES, {"anonymous": 401, "caregiver": 200, "*": 403}),
    (
        "PUT",
        "/api/v1/caregiver/availability",
        {"weekly": []},
        {"anonymous": 401, "caregiver": 200, "*": 403},
    ),
    ("POST", "/api/v1/caregiver/submit", None, {"anonymous": 401, "caregiver": 409, "*": 403}),
    (
        "POST",
        "/api/v1/caregiver/payouts/onboarding",
        None,
        {"anonymous": 401, "caregiver": 200, "*": 403},
    ),
    ("GET", "/api/v1/admin/caregivers", None, {"anonymous": 401, "admin": 200, "*": 403}),
    (
        "POST",
        "/api/v1/admin/caregivers/{cg}/approve",
        {"reason": "r"},
        {"anonymous": 401, "admin": 409, "*": 403},
    ),
    (
        "POST",
        "/api/v1/admin/caregivers/{cg}/reject",
        {"reason": "r"},
        {"anonymous": 401, "admin": 409, "*": 403},
    ),
    (
        "POST",
        "/api/v1/admin/caregivers/{cg}/reinstate",
        None,
        {"anonymous": 401, "admin": 409, "*": 403},
    ),
    (
        "POST",
        "/api/v1/admin/caregivers/{cg}/suspend",
        {"reason": "r"},
        {"anonymous": 401, "admin": 200, "*": 403},
    ),
    ("POST", "/api/stripe/webhook", {"id": "evt_1"}, {"*": 400}),
]


async def _world(api: Api) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    admin = await api.new_admin()
    profile, caregiver = await api.approved_caregiver(admin)
    _, owner = await api.new_user()
    _, other = await api.new_user()
    pet = (await api.client.post("/api/v1/pets", json=PET, headers=owner)).json()
    headers = {
        "anonymous": {},
        "other_owner": other,
        "caregiver": caregiver,
        "owner": owner,
        "admin": admin,
    }
    return headers, {"pet": pet["id"], "cg": profile["id"]}


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX]
)
async def test_authorization_matrix(
    api: Api, method: str, path: str, body: Any, expected: dict[str, int]
) -> None:
    headers, ids = await _world(api)
    url = path.format(**ids)
    seen = {}
    for actor in ACTORS:
        response = await api.client.request(method, url, json=body, headers=headers[actor])
        seen[actor] = response.status_code
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
    assert seen == {actor: expected.get(actor, expected.get("*")) for actor in ACTORS}


async def test_unknown_ids_are_404_for_everyone_allowed(api: Api) -> None:
    headers, _ = await _world(api)
    missing = "00000000-0000-7000-8000-000000000000"
    assert (
        await api.client.get(f"/api/v1/pets/{missing}", headers=headers["owner"])
    ).status_code == 404
    approve = await api.client.post(
        f"/api/v1/admin/caregivers/{missing}/approve",
        json={"reason": "r"},
        headers=headers["admin"],
    )
    assert approve.status_code == 404
    malformed = await api.client.get("/api/v1/pets/not-a-uuid", headers=headers["owner"])
    assert malformed.status_code == 404


async def test_a_caregiver_cannot_reach_admin_or_other_profiles(api: Api) -> None:
    headers, ids = await _world(api)
    listing = await api.client.get(
        "/api/v1/admin/caregivers?status=approved", headers=headers["caregiver"]
    )
    assert listing.status_code == 403
    bad_status = await api.client.get(
        "/api/v1/admin/caregivers?status=bogus", headers=headers["admin"]
    )
    assert bad_status.status_code == 400
    assert ids["cg"]
    assert PROFILE  # the caregiver's own edits go through /caregiver/profile only
