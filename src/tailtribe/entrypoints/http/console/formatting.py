"""Money, times and form fields as the console's pages show and read them."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_datetime
from babel.numbers import format_currency
from litestar import Request

from tailtribe.domain.model.time import BRUSSELS

PAGE_SIZE = 25
# Euros as an admin types them: 12, 12.5, 12,50 (no thousands separators).
_EUROS = re.compile(r"^\s*(\d{1,7})(?:[.,](\d{1,2}))?\s*$")


def money(cents: int, language: str) -> str:
    return format_currency(Decimal(cents) / 100, "EUR", locale=f"{language}_BE")


def when(moment: datetime | None, language: str) -> str:
    """In Brussels time; an empty string for None."""
    if moment is None:
        return ""
    return format_datetime(moment.astimezone(BRUSSELS), "medium", locale=f"{language}_BE")


def cents_of(text: str) -> int | None:
    """Euros typed in a form, in cents; None when it is not an amount."""
    found = _EUROS.match(text)
    if found is None:
        return None
    whole, part = found.group(1), (found.group(2) or "").ljust(2, "0")
    return int(whole) * 100 + int(part)


def day_of(text: str) -> date | None:
    """A form's yyyy-mm-dd date; None when blank. Raises ValueError when
    malformed or outside the years instants may take (2000 to 2199)."""
    if not text.strip():
        return None
    day = date.fromisoformat(text)
    if not 2000 <= day.year <= 2199:
        raise ValueError("a date between the years 2000 and 2199")
    return day


def plain_text(text: str) -> str:
    """A search field's text; raises ValueError for control characters (a NUL
    would reach the database, which refuses it)."""
    if any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in text):
        raise ValueError("control characters")
    return text


async def fields(request: Request[Any, Any, Any]) -> dict[str, str]:
    """A posted form's text fields (the last value of each)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def page_number(text: str | None) -> int:
    """A 1-based page number from the query; 1 when absent or wrong."""
    try:
        return max(1, min(int(text or "1"), 10_000))
    except ValueError:
        return 1
