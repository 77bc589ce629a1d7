"""The caregivers and bookings pages in Chromium: a caregiver approved through its page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from playwright.async_api import Page, expect

from tests.browser.harness import Console, check_page
from tests.http.payments_support import admin, brussels, captured_booking, caregiver, owner
from tests.http.test_console_care import MONDAY, api_status, submitted_caregiver
from tests.support import PROFILE, Api


async def test_approving_a_submitted_caregiver(page: Page, console: Console) -> None:
    api = Api(cast(Any, console.http), console.settings)
    try:
        caregiver_id, carer_headers = await submitted_caregiver(api)
        await console.sign_in(page, await console.new_admin())
        await page.get_by_role("navigation").get_by_role("link", name="Caregivers").click()
        await expect(page.locator("h1")).to_have_text("Caregivers")
        await check_page(page, "caregivers")

        await page.get_by_role("link", name=PROFILE["display_name"]).click()
        await expect(page).to_have_url(f"{console.base}/admin/caregivers/{caregiver_id}")
        await check_page(page, "caregiver")
        form = page.locator(f"form[action='/admin/caregivers/{caregiver_id}/approve']")
        await form.get_by_label("Reason", exact=False).fill("Documents checked by phone")
        await form.get_by_role("button").click()
        # A confirmation step first: nothing has changed yet.
        await expect(page.locator("main p").first).to_have_text(
            "Check the decision below. Nothing has changed yet."
        )
        await check_page(page, "caregiver-confirm")
        assert await api_status(api, caregiver_id, carer_headers) == "pending_review"
        await page.locator("main form.confirm button[type=submit]").click()
        await expect(page.get_by_role("status")).to_have_text(
            "Approved: the caregiver can now be found in search."
        )
        assert await api_status(api, caregiver_id, carer_headers) == "approved"
    finally:
        await api.container.close()


async def test_a_booking_found_and_shown(page: Page, console: Console) -> None:
    api = Api(cast(Any, console.http), console.settings)
    try:
        boss = await admin(api)
        carer, pet_owner = await caregiver(api, boss.headers), await owner(api)
        start = brussels(MONDAY, 10)
        booking = await captured_booking(
            api, carer, pet_owner, "dog_walking", start, start - timedelta(days=2)
        )
        await console.set_clock(start - timedelta(days=2))
        await console.sign_in(page, await console.new_admin())
        await page.get_by_role("navigation").get_by_role("link", name="Bookings").click()
        await expect(page.locator("h1")).to_have_text("Bookings")
        await check_page(page, "bookings")
        await page.locator(f"main a[href='/admin/bookings/{booking['id']}']").first.click()
        await expect(page.locator("h1 code")).to_have_text(booking["id"])
        await check_page(page, "booking")
    finally:
        await api.container.close()
