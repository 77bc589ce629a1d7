"""Odd input to the console's search and filter forms is a clear refusal on
the page, never a server error."""

from __future__ import annotations

from tailtribe.config import Settings
from tests.http import test_console
from tests.http.test_console import Client, enrol, new_admin

settings = test_console.settings
console = test_console.console


async def test_dates_out_of_range_and_control_characters_are_refused(
    console: Client, settings: Settings
) -> None:
    await enrol(console, await new_admin(settings))
    for query in (
        "/admin/bookings?to=9999-12-31",
        "/admin/bookings?from=0001-01-01",
        "/admin/bookings?owner=x%00y",
        "/admin/bookings?caregiver=%1b",
        "/admin/audit?from=0001-01-01T00:00",
        "/admin/audit?to=9999-12-31T23:59",
        "/admin/audit?object_id=%00",
    ):
        response = await console.get(query)
        assert 400 <= response.status_code < 500, (query, response.status_code)
        assert response.headers["content-type"].startswith("text/html"), query
    # The same forms still search when given sense.
    fine = await console.get("/admin/bookings?from=2026-01-01&to=2026-12-31&owner=someone")
    assert fine.status_code == 200, fine.text
    assert (await console.get("/admin/audit?from=2026-01-01T00:00")).status_code == 200
