"""The console's texts in Dutch, French and English: one flat TOML catalog per language."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from tailtribe.domain.model.users import DEFAULT_LOCALE, Locale

CATALOG_DIR = Path(__file__).parent / "catalog"
LANGUAGES = tuple(locale.value for locale in Locale)
# Each language's name in itself, for the switch.
LANGUAGE_NAMES = {"nl": "Nederlands", "fr": "Français", "en": "English"}


@cache
def catalog(language: str) -> dict[str, str]:
    with (CATALOG_DIR / f"{language}.toml").open("rb") as file:
        texts: dict[str, str] = tomllib.load(file)
    return texts


def language_or_default(value: object) -> str:
    return value if isinstance(value, str) and value in LANGUAGES else DEFAULT_LOCALE.value


def preferred(accept_language: str | None) -> str:
    """The first language of an Accept-Language header that the console speaks."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LOCALE.value


def translator(language: str) -> Callable[..., str]:
    """`t("key", name=...)`: the text in `language`, English when a key is missing there."""
    texts, fallback = catalog(language), catalog(Locale.EN.value)

    def t(key: str, **values: Any) -> str:
        text = texts.get(key) or fallback.get(key) or key
        return text.format(**values) if values else text

    return t
