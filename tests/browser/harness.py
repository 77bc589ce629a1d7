"""The admin console in a real browser: the app served for real, Chromium, axe-core.

`served_console` runs `tailtribe serve` (test mode, in-memory sessions) on a
free port against the test database. Chromium reaches it as `localhost`: the
console's `__Host-` cookies are `Secure`, and Chromium keeps those over plain
HTTP only on localhost. `127.0.0.1` is therefore another *site* for the
browser, which the cross-site tests use.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
import uuid
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pyotp
from playwright.async_api import ConsoleMessage, Page, ViewportSize, expect

from tailtribe.config import Environment, Settings
from tailtribe.domain.services.accounts.create_admin import CreateAdmin
from tailtribe.ioc import make_container
from tests.stripe_standin import free_port
from tests.support import PASSWORD, CheapHashing

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR", ROOT / "docs" / "screenshots"))
VENDOR = Path(__file__).resolve().parent / "vendor"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
# Screenshots show this date: the app's clock is set, not the machine's.
T0 = datetime(2026, 12, 4, 9, 0, 0, tzinfo=UTC)
SECRET = "browser-tests-secret-key-long-enough-0123456789"
CLI = [sys.executable, "-m", "tailtribe.entrypoints.cli"]
# What the shell may carry that would point the app somewhere else.
FOREIGN = ("DATABASE_URL", "DIRECT_URL", "REDIS_URL", "STRIPE_", "RESEND_", "TAILTRIBE_", "APP_URL")
# axe-core's impacts that fail a test; "minor" and "moderate" are reported only.
BLOCKING = ("serious", "critical")


@dataclass
class Console:
    """The served app, a client for its test endpoints, and what the tests know."""

    base: str
    http: httpx.AsyncClient
    settings: Settings
    log: Path
    now: datetime = T0
    secrets: dict[str, str] = field(default_factory=dict)

    async def set_clock(self, at: datetime) -> None:
        response = await self.http.put("/api/v1/test/clock", json={"now": at.isoformat()})
        assert response.status_code == 200, response.text
        self.now = at

    async def tick(self) -> datetime:
        """Move the clock a minute on: a new TOTP time step, so a new code."""
        await self.set_clock(self.now + timedelta(minutes=1))
        return self.now

    async def new_admin(self, email: str | None = None) -> str:
        email = email or f"admin-{uuid.uuid4().hex[:8]}@example.be"
        container = make_container(self.settings, CheapHashing())
        try:
            async with container() as scope:
                await (await scope.get(CreateAdmin))(email, PASSWORD)
        finally:
            await container.close()
        return email

    async def new_user(self) -> str:
        """An account that is not an admin, registered through the API."""
        email = f"user-{uuid.uuid4().hex[:8]}@example.be"
        body = {"email": email, "password": PASSWORD, "full_name": "Plain User"}
        response = await self.http.post("/api/v1/auth/register", json=body)
        assert response.status_code == 201, response.text
        return email

    def code(self, email: str) -> str:
        return pyotp.TOTP(self.secrets[email]).at(self.now)

    async def password_step(self, page: Page, email: str, password: str = PASSWORD) -> None:
        await page.goto("/admin/login")
        await page.locator("#email").fill(email)
        await page.locator("#password").fill(password)
        await page.locator("main form button[type=submit]").click()

    async def sign_in(self, page: Page, email: str) -> None:
        """Password then TOTP, enrolling first if the admin never did."""
        await self.tick()
        await self.password_step(page, email)
        if email not in self.secrets:
            await expect(page).to_have_url(f"{self.base}/admin/enrol")
            self.secrets[email] = await page.get_by_test_id("totp-secret").inner_text()
            await page.locator("#code").fill(self.code(email))
            await page.locator("main form button[type=submit]").click()
            await expect(page.locator("ul.codes li")).to_have_count(10)
            await page.locator("main a[href='/admin']").click()
        else:
            await expect(page).to_have_url(f"{self.base}/admin/login/totp")
            await page.locator("#code").fill(self.code(email))
            await page.locator("main form button[type=submit]").click()
        await expect(page).to_have_url(f"{self.base}/admin")


def _environment(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN)}
    env.update(values)
    return env


@asynccontextmanager
async def served_console(pg_url: str, data_dir: Path) -> AsyncIterator[Console]:
    await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
    log = data_dir / "server.log"
    port = free_port()
    base = f"http://localhost:{port}"
    env = _environment(
        TAILTRIBE_ENV="test",
        DATABASE_URL=pg_url,
        TAILTRIBE_SECRET_KEY=SECRET,
        TAILTRIBE_DATA_DIR=str(data_dir),
        APP_URL=base,
        RATE_LIMIT_PER_MINUTE="100000",
        AUTH_RATE_LIMIT_PER_MINUTE="100000",
    )
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            *CLI,
            *("serve", "--host", "127.0.0.1", "--port", str(port)),
            env=env,
            stdout=sink,  # a file, not a pipe: logged tracebacks must not fill a buffer
            stderr=asyncio.subprocess.STDOUT,
        )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            for _ in range(900):
                if process.returncode is not None:
                    raise AssertionError(f"the app exited: {log.read_text()[-4000:]}")
                try:
                    if (await http.get("/api/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise AssertionError(f"the app did not start: {log.read_text()[-4000:]}")
            settings = replace(
                Settings(data_dir=data_dir),
                env=Environment.TEST,
                database_url=pg_url,
                direct_url=pg_url,
                secret_key=SECRET,
            )
            console = Console(base, http, settings, log)
            await console.set_clock(T0)
            yield console
    finally:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), timeout=20)
        except TimeoutError:
            process.kill()
            await process.wait()


def _vendored_axe() -> str:
    """axe.min.js as vendored, refused if it is not the file SHA256SUMS names."""
    for line in (VENDOR / "SHA256SUMS").read_text().splitlines():
        want, name = line.split(maxsplit=1)
        got = hashlib.sha256((VENDOR / name).read_bytes()).hexdigest()
        assert got == want, f"{name}: sha256 {got}, SHA256SUMS says {want}"
    return (VENDOR / "axe.min.js").read_text()


AXE = _vendored_axe()


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now.

    Injected through the DevTools protocol, not a <script> tag: the console's
    CSP (rightly) refuses inline scripts, and the app never serves axe.
    """
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE)
    results: dict[str, Any] = await page.evaluate(
        "async () => await window.axe.run(document, {resultTypes: ['violations']})"
    )
    return [v for v in results["violations"] if v.get("impact") in BLOCKING]


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['impact']}: {v['id']} ({v['help']}) at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in violations
    )


