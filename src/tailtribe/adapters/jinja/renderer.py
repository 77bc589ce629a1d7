"""Emails from the per-locale catalogs, laid out by Jinja2 (HTML autoescaped).

Texts live in `catalog/<locale>.toml`, one table per email; the layouts in
`templates/`. Variables are formatted for the recipient's locale by Babel:
amounts as euros, instants as Brussels wall-clock time, services and sign-in
methods by name.
User-supplied text is inserted as data: the HTML layout escapes it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from importlib.resources import files
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_datetime_format, get_day_names
from babel.lists import format_list
from babel.numbers import format_currency
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from tailtribe.domain.model.money import Money
from tailtribe.domain.model.notifications import EmailKind, Weekdays
from tailtribe.domain.model.pricing import Service
from tailtribe.domain.model.security import SignInMethod
from tailtribe.domain.model.users import Locale
from tailtribe.domain.ports.messaging import RenderedEmail
from tailtribe.domain.ports.payments import OffSessionOutcome

BRUSSELS = ZoneInfo("Europe/Brussels")
BABEL_LOCALE = {Locale.NL: "nl_BE", Locale.FR: "fr_BE", Locale.EN: "en_BE"}


def load_catalog(locale: Locale) -> dict[str, Any]:
    text = files("tailtribe.adapters.jinja").joinpath(f"catalog/{locale.value}.toml").read_text()
    return tomllib.loads(text)


class JinjaEmailRenderer:
    def __init__(self) -> None:
        self._catalogs = {locale: load_catalog(locale) for locale in Locale}
        loader = PackageLoader("tailtribe.adapters.jinja", "templates")
        html = Environment(
            loader=loader, autoescape=select_autoescape(["j2"]), undefined=StrictUndefined
        )
        text = Environment(loader=loader, autoescape=False, undefined=StrictUndefined)  # noqa: S701  (plain text, never HTML)
        self._html = html.get_template("email.html.j2")
        self._text = text.get_template("email.txt.j2")

    def render(
        self, kind: EmailKind, locale: Locale, variables: Mapping[str, object]
    ) -> RenderedEmail:
        catalog = self._catalogs[locale]
        texts = catalog[kind.value]
        values = {k: self._format(v, locale, catalog) for k, v in variables.items()}

        def fill(template: str) -> str:
            return template.format_map(values)  # KeyError names a missing variable

        # One line: a name can never add a header.
        subject = " ".join(fill(texts["subject"]).split())
        context = {
            "locale": locale.value,
            "subject": subject,
            "greeting": fill(catalog["greeting"]),
            "body": [fill(p) for p in texts["body"]],
            "action": texts.get("action"),
            "link": values.get("link"),
            "signature": catalog["signature"],
            "footer": catalog["footer"],
            # Only the emails one can turn off carry an unsubscribe link.
            "unsubscribe_link": values.get("unsubscribe_link"),
            "unsubscribe": catalog["unsubscribe"],
        }
        return RenderedEmail(subject, self._text.render(context), self._html.render(context))

    @staticmethod
    def _format(value: object, locale: Locale, catalog: Mapping[str, Any]) -> str:
        where = BABEL_LOCALE[locale]
        if isinstance(value, Money):
            return format_currency(value.amount_cents / 100, value.currency, locale=where)
        if isinstance(value, Service):
            return str(catalog["services"][value.value])
        if isinstance(value, SignInMethod):
            return str(catalog["sign_in_methods"][value.value])
        if isinstance(value, OffSessionOutcome):
            return str(catalog["payment_reasons"][value.value])
        if isinstance(value, Weekdays):
            names = get_day_names("wide", locale=where)
            return format_list([names[d] for d in value.days], locale=where)
        if isinstance(value, timedelta):
            hours, minutes = divmod(int(value.total_seconds()) // 60, 60)
            key = "hours_minutes" if hours and minutes else "hours" if hours else "minutes"
            return str(catalog["durations"][key]).format(hours=hours, minutes=minutes)
        if isinstance(value, datetime):
            local = value.astimezone(BRUSSELS)
            day = format_date(local.date(), "full", locale=where)
            clock = format_time(local, "short", locale=where)
            pattern = str(get_datetime_format("medium", locale=where)).replace("'", "")
            return pattern.replace("{1}", day).replace("{0}", clock)
        if isinstance(value, date):  # a calendar date, already Brussels'
            return format_date(value, "full", locale=where)
        return str(value)
