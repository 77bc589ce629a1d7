"""GET /api/v1/admin/metrics: admins only, a range of Brussels dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.support import Api

BRUSSELS = ZoneInfo("Europe/Brussels")


async def test_admins_get_the_report_and_nobody_else(api: Api) -> None:
    c = api.client
    admin = await api.new_admin()
    _, user = await api.new_user()
    today = datetime.now(BRUSSELS).date()
    week = {"from": (today - timedelta(days=6)).isoformat(), "to": today.isoformat()}

    report = await c.get("/api/v1/admin/metrics", params=week, headers=admin)
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["from"] == week["from"] and body["to"] == week["to"]
    assert body["timezone"] == "Europe/Brussels"
    assert body["daily"][0]["date"] == week["from"] and len(body["daily"]) == 7
    # The admin and the user registered just now.
    assert body["registrations"]["owners"] == 2
    assert sum(d["registrations"] for d in body["daily"]) == 2
    assert body["bookings"] == {"created": 0, "accepted": 0, "completed": 0, "cancelled": 0}
    assert body["request_to_booking_conversion"] is None and body["average_rating"] is None

    default = (await c.get("/api/v1/admin/metrics", headers=admin)).json()
    assert date.fromisoformat(default["to"]) == today and len(default["daily"]) == 30

    # Not mistaken for the public /metrics path: a token is needed, and an admin's.
    assert (await c.get("/api/v1/admin/metrics")).status_code == 401
    assert (await c.get("/api/v1/admin/metrics", headers=user)).status_code == 403

    backwards = {"from": week["to"], "to": week["from"]}
    bad = await c.get("/api/v1/admin/metrics", params=backwards, headers=admin)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(
        "application/problem+json"
    )
    too_long = {"from": "2025-01-01", "to": "2026-06-01"}
    assert (await c.get("/api/v1/admin/metrics", params=too_long, headers=admin)).status_code == 422
    ancient = await c.get("/api/v1/admin/metrics", params={"to": "0001-01-05"}, headers=admin)
    assert ancient.status_code == 422
    nonsense = {"from": "yesterday"}
    assert (await c.get("/api/v1/admin/metrics", params=nonsense, headers=admin)).status_code == 400
