"""The console's home page: the business metrics of a period (Brussels days).

The figures are those of GET /api/v1/admin/metrics: the same use case, put
through the API's own schema (`MetricsOut`), so the page and the API cannot
disagree. The server error rate comes from this process' request counters,
the ones /metrics exposes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import msgspec
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get
from litestar.params import QueryParameter
from litestar.response import Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY
from markupsafe import Markup
from prometheus_client import REGISTRY, CollectorRegistry, multiprocess

from tailtribe.domain.errors import InvalidInput
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.admin.metrics import MAX_DAYS, BusinessMetrics
from tailtribe.entrypoints.charts import Series, bar_chart
from tailtribe.entrypoints.http.console.i18n import translator
from tailtribe.entrypoints.http.console.pages import ConsoleRequest, language_of, page
from tailtribe.entrypoints.http.console.security import CONSOLE_PATH, console_guard
from tailtribe.entrypoints.http.schemas.metrics import MetricsOut

# Litestar's request counter, as the app's PrometheusConfig (prefix "tailtribe") names it.
REQUESTS = "tailtribe_requests"

COUNT, CENTS, RATIO, DECIMAL = "count", "cents", "ratio", "decimal"

# The headline figures: (the API's field, dotted; the text's key; how to show it).
HEADLINES: tuple[tuple[str, str, str], ...] = (
    ("registrations.owners", "dashboard.kpi.owners", COUNT),
    ("registrations.caregivers", "dashboard.kpi.caregivers", COUNT),
    ("caregiver_approval_rate", "dashboard.kpi.approval_rate", RATIO),
    ("bookings.created", "dashboard.kpi.created", COUNT),
    ("bookings.accepted", "dashboard.kpi.accepted", COUNT),
    ("bookings.completed", "dashboard.kpi.completed", COUNT),
    ("bookings.cancelled", "dashboard.kpi.cancelled", COUNT),
    ("request_to_booking_conversion", "dashboard.kpi.conversion", RATIO),
    ("gross_booking_value_cents", "dashboard.kpi.gross_value", CENTS),
    ("commission_earned_cents", "dashboard.kpi.commission", CENTS),
    ("payouts_sent_cents", "dashboard.kpi.payouts", CENTS),
    ("refunds_cents", "dashboard.kpi.refunds", CENTS),
    ("average_booking_value_cents", "dashboard.kpi.average_value", CENTS),
    ("payment_failure_rate", "dashboard.kpi.payment_failure_rate", RATIO),
    ("median_hours_to_first_booking", "dashboard.kpi.median_hours", DECIMAL),
    ("average_rating", "dashboard.kpi.average_rating", DECIMAL),
    ("reviews", "dashboard.kpi.reviews", COUNT),
    ("meet_and_greets.requested", "dashboard.kpi.meet_and_greets", COUNT),
    ("meet_and_greets.led_to_booking", "dashboard.kpi.meet_and_greets_booked", COUNT),
    ("meet_and_greets.conversion", "dashboard.kpi.meet_and_greet_conversion", RATIO),
)

# The charts: (id, the title's key, the daily fields drawn with their headers' keys, their kind).
CHARTS: tuple[tuple[str, str, tuple[tuple[str, str], ...], str], ...] = (
    (
        "registrations",
        "dashboard.chart.registrations",
        (("registrations", "dashboard.col.registrations"),),
        COUNT,
    ),
    (
        "bookings",
        "dashboard.chart.bookings",
        (
            ("bookings_created", "dashboard.col.created"),
            ("bookings_accepted", "dashboard.col.accepted"),
            ("bookings_completed", "dashboard.col.completed"),
            ("bookings_cancelled", "dashboard.col.cancelled"),
        ),
        COUNT,
    ),
    (
        "money",
        "dashboard.chart.money",
        (
            ("gross_booking_value_cents", "dashboard.col.gross_value"),
            ("commission_earned_cents", "dashboard.col.commission"),
        ),
        CENTS,
    ),
)


@dataclass(frozen=True, slots=True)
class Cell:
    metric: str
    shown: str
    value: str  # the API's value as text, "" for null: what browser tests compare


@dataclass(frozen=True, slots=True)
class Headline:
    label: str
    cell: Cell


@dataclass(frozen=True, slots=True)
class DayRow:
    day: date
    label: str
    cells: list[Cell]


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    title: str
    svg: Markup
    headers: list[str]
    rows: list[DayRow]


def _raw(value: Any) -> str:
    return "" if value is None else str(value)


def _pick(data: dict[str, Any], dotted: str) -> Any:
    found: Any = data
    for part in dotted.split("."):
        found = found[part]
    return found


class Formats:
    """Numbers as the admin's language writes them."""

    def __init__(self, language: str, none: str) -> None:
        self.language, self.none = language, none

    def show(self, kind: str, value: Any) -> str:
        if value is None:
            return self.none
        if kind == CENTS:
            return format_currency(Decimal(value) / 100, "EUR", locale=self.language)
        if kind == RATIO:
            return format_percent(value, "#,##0.0%", locale=self.language)
        if kind == DECIMAL:
            return format_decimal(value, "#,##0.##", locale=self.language)
        return format_decimal(value, locale=self.language)

    def axis(self, kind: str) -> Callable[[int], str]:
        if kind == CENTS:
            return lambda cents: format_currency(
                Decimal(cents) // 100,
                "EUR",
                format="¤#,##0",
                currency_digits=False,
                locale=self.language,
            )
        return lambda n: format_decimal(n, locale=self.language)

    def day(self, day: date, width: str = "medium") -> str:
        return format_date(day, width, locale=self.language)


