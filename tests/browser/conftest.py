"""Fixtures of the browser tests: one Chromium and one app per run, a page per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.browser.harness import CHROMIUM, DESKTOP, T0, Console, served_console, watch
from tests.conftest import empty_database

HERE = Path(__file__).resolve().parent
# Two cores run the app, Chromium and the tests: allow more than the default 5 s.
expect.set_options(timeout=15_000)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test here is a browser test: `-m browser` runs them, `-m "not browser"` leaves them.
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_FAILED] = True
    return report


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    # Never skipped: scripts/test.sh installs Debian's chromium; without it the tests fail.
    assert CHROMIUM.exists(), (
        f"{CHROMIUM} is missing: apt-get install chromium chromium-driver (scripts/test.sh does)"
    )
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture(scope="session")
async def served(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Console]:
    """One app process for all the browser tests: starting it takes seconds."""
    async with served_console(pg_url, tmp_path_factory.mktemp("console")) as app:
        yield app


@pytest.fixture(scope="module")
async def console(served: Console) -> Console:
    """The served app on empty tables, its clock at T0, for each module."""
    await (await empty_database(served.settings.database_url)).get_engine().dispose()
    served.secrets.clear()
    await served.set_clock(T0)
    return served


@pytest.fixture
async def page(
    browser: Browser, console: Console, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Page]:
    """A fresh browser profile (no cookies) in English, at desktop width, on the console.

    A failed test leaves what the page showed and the app's log in its tmp_path.
    """
    context = await browser.new_context(base_url=console.base, locale="en-GB", viewport=DESKTOP)
    try:
        opened = watch(await context.new_page())
        yield opened
        if request.node.stash.get(_FAILED, False):
            await opened.screenshot(path=tmp_path / "failed.png", full_page=True)
            (tmp_path / "server.log").write_bytes(console.log.read_bytes()[-20_000:])
            print(f"the page and the app's log at the failure: {tmp_path}")  # noqa: T201
    finally:
        await context.close()
