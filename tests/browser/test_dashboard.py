"""The dashboard in Chromium: what an admin sees first after signing in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from playwright.async_api import Page, expect

from tests.browser.harness import T0, Console, check_page
from tests.http.test_console import T0 as BUSINESS_T0
from tests.http.test_console_dashboard import raw, some_business
from tests.support import Api

# Owners registered n days before T0, n of them: something for the charts to show.
SIGN_UPS = {days: days for days in range(1, 7)}
# Every cell carrying a number: [its row's date or null for a headline, metric, value].
CELLS = """() => Array.from(document.querySelectorAll("main td[data-metric]"), (td) => [
  td.closest("tr").dataset.date ?? null, td.dataset.metric, td.dataset.value])"""


async def test_dashboard(page: Page, console: Console) -> None:
    for days, count in SIGN_UPS.items():
        await console.set_clock(T0 - timedelta(days=days, hours=-2))
        for _ in range(count):
            await console.new_user()
    # Bookings, a cancellation, a failed card, a completion: every figure has something.
    api = Api(cast(Any, console.http), console.settings)
    try:
        boss = await some_business(api)
    finally:
        await api.container.close()
    await console.set_clock(BUSINESS_T0)
    await console.sign_in(page, await console.new_admin("ops@tailtribe.be"))
    await expect(page.locator("h1")).to_have_text("Dashboard")
    await expect(page.locator("nav a[aria-current=page]")).to_have_text("Dashboard")
    # Three charts, each an image named for assistive technology.
    charts = page.locator("main svg[role=img]")
    await expect(charts).to_have_count(3)
    for chart in await charts.all():
        await expect(chart).to_be_visible()
    await check_page(page, "dashboard")

    # Every number shown is the API's for the same period: the last 30 days.
    shown: list[tuple[str | None, str, str]] = await page.evaluate(CELLS)
    daily = {(d, m.removeprefix("daily.")): v for d, m, v in shown if d is not None}
    headline = {m: v for d, m, v in shown if d is None}
    dates = sorted({d for d, _ in daily})
    assert len(dates) == 30 and dates[-1] == BUSINESS_T0.date().isoformat()
    response = await console.http.get(
        "/api/v1/admin/metrics", params={"from": dates[0], "to": dates[-1]}, headers=boss
    )
    assert response.status_code == 200, response.text
    want = response.json()
    assert want["bookings"]["created"] == 4 and want["commission_earned_cents"] > 0

    def at(path: str) -> Any:
        value: Any = want
        for part in path.split("."):
            value = value[part]
        return value

    assert len(headline) == 22
    for metric, value in headline.items():
        # The server's own responses come from this process's counters, not the API's period.
        if metric not in ("server_error_rate", "responses"):
            assert value == raw(at(metric)), metric
    assert {d["date"] for d in want["daily"]} == set(dates)
    for day in want["daily"]:
        for name, value in day.items():
            if name != "date":
                assert daily[(day["date"], name)] == raw(value), (day["date"], name)
    # The sign-ups made above, day by day as the API counts them.
    for days_before, count in SIGN_UPS.items():
        day = (T0 - timedelta(days=days_before)).date().isoformat()
        assert int(daily[(day, "registrations")]) >= count, day


async def test_the_language_switch(page: Page, console: Console) -> None:
    await console.sign_in(page, await console.new_admin())
    # A whole page load, not an htmx swap: <html lang> must follow the texts.
    await page.locator("#lang").select_option("fr")
    await page.locator("form[action='/admin/language'] button").click()
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    await expect(page.locator("h1")).to_have_text("Tableau de bord")
    await expect(page).to_have_url(f"{console.base}/admin")
    await check_page(page, "dashboard-fr")
    # Kept in the session: a reload stays in French; Dutch is one switch away.
    await page.reload()
    await expect(page.locator("h1")).to_have_text("Tableau de bord")
    await page.locator("#lang").select_option("nl")
    await page.locator("form[action='/admin/language'] button").click()
    await expect(page.locator("h1")).to_have_text("Overzicht")
    await expect(page.locator("html")).to_have_attribute("lang", "nl")
    # Signed out, the login page speaks the browser's language again, and says so.
    await page.get_by_role("button", name="Afmelden").click()
    await expect(page.locator("h1")).to_have_text("Sign in")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
