"""Signing in to the admin console in Chromium: TOTP, refusals, CSRF, keyboard, axe."""

from __future__ import annotations

from aiohttp import web
from playwright.async_api import Browser, Page, expect

from tests.browser.harness import DESKTOP, Console, browser_errors, check_page, watch
from tests.stripe_standin import free_port
from tests.support import PASSWORD


async def test_enrolment_then_totp_on_the_next_sign_in(page: Page, console: Console) -> None:
    email = await console.new_admin()
    await console.tick()
    await page.goto("/admin/login")
    await check_page(page, "login")

    await console.password_step(page, email)
    await expect(page).to_have_url(f"{console.base}/admin/enrol")
    await expect(page.locator("figure.qr svg")).to_be_visible()
    await check_page(page, "enrol")
    # The secret as the page shows it, read as a person would type it in an app.
    console.secrets[email] = await page.get_by_test_id("totp-secret").inner_text()
    await page.locator("#code").fill(console.code(email))
    await page.locator("main form button[type=submit]").click()
    await expect(page.locator("ul.codes li")).to_have_count(10)
    await check_page(page, "recovery-codes")
    await page.locator("main a[href='/admin']").click()
    await expect(page).to_have_url(f"{console.base}/admin")
    await expect(page.locator("h1")).to_have_text("Dashboard")

    cookies = {c["name"]: c for c in await page.context.cookies()}
    session = cookies["__Host-tt_admin"]
    assert session["httpOnly"] and session["secure"] and session["sameSite"] == "Strict"
    assert session["path"] == "/"

    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(f"{console.base}/admin/login")
    await page.goto("/admin")
    await expect(page).to_have_url(f"{console.base}/admin/login")

    # Second sign-in: no enrolment, the authenticator's current code.
    await console.tick()
    await console.password_step(page, email)
    await expect(page).to_have_url(f"{console.base}/admin/login/totp")
    await check_page(page, "totp")
    await page.locator("#code").fill(console.code(email))
    await page.locator("main form button[type=submit]").click()
    await expect(page).to_have_url(f"{console.base}/admin")
    await expect(page.locator("h1")).to_have_text("Dashboard")


async def test_a_wrong_code_is_refused_on_the_page(page: Page, console: Console) -> None:
    email = await console.new_admin()
    await console.sign_in(page, email)
    await page.get_by_role("button", name="Sign out").click()
    await console.tick()
    await console.password_step(page, email)
    await expect(page).to_have_url(f"{console.base}/admin/login/totp")
    await page.locator("#code").fill("000000" if console.code(email) != "000000" else "111111")
    await page.locator("main form button[type=submit]").click()
    await expect(page.get_by_role("alert")).to_have_text("That code is not valid.")
    browser_errors(page).clear()  # the refusal's 401, as expected
    await check_page(page, "totp-refused")
    await page.goto("/admin")
    await expect(page).to_have_url(f"{console.base}/admin/login")


async def test_a_user_who_is_not_an_admin_is_refused(page: Page, console: Console) -> None:
    email = await console.new_user()
    await console.password_step(page, email)
    # The answer of a wrong password: nobody learns who is an admin.
    await expect(page).to_have_url(f"{console.base}/admin/login")
    await expect(page.get_by_role("alert")).to_have_text(
        "The email address or the password is wrong."
    )
    browser_errors(page).clear()
    await check_page(page, "login-refused")
    await page.goto("/admin")
    await expect(page).to_have_url(f"{console.base}/admin/login")


async def test_the_password_alone_opens_nothing(page: Page, console: Console) -> None:
    email = await console.new_admin()
    await console.sign_in(page, email)  # enrolled
    await page.get_by_role("button", name="Sign out").click()
    await console.tick()
    await console.password_step(page, email)
    await expect(page).to_have_url(f"{console.base}/admin/login/totp")
    for path in ("/admin", "/admin/caregivers", "/admin/bookings", "/admin/queues", "/admin/audit"):
        await page.goto(path)
        await expect(page).to_have_url(f"{console.base}/admin/login")


async def _language_form_posts(page: Page) -> int:
    """Switch to French with the header's form; the status of its POST."""
    await page.locator("#lang").select_option("fr")
    async with page.expect_response(
        lambda r: r.url.endswith("/admin/language") and r.request.method == "POST"
    ) as posted:
        await page.locator("form[action='/admin/language'] button").click()
    return (await posted.value).status


async def test_a_forged_csrf_token_is_refused(page: Page, console: Console) -> None:
    await console.sign_in(page, await console.new_admin())
    forged = "forged-" + "0" * 40
    # As htmx sends it (the header from <body>) and as the hidden field.
    await page.evaluate(
        """(forged) => {
            document.body.setAttribute('hx-headers', JSON.stringify({'x-csrftoken': forged}));
            for (const input of document.querySelectorAll('input[name=_csrf_token]')) {
                input.value = forged;
            }
        }""",
        forged,
    )
    assert await _language_form_posts(page) == 403
    browser_errors(page).clear()
    await page.goto("/admin")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("h1")).to_have_text("Dashboard")


