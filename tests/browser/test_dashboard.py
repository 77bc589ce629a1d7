"""The dashboard in Chromium: what an admin sees first after signing in."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.browser.harness import Console, check_page


async def test_dashboard(page: Page, console: Console) -> None:
    await console.sign_in(page, await console.new_admin("ops@tailtribe.be"))
    await expect(page.locator("h1")).to_have_text("Dashboard")
    await expect(page.locator("nav a[aria-current=page]")).to_have_text("Dashboard")
    await check_page(page, "dashboard")
