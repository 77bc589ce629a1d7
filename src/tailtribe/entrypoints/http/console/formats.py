"""Money and instants as a console page shows them, in the page's language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from babel.dates import format_datetime
from babel.numbers import format_currency

from tailtribe.domain.model.time import BRUSSELS


def formats(language: str) -> dict[str, Callable[..., str]]:
    """`money(cents)` in euros and `when(instant)` in Brussels time, for a template."""

    def money(cents: int | None) -> str:
        if cents is None:
            return "-"
        return format_currency(Decimal(cents) / 100, "EUR", locale=language)

    def when(at: datetime | None) -> str:
        if at is None:
            return "-"
        return format_datetime(at, format="short", tzinfo=BRUSSELS, locale=language)

    return {"money": money, "when": when}
