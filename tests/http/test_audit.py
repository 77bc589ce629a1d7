"""GET /api/v1/admin/audit: admins only, filtered, paged by cursor."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from tests.support import Api

AUDIT = "/api/v1/admin/audit"


async def entries(api: Api, headers: dict[str, str], query: str = "") -> list[dict[str, Any]]:
    response = await api.client.get(f"{AUDIT}{query}", headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def test_only_admins_read_the_trail(api: Api) -> None:
    _, user = await api.new_user()
    assert (await api.client.get(AUDIT)).status_code == 401
    refused = await api.client.get(AUDIT, headers=user)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")


async def test_decisions_and_refusals_are_listed_newest_first_and_filtered(api: Api) -> None:
    admin = await api.new_admin()
    me = (await api.client.get("/api/v1/me", headers=admin)).json()
    profile, _ = await api.approved_caregiver(admin)
    cid, c = profile["id"], api.client
    decide = f"/api/v1/admin/caregivers/{cid}"
    again = await c.post(f"{decide}/approve", json={"reason": "twice"}, headers=admin)
    assert again.status_code == 409
    no_reason = await c.post(f"{decide}/suspend", json={}, headers=admin)
    assert no_reason.status_code == 400  # refused by the schema: nothing reached the trail
    suspended = await c.post(f"{decide}/suspend", json={"reason": " complaint "}, headers=admin)
    assert suspended.status_code == 200

    items = await entries(api, admin, f"?object_id={cid}")
    assert [(e["action"], e["outcome"]) for e in items] == [
        ("suspend_caregiver", "suspended"),
        ("approve_caregiver", "refused: caregiver in state 'approved' cannot approve"),
        ("approve_caregiver", "approved"),
    ]
    top = items[0]
    assert top["actor_id"] == me["id"] and top["actor"] == me["full_name"]
    assert (top["object_type"], top["reason"]) == ("caregiver", "complaint")
    assert datetime.fromisoformat(top["at"]).tzinfo is not None

    suspensions = await entries(api, admin, "?action=suspend_caregiver&object_type=caregiver")
    assert [e["id"] for e in suspensions] == [top["id"]]
    assert await entries(api, admin, "?object_type=booking") == []
    mine = await entries(api, admin, f"?actor={me['id']}")
    assert {e["object_id"] for e in mine} == {cid}
    other_admin = (await api.client.get("/api/v1/me", headers=await api.new_admin())).json()
    assert await entries(api, admin, f"?actor={other_admin['id']}") == []

    # The period is [from, to).
    at = quote(top["at"])
    assert [e["id"] for e in await entries(api, admin, f"?object_id={cid}&from={at}")] == [
        top["id"]
    ]
    assert top["id"] not in [e["id"] for e in await entries(api, admin, f"?to={at}")]
    later = quote((datetime.fromisoformat(top["at"]) + timedelta(seconds=1)).isoformat())
    assert await entries(api, admin, f"?from={later}") == []


async def test_the_cursor_pages_through_everything_once(api: Api) -> None:
    admin = await api.new_admin()
    profile, _ = await api.approved_caregiver(admin)
    decide = f"/api/v1/admin/caregivers/{profile['id']}"
    for step in ("suspend", "reinstate", "suspend"):
        body = {"reason": f"round {step}"}
        assert (await api.client.post(f"{decide}/{step}", json=body, headers=admin)).is_success
    everything = await entries(api, admin)
    assert len(everything) == 4

    seen: list[str] = []
    cursor = None
    while True:
        query = "?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = (await api.client.get(f"{AUDIT}{query}", headers=admin)).json()
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        # An action taken between pages is newer: it never shows up further on.
        body = {"reason": "between pages"}
        assert (await api.client.post(f"{decide}/reinstate", json=body, headers=admin)).is_success
    assert seen == [e["id"] for e in everything]


async def test_bad_filters_are_400_naming_the_parameter(api: Api) -> None:
    admin = await api.new_admin()
    for query, field in (
        ("?from=2026-12-04T10:00:00", "from"),  # no offset
        ("?to=2026-12-04T10:00:00", "to"),
        ("?cursor=not-a-cursor", "cursor"),
        ("?action=delete_everything", "action"),
        ("?object_type=pet", "object_type"),
        ("?actor=someone", "actor"),
        ("?limit=0", "limit"),
    ):
        response = await api.client.get(f"{AUDIT}{query}", headers=admin)
        assert response.status_code == 400, (query, response.text)
        problem = response.json()
        assert field in [e["field"] for e in problem["errors"]], (query, problem)