def server_error_rate(registry: CollectorRegistry | None = None) -> tuple[int, float | None]:
    """Responses counted since this process started (all workers' with
    PROMETHEUS_MULTIPROC_DIR) and the share of server errors (5xx) among
    them: what the HighErrorRate alert divides (docs/alerts.md)."""
    if registry is None:
        registry = REGISTRY
        if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    total = errors = 0.0
    for family in registry.collect():
        if family.name != REQUESTS:
            continue
        for sample in family.samples:
            if sample.name == f"{REQUESTS}_total":
                total += sample.value
                if str(sample.labels.get("status_code", "")).startswith("5"):
                    errors += sample.value
    return int(total), None if total == 0 else round(errors / total, 4)


def _parse(value: str | None) -> date | None:
    """None for an empty field; ValueError for anything but YYYY-MM-DD."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if len(text) != 10:  # fromisoformat also takes 20261204 and week dates
        raise ValueError(text)
    return date.fromisoformat(text)


def _refusal(exc: InvalidInput, t: Callable[..., str]) -> str:
    """The use case's refusal in the admin's language."""
    field = exc.errors[0] if exc.errors else None
    if field is not None and field.message == "after to":
        return t("dashboard.error.order")
    if field is not None and field.field == "to" and field.message.endswith("days at most"):
        return t("dashboard.error.too_long", days=MAX_DAYS)
    return t("dashboard.error.range")


def _charts(data: dict[str, Any], formats: Formats, t: Callable[..., str]) -> list[Chart]:
    days = [(date.fromisoformat(d["date"]), d) for d in data["daily"]]
    first, last = formats.day(days[0][0]), formats.day(days[-1][0])
    charts = []
    for chart_id, title_key, fields, kind in CHARTS:
        names = [t(header) for _, header in fields]
        title = t(title_key)
        svg = bar_chart(
            chart_id=f"chart-{chart_id}",
            title=title,
            description=t("dashboard.chart.desc", first=first, last=last),
            labels=[formats.day(day, "d MMM") for day, _ in days],
            series=[
                Series(name, [d[field] for _, d in days])
                for name, (field, _) in zip(names, fields, strict=True)
            ],
            axis_value=formats.axis(kind),
        )
        rows = [
            DayRow(
                day,
                formats.day(day),
                [
                    Cell(f"daily.{field}", formats.show(kind, d[field]), _raw(d[field]))
                    for field, _ in fields
                ],
            )
            for day, d in days
        ]
        charts.append(Chart(chart_id, title, svg, names, rows))
    return charts


class DashboardController(Controller):
    path = CONSOLE_PATH
    guards = [console_guard]  # noqa: RUF012  (Litestar's own attribute)
    include_in_schema = False

    @get("/")
    @inject
    async def dashboard(
        self,
        request: ConsoleRequest,
        clock: FromDishka[Clock],
        metrics: FromDishka[BusinessMetrics],
        first: Annotated[str | None, QueryParameter(name="from")] = None,
        last: Annotated[str | None, QueryParameter(name="to")] = None,
    ) -> Template:
        """`from` and `to` as `<input type="date">` sends them; empty or
        missing: the last 30 days. Bad dates: the form again, with why (422)."""
        language = language_of(request)
        t = translator(language)
        formats = Formats(language, t("dashboard.none"))
        today = format_date(clock.now().date(), format="full", locale=language)
        form = {"from": (first or "").strip()[:40], "to": (last or "").strip()[:40]}
        errors: dict[str, str] = {}
        parsed: dict[str, date | None] = {}
        for name, label in (("from", "dashboard.from"), ("to", "dashboard.to")):
            try:
                parsed[name] = _parse(form[name])
            except ValueError:
                errors[name] = t("dashboard.error.not_a_date", field=t(label), value=form[name])
        if not errors:
            try:
                report = await metrics(parsed["from"], parsed["to"])
            except InvalidInput as exc:
                field = exc.errors[0].field if exc.errors else "from"
                errors[field if field in form else "from"] = _refusal(exc, t)
        if errors:
            return page(
                request,
                "dashboard.html.j2",
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
                today=today,
                form=form,
                errors=errors,
            )
        data: dict[str, Any] = msgspec.to_builtins(MetricsOut.of(report))
        headlines = [
            Headline(
                t(key),
                Cell(metric, formats.show(kind, _pick(data, metric)), _raw(_pick(data, metric))),
            )
            for metric, key, kind in HEADLINES
        ]
        responses, error_rate = server_error_rate()
        return page(
            request,
            "dashboard.html.j2",
            today=today,
            form={"from": data["from"], "to": data["to"]},
            errors=errors,
            period=t(
                "dashboard.period",
                first=formats.day(report.first, "long"),
                last=formats.day(report.last, "long"),
            ),
            headlines=headlines,
            charts=_charts(data, formats, t),
            health=[
                Headline(
                    t("dashboard.kpi.server_error_rate"),
                    Cell("server_error_rate", formats.show(RATIO, error_rate), _raw(error_rate)),
                ),
                Headline(
                    t("dashboard.kpi.responses"),
                    Cell("responses", formats.show(COUNT, responses), str(responses)),
                ),
            ],
        )