async def test_a_forged_csrf_token_is_refused_without_javascript(
    browser: Browser, console: Console, page: Page
) -> None:
    email = await console.new_admin()
    await console.sign_in(page, email)
    # The same admin's session in a browser that runs no script: plain form posts.
    plain = await browser.new_context(
        base_url=console.base,
        locale="en-GB",
        viewport=DESKTOP,
        java_script_enabled=False,
        storage_state=await page.context.storage_state(),
    )
    try:
        bare = watch(await plain.new_page())
        await bare.goto("/admin")
        await expect(bare.locator("h1")).to_have_text("Dashboard")
        # The DevTools protocol still evaluates with page scripts off.
        await bare.evaluate(
            "for (const i of document.querySelectorAll('input[name=_csrf_token]')) i.value = 'x'"
        )
        assert await _language_form_posts(bare) == 403
        await bare.goto("/admin")
        await expect(bare.locator("html")).to_have_attribute("lang", "en")
        # And the untouched form works there, so the 403 was the token's.
        assert await _language_form_posts(bare) == 303
        await expect(bare.locator("html")).to_have_attribute("lang", "fr")
    finally:
        await plain.close()


async def test_a_form_posted_from_another_site_is_refused(page: Page, console: Console) -> None:
    await console.sign_in(page, await console.new_admin())
    # A page on another site that posts a form to the console as soon as it loads.
    attack = f"""<!doctype html><html lang="en"><title>Win a dog</title>
<form method="post" action="{console.base}/admin/language">
<input type="hidden" name="lang" value="fr"><input type="hidden" name="next" value="/admin">
</form><script>document.forms[0].submit()</script></html>"""

    async def serve(_: web.Request) -> web.Response:
        return web.Response(text=attack, content_type="text/html")

    port = free_port()
    app = web.Application()
    app.router.add_get("/", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        async with page.expect_response(
            lambda r: r.url == f"{console.base}/admin/language"
        ) as posted:
            await page.goto(f"http://127.0.0.1:{port}/")
        # SameSite=Strict: the browser sent neither the session nor the CSRF cookie.
        assert (await posted.value).status == 403
        browser_errors(page).clear()
    finally:
        await runner.cleanup()
    await page.goto("/admin")
    await expect(page.locator("h1")).to_have_text("Dashboard")  # still signed in
    await expect(page.locator("html")).to_have_attribute("lang", "en")  # nothing changed


async def test_the_keyboard_signs_in(page: Page, console: Console) -> None:
    email = await console.new_admin()
    await console.tick()
    await page.goto("/admin/login")
    reached: list[str] = []
    for _ in range(12):
        await page.keyboard.press("Tab")
        reached.append(
            await page.evaluate(
                "(() => { const e = document.activeElement;"
                " return e.id || (e.tagName + ':' + (e.textContent || '').trim()); })()"
            )
        )
        if reached[-1] == "BUTTON:Next":
            break
    # The skip link first, then the header, then the form in reading order.
    assert reached[0].startswith("A:Skip to content"), reached
    await page.goto("/admin/login")
    await page.keyboard.press("Tab")
    skip = await page.locator("a.skip").bounding_box()
    assert skip and skip["x"] >= 0 and skip["y"] >= 0, skip  # shown once focused
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == "main"
    for _ in range(12):
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement.id") == "email":
            break
    else:
        raise AssertionError("Tab never reached the email field")
    assert reached[-3:] == ["email", "password", "BUTTON:Next"], reached

    # The whole sign-in by keyboard: type, Tab, Enter; then Tab to the code.
    await page.keyboard.type(email)
    await page.keyboard.press("Tab")
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(f"{console.base}/admin/enrol")
    console.secrets[email] = await page.get_by_test_id("totp-secret").inner_text()
    for _ in range(12):
        if await page.evaluate("document.activeElement.id") == "code":
            break
        await page.keyboard.press("Tab")
    else:
        raise AssertionError("Tab never reached the code field")
    await page.keyboard.type(console.code(email))
    await page.keyboard.press("Enter")
    await expect(page.locator("ul.codes li")).to_have_count(10)


async def test_the_browser_enforces_the_csp(page: Page, console: Console) -> None:
    await page.goto("/admin/login")
    # An injected inline script and style, as an XSS would add them: refused.
    await page.evaluate(
        """() => {
            const script = document.createElement('script');
            script.textContent = 'window.ran = true';
            document.body.append(script);
            document.body.setAttribute('style', 'background: red');
        }"""
    )
    assert await page.evaluate("window.ran === undefined")
    assert await page.evaluate("getComputedStyle(document.body).backgroundColor") != (
        "rgb(255, 0, 0)"
    )
    assert any("Content Security Policy" in error for error in browser_errors(page))
