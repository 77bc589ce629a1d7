"""The dashboard in Chromium: what an admin sees first after signing in."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.browser.harness import Console, check_page


async def test_dashboard(page: Page, console: Console) -> None:
    await console.sign_in(page, await console.new_admin("ops@tailtribe.be"))
    await expect(page.locator("h1")).to_have_text("Dashboard")
    await expect(page.locator("nav a[aria-current=page]")).to_have_text("Dashboard")
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
