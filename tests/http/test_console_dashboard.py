"""The console's dashboard: the API's metrics for a period, as tables and SVG charts."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from babel.numbers import format_currency
from prometheus_client import CollectorRegistry, Counter

from tailtribe.config import Settings
from tailtribe.entrypoints.charts import Series, bar_chart, nice_ceiling
from tailtribe.entrypoints.http.console.dashboard import server_error_rate
from tailtribe.entrypoints.http.console.i18n import translator
from tests.factories import marketplace, next_monday, requested_walk
from tests.http import test_console
from tests.http.payments_support import authorize, deliver, intent_event
from tests.http.test_console import T0, Client, enrol, form, new_admin, set_clock
from tests.support import Api

# The console's fixtures: an app on an https base URL, on an empty database.
settings, console = test_console.settings, test_console.console

SVG = "{http://www.w3.org/2000/svg}"
_CHART = re.compile(r'<svg[^>]*class="chart".*?</svg>', re.DOTALL)
_LANG = re.compile(r'<html lang="([a-z]{2})">')


class Cells(HTMLParser):
    """The cells carrying data-metric: the headline ones by metric, the daily
    ones by (date, metric)."""

    def __init__(self) -> None:
        super().__init__()
        self.headline: dict[str, str] = {}
        self.daily: dict[tuple[str, str], str] = {}
        self._date: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr":
            self._date = a.get("data-date")
        metric = a.get("data-metric")
        if tag == "td" and metric is not None:
            value = a.get("data-value") or ""
            if metric.startswith("daily."):
                assert self._date is not None
                self.daily[(self._date, metric.removeprefix("daily."))] = value
            else:
                self.headline[metric] = value


def cells(page: str) -> Cells:
    found = Cells()
    found.feed(page)
    return found


def raw(value: Any) -> str:
    return "" if value is None else str(value)


async def some_business(api: Api) -> dict[str, str]:
    """Two days of activity: accounts two days before T0, then at T0 four
    bookings: accepted then completed, accepted then cancelled, only
    requested, card failed."""
    c = api.client
    await set_clock(c, T0 - timedelta(days=2))
    profile, caregiver, owner, admin, pet = await marketplace(api)
    await set_clock(c, T0)

    async def accepted(hour: int) -> dict[str, Any]:
        booking = await requested_walk(api, profile, pet, owner, next_monday(hour))
        await authorize(api, booking, T0)  # Stripe's event, as of the test's clock
        url = f"/api/v1/bookings/{booking['id']}/accept"
        assert (await c.post(url, headers=caregiver)).status_code == 200
        return booking

    done = await accepted(9)
    dropped = await accepted(11)
    cancelled = await c.post(
        f"/api/v1/bookings/{dropped['id']}/cancel", json={"reason": "plans"}, headers=owner
    )
    assert cancelled.status_code == 200, cancelled.text
    await requested_walk(api, profile, pet, owner, next_monday(13))
    failing = await requested_walk(api, profile, pet, owner, next_monday(15))
    pi = failing["payment"]["payment_intent_id"]
    amount = failing["price"]["total"]["amount_cents"]
    failed = await deliver(c, intent_event("payment_intent.payment_failed", pi, amount, T0))
    assert failed.status_code == 200, failed.text
    # The walk done, later: it still counts on the day it was booked.
    await set_clock(c, next_monday(12))
    completed = await c.post(f"/api/v1/bookings/{done['id']}/complete", headers=caregiver)
    assert completed.status_code == 200, completed.text
    await set_clock(c, T0)
    return admin


async def test_the_dashboard_shows_the_apis_numbers(console: Client, settings: Settings) -> None:
    api = Api(console, settings)
    try:
        admin = await some_business(api)
    finally:
        await api.container.close()
    await enrol(console, await new_admin(settings))
    period = {"from": (T0 - timedelta(days=6)).date().isoformat(), "to": T0.date().isoformat()}

    response = await console.get("/admin", params=period)
    assert response.status_code == 200, response.text
    expected = await console.get("/api/v1/admin/metrics", params=period, headers=admin)
    assert expected.status_code == 200, expected.text
    want = expected.json()
    found = cells(response.text)

    # The numbers mean something: every kind of figure is there and not zero.
    assert want["bookings"] == {"created": 4, "accepted": 2, "completed": 1, "cancelled": 1}
    assert want["refunds_cents"] > 0 and want["commission_earned_cents"] > 0
    assert want["payment_failure_rate"] > 0 and want["caregiver_approval_rate"] == 1.0

    def at(path: str) -> Any:
        value: Any = want
        for part in path.split("."):
            value = value[part]
        return value

    assert len(found.headline) == 22
    for metric, value in found.headline.items():
        if metric not in ("server_error_rate", "responses"):
            assert value == raw(at(metric)), metric
    assert found.headline["responses"].isdigit()
    for day in want["daily"]:
        for field, value in day.items():
            if field != "date":
                assert found.daily[(day["date"], field)] == raw(value), (day["date"], field)
    assert {d for d, _ in found.daily} == {d["date"] for d in want["daily"]}
    by_day = {d["date"]: d for d in want["daily"]}
    today = by_day[T0.date().isoformat()]
    assert today["bookings_created"] == 4 and today["commission_earned_cents"] > 0
    assert by_day[(T0 - timedelta(days=2)).date().isoformat()]["registrations"] >= 2

    # Shown as the admin's language writes money.
    lang = _LANG.search(response.text)
    assert lang
    gross = Decimal(want["gross_booking_value_cents"]) / 100
    assert format_currency(gross, "EUR", locale=lang.group(1)) in response.text

    # Three charts, each well-formed SVG, named for assistive technology, a bar per number.
    charts = [ET.fromstring(svg) for svg in _CHART.findall(response.text)]
    assert len(charts) == 3
    for chart, series in zip(charts, (1, 4, 2), strict=True):
        assert chart.tag == f"{SVG}svg" and chart.get("role") == "img"
        named = (chart.get("aria-labelledby") or "").split()
        ids = {e.get("id") for e in chart if e.tag in (f"{SVG}title", f"{SVG}desc")}
        assert set(named) == ids and len(ids) == 2
        bars = [e for e in chart if e.tag == f"{SVG}rect" and e.find(f"{SVG}title") is not None]
        assert len(bars) == 7 * series
    assert "style=" not in response.text and "<script>" not in response.text

    # In every language, with its own way of writing money.
    for language in ("fr", "nl", "en"):
        switched = await form(
            console, "/admin/language", {"lang": language, "next": "/admin"}, "/admin"
        )
        assert switched.status_code == 303, switched.text
        shown = await console.get("/admin", params=period)
        assert shown.status_code == 200 and f'<html lang="{language}">' in shown.text
        assert translator(language)("dashboard.kpi.caption") in shown.text
        assert format_currency(gross, "EUR", locale=language) in shown.text
        assert len(_CHART.findall(shown.text)) == 3

    # The default period: the last 30 days up to the clock's today.
    default = await console.get("/admin")
    assert default.status_code == 200
    assert len({d for d, _ in cells(default.text).daily}) == 30
    assert cells(default.text).headline["bookings.created"] == "4"


async def test_bad_periods_are_refused_with_a_clear_message(
    console: Client, settings: Settings
) -> None:
    await enrol(console, await new_admin(settings))
    page = await console.get("/admin")
    lang = _LANG.search(page.text)
    assert lang
    t = translator(lang.group(1))
    from_label, to_label = t("dashboard.from"), t("dashboard.to")
    cases = [
        (
            {"from": "yesterday"},
            t("dashboard.error.not_a_date", field=from_label, value="yesterday"),
        ),
        ({"to": "2026-02-30"}, t("dashboard.error.not_a_date", field=to_label, value="2026-02-30")),
        ({"from": "20261204"}, t("dashboard.error.not_a_date", field=from_label, value="20261204")),
        ({"from": "2026-12-04", "to": "2026-11-01"}, t("dashboard.error.order")),
        ({"from": "2025-01-01", "to": "2026-06-01"}, t("dashboard.error.too_long", days=366)),
        ({"to": "0001-01-05"}, t("dashboard.error.range")),
    ]
    for params, message in cases:
        refused = await console.get("/admin", params=params)
        assert refused.status_code == 422, params
        assert message in refused.text, params
        assert 'aria-invalid="true"' in refused.text and 'role="alert"' in refused.text
        assert "data-metric" not in refused.text and "<svg" not in refused.text
        for name, value in params.items():  # the form keeps what was typed
            assert f'name="{name}" type="date" value="{value}"' in refused.text
    # What was typed comes back escaped.
    typed = await console.get("/admin", params={"from": "<b>x</b>"})
    assert typed.status_code == 422 and "&lt;b&gt;x&lt;/b&gt;" in typed.text
    assert "<b>x" not in typed.text
    # Empty fields are the default period, as a form sent without dates.
    assert (await console.get("/admin", params={"from": "", "to": ""})).status_code == 200
    # The longest period allowed: a year and a day, a bar for each.
    year = await console.get("/admin", params={"from": "2025-12-04", "to": "2026-12-04"})
    assert year.status_code == 200
    assert len({d for d, _ in cells(year.text).daily}) == 366


async def test_the_dashboard_needs_a_signed_in_admin(console: Client) -> None:
    response = await console.get("/admin", params={"from": "2026-12-01"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/admin/login"
    htmx = await console.get("/admin", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.status_code == 401 and htmx.headers["hx-redirect"] == "/admin/login"


def test_the_server_error_rate_counts_5xx_among_all_responses() -> None:
    registry = CollectorRegistry()
    assert server_error_rate(registry) == (0, None)
    requests = Counter(
        "tailtribe_requests", "requests", ["method", "status_code"], registry=registry
    )
    requests.labels("GET", "200").inc(6)
    requests.labels("POST", "503").inc(1)
    requests.labels("GET", "500").inc(1)
    requests.labels("GET", "404").inc(2)
    assert server_error_rate(registry) == (10, 0.2)


def test_charts_are_escaped_scaled_and_checked() -> None:
    assert [nice_ceiling(v) for v in (0, 1, 7, 10, 11, 1500, 2001)] == [
        1,
        1,
        10,
        10,
        20,
        2000,
        5000,
    ]
    svg = bar_chart(
        chart_id="c",
        title="Dogs & <cats>",
        description='"quoted"',
        labels=["a", "b"],
        series=[Series("x", [0, 4]), Series("y & z", [2, 1])],
    )
    root = ET.fromstring(str(svg))
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "Dogs & <cats>"
    heights = [float(r.get("height", "0")) for r in root.iter(f"{SVG}rect") if r.get("x")]
    assert heights[0] == 0 and max(heights) > 0
    with pytest.raises(ValueError, match="one value per label"):
        bar_chart(chart_id="c", title="t", description="d", labels=["a"], series=[Series("x", [])])
