"""The queues and audit pages in Chromium: a held payout released as an admin does it."""

from __future__ import annotations

from typing import Any, cast

from playwright.async_api import Page, expect

from tests.browser.harness import Console, browser_errors, check_page
from tests.http.payments_support import get_booking
from tests.http.test_console_queues import world
from tests.support import Api


async def test_queues_release_a_held_payout_then_the_audit_shows_it(
    page: Page, console: Console
) -> None:
    # Every queue gets a row, made as the page's own tests make them (through the API).
    api = Api(cast(Any, console.http), console.settings)
    try:
        w = await world(api)
        await console.sign_in(page, await console.new_admin())
        await page.get_by_role("navigation").get_by_role("link", name="Queues").click()
        await expect(page.locator("h1")).to_have_text("Queues")
        await expect(page.get_by_test_id("count-payouts")).to_have_text("2")
        await expect(page.get_by_test_id("count-disputes")).to_have_text("1")
        await check_page(page, "queues")

        row = page.locator("#payouts tr", has=page.locator(f"text={w.charged_back['id']}"))
        # Release unconfirmed: the browser itself asks for the box (required).
        await row.get_by_role("button", name="Release").click()
        assert await row.locator("input[name=confirm]").evaluate("e => !e.validity.valid")
        await expect(page.get_by_test_id("count-payouts")).to_have_text("2")

        await row.get_by_label("Reason (optional)").fill("chargeback won")
        await row.get_by_label("Yes, release this payout to the caregiver").check()
        await row.get_by_role("button", name="Release").click()
        await expect(page.get_by_role("status")).to_have_text(
            "The payout was released: it is paid out with the next run."
        )
        await expect(page.get_by_test_id("count-payouts")).to_have_text("1")
        # What the API shows afterwards: the payout is scheduled again.
        state = await get_booking(api, w.charged_back["id"], w.carer.headers)
        assert state["payout_status"] == "scheduled"

        await page.get_by_role("navigation").get_by_role("link", name="Audit").click()
        await expect(page.locator("h1")).to_have_text("Audit trail")
        await expect(page.locator("td.action").first).to_have_text("resolve_dispute")
        await check_page(page, "audit")
        browser_errors(page).clear()
    finally:
        await api.container.close()
