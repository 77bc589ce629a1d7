"""Decisions through the console in Chromium: a refund, a dispute resolved,
a caregiver rejected and another suspended; each confirmed, each seen by the API."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, cast

from playwright.async_api import Page, expect

from tests.browser.harness import Console, check_page
from tests.http.payments_support import (
    admin,
    brussels,
    captured_booking,
    caregiver,
    get_booking,
    ledger,
    money,
    moved,
    owner,
    run_at,
    set_clock,
)
from tests.http.test_console_care import MONDAY, api_status, submitted_caregiver
from tests.support import Api


async def confirm(page: Page, heading: str | re.Pattern[str]) -> None:
    """The confirmation step: the decision repeated, nothing changed yet; then confirmed."""
    await expect(page.locator("h1")).to_have_text(heading)
    await expect(page.locator("main p").first).to_have_text(
        "Check the decision below. Nothing has changed yet."
    )


async def test_refunding_a_booking(page: Page, console: Console) -> None:
    api = Api(cast(Any, console.http), console.settings)
    try:
        boss = await admin(api)
        carer, pet_owner = await caregiver(api, boss.headers), await owner(api)
        start = brussels(MONDAY, 10)
        booking = await captured_booking(
            api, carer, pet_owner, "dog_walking", start, start - timedelta(days=2)
        )
        booking_id = booking["id"]
        await console.set_clock(start - timedelta(days=2))
        await console.sign_in(page, await console.new_admin())

        # Found by its owner's email, through the bookings page's search.
        await page.get_by_role("navigation").get_by_role("link", name="Bookings").click()
        await expect(page.locator("h1")).to_have_text("Bookings")
        await page.locator("main form #owner").fill(pet_owner.email)
        await page.locator("main form #owner").press("Enter")
        await expect(page.locator(f"main a[href='/admin/bookings/{booking_id}']")).to_have_count(1)
        await page.locator(f"main a[href='/admin/bookings/{booking_id}']").click()
        await expect(page.locator("h1 code")).to_have_text(booking_id)
        await expect(page.get_by_test_id("payment-status")).to_have_text("captured")

        form = page.locator(f"form[action='/admin/bookings/{booking_id}/refund']")
        await form.locator("#refund-amount").fill("5,00")
        await form.locator("#refund-reason").fill("Goodwill: the walk started late")
        await form.get_by_role("button").click()
        await confirm(page, re.compile(r"^Refund 5,00\s€ to the owner\?$"))
        await check_page(page, "booking-refund-confirm")
        assert (await get_booking(api, booking_id, pet_owner.headers))["refunded"] == money(0)

        await page.locator("main form.confirm button[type=submit]").click()
        await expect(page.get_by_role("status")).to_have_text("Refunded.")
        await expect(page.get_by_test_id("refunded")).to_have_text(re.compile(r"^5,00\s€$"))
        await expect(page.get_by_test_id("payment-status")).to_have_text("partially_refunded")
        await expect(page.get_by_test_id("balanced")).to_be_visible()
        await check_page(page, "booking-refunded")

        after = await get_booking(api, booking_id, pet_owner.headers)
        assert after["refunded"] == money(500)
        assert after["payment_status"] == "partially_refunded"
        books = await ledger(api, booking_id, boss.headers)
        assert books["balanced"] is True, books["problems"]
        assert moved(books)["refund"] == 500
    finally:
        await api.container.close()


async def test_resolving_a_dispute(page: Page, console: Console) -> None:
    api = Api(cast(Any, console.http), console.settings)
    try:
        boss = await admin(api)
        carer, pet_owner = await caregiver(api, boss.headers), await owner(api)
        start = brussels(MONDAY, 14)
        walk = await captured_booking(
            api, carer, pet_owner, "dog_walking", start, start - timedelta(days=2)
        )
        # The walk ends, the jobs complete it; the owner disputes within the window.
        completed_at = brussels(MONDAY, 15, 1)
        assert (await run_at(api.client, completed_at))["bookings.complete"] >= 1
        assert (await get_booking(api, walk["id"], pet_owner.headers))["status"] == "completed"
        disputed_at = completed_at + timedelta(hours=1)
        await set_clock(api.client, disputed_at)
        disputed = await api.client.post(
            f"/api/v1/bookings/{walk['id']}/dispute",
            json={"reason": "Rex came back after ten minutes"},
            headers=pet_owner.headers,
        )
        assert disputed.status_code == 200, disputed.text
        await console.set_clock(disputed_at)
        await console.sign_in(page, await console.new_admin())

        await page.goto("/admin/bookings?status=disputed")
        await page.locator(f"main a[href='/admin/bookings/{walk['id']}']").first.click()
        await expect(page.locator("h1 code")).to_have_text(walk["id"])
        await expect(page.get_by_test_id("payout-status")).to_have_text("held")
        await check_page(page, "booking-disputed")

        # Part refunded to the owner, the rest paid out: asked first, then done.
        form = page.locator(f"form[action='/admin/bookings/{walk['id']}/resolve']")
        await form.locator("#outcome-refund").check()
        await form.locator("#resolve-amount").fill("5")
        await form.locator("#resolve-reason").fill("A short walk")
        await form.get_by_role("button").click()
        await confirm(page, "Refund the owner and pay out the rest?")
        await check_page(page, "booking-resolve-confirm")
        state = await get_booking(api, walk["id"], pet_owner.headers)
        assert (state["status"], state["payout_status"]) == ("disputed", "held")

        await page.locator("main form.confirm button[type=submit]").click()
        await expect(page.get_by_role("status")).to_have_text("Refunded.")
        await expect(page.get_by_test_id("payout-status")).to_have_text("scheduled")
        await expect(page.get_by_test_id("refunded")).to_have_text(re.compile(r"^5,00\s€$"))
        await check_page(page, "booking-resolved")

        state = await get_booking(api, walk["id"], pet_owner.headers)
        assert (state["status"], state["payout_status"]) == ("completed", "scheduled")
        assert state["refunded"] == money(500)
        books = await ledger(api, walk["id"], boss.headers)
        assert books["balanced"] is True, books["problems"]
        assert moved(books)["refund"] == 500
    finally:
        await api.container.close()


async def test_rejecting_and_suspending_caregivers(page: Page, console: Console) -> None:
    api = Api(cast(Any, console.http), console.settings)
    try:
        pending_id, pending_headers = await submitted_caregiver(api)
        boss = await admin(api)
        approved = await caregiver(api, boss.headers)
        await console.sign_in(page, await console.new_admin())

        for caregiver_id, headers, verdict, heading, done, status in (
            (pending_id, pending_headers, "reject", "Reject", "Rejected.", "rejected"),
            (
                str(approved.profile["id"]),
                approved.headers,
                "suspend",
                "Suspend",
                "Suspended: the caregiver no longer shows in search.",
                "suspended",
            ),
        ):
            await page.goto(f"/admin/caregivers/{caregiver_id}")
            form = page.locator(f"form[action='/admin/caregivers/{caregiver_id}/{verdict}']")
            reason = form.locator(f"#reason-{verdict}")
            # No reason: the browser refuses the required field, nothing is sent.
            await form.get_by_role("button").click()
            assert await reason.evaluate("e => e.validity.valueMissing") is True
            await expect(page).to_have_url(f"{console.base}/admin/caregivers/{caregiver_id}")
            before = await api_status(api, caregiver_id, headers)
            assert before in ("pending_review", "approved")

            await reason.fill(f"{heading}: documents do not match")
            await form.get_by_role("button").click()
            await expect(page.locator("main p").first).to_have_text(
                "Check the decision below. Nothing has changed yet."
            )
            await check_page(page, f"caregiver-{verdict}-confirm")
            assert await api_status(api, caregiver_id, headers) == before
            await page.locator("main form.confirm button[type=submit]").click()
            await expect(page.get_by_role("status")).to_have_text(done)
            await check_page(page, f"caregiver-{verdict}ed")
            assert await api_status(api, caregiver_id, headers) == status
    finally:
        await api.container.close()