async def check_page(page: Page, name: str) -> None:
    """What every console page must pass, at desktop and at phone width.

    axe-core finds no serious or critical violation, the browser logged no
    error (a CSP violation is one), and the page is saved as
    docs/screenshots/<name>-desktop.png and <name>-phone.png.
    """
    await page.wait_for_load_state("load")
    await asyncio.to_thread(SCREENSHOTS.mkdir, parents=True, exist_ok=True)
    for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        await page.set_viewport_size(viewport)
        violations = await axe_violations(page)
        assert not violations, f"{name} at {width} width:\n{describe(violations)}"
        # Nothing wider than the screen: no sideways scrolling on a phone.
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} at {width} width scrolls sideways by {overflow}px"
        await page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
    await page.set_viewport_size(DESKTOP)
    errors = browser_errors(page)
    assert not errors, f"{name}: the browser reported {errors}"


_ERRORS: weakref.WeakKeyDictionary[Page, list[str]] = weakref.WeakKeyDictionary()


def watch(page: Page) -> Page:
    """Record what the browser reports as an error on this page (CSP violations too)."""
    errors = _ERRORS.setdefault(page, [])
    page.on("console", lambda m: _console(errors, m))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.request.method} {r.url}") if r.status >= 400 else None
        ),
    )
    return page


def _console(errors: list[str], message: ConsoleMessage) -> None:
    # The browser's own favicon request is no page's: the console links none.
    if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
        errors.append(f"{message.text} ({message.location.get('url')})")


def browser_errors(page: Page) -> list[str]:
    """The errors so far; a test that provokes a refusal clears them."""
    return _ERRORS.setdefault(page, [])
