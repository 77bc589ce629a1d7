"""The dashboard in Chromium: what an admin sees first after signing in."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import Page, expect

from tests.browser.harness import T0, Console, check_page

# Owners registered n days before T0, n of them: something for the charts to show.
SIGN_UPS = {days: days for days in range(1, 7)}


async def test_dashboard(page: Page, console: Console) -> None:
    for days, count in SIGN_UPS.items():
        await console.set_clock(T0 - timedelta(days=days, hours=-2))
        for _ in range(count):
            await console.new_user()
    await console.set_clock(T0)
    await console.sign_in(page, await console.new_admin("ops@tailtribe.be"))
    await expect(page.locator("h1")).to_have_text("Dashboard")
    await expect(page.locator("nav a[aria-current=page]")).to_have_text("Dashboard")
    # The figures of the last 30 days, day by day as the API counts them.
    for days, count in SIGN_UPS.items():
        day = (T0 - timedelta(days=days)).date().isoformat()
        row = page.locator(f"section.chart-block tr[data-date='{day}']").first
        await expect(row.locator("td").first).to_have_attribute("data-value", str(count))
    await expect(page.locator("svg").first).to_be_visible()
    await check_page(page, "dashboard")


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
