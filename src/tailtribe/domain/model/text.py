"""What people type for other people to read: names and free texts.

Every text is stored in composed form (NFC), so "Cafe" + a combining accent
and "Café" are one and the same name, and trimmed.

Names (a user's full name, a caregiver's display name, a pet's name) are
shown to the other party before any booking, and a display name publicly:
- no control, format, private-use, surrogate or unassigned characters, so no
  direction overrides or isolates (U+202E before "gnp.exe" shows
  "exe.png"), no zero-width characters, no byte order mark, and no letters
  that draw nothing (the Hangul fillers, the braille blank);
- the minimum length counts visible characters: letters, digits, punctuation
  and symbols, not spaces or combining marks on their own;
- no contact details: what `mask_contacts` would hide is refused.

Free texts keep tabs and newlines where multi-line, and may carry the
direction marks (LRM, RLM) mixed Arabic or Hebrew text needs; the direction
overrides, embeddings and isolates are refused everywhere.
"""

from __future__ import annotations

import unicodedata

from tailtribe.domain.errors import FieldError, InvalidInput
from tailtribe.domain.model.masking import mask_contacts, without_format_characters

# Embeddings, overrides and isolates: they reorder what follows them on screen.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Letters and symbols that draw nothing: used to fake an empty or spaced name.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Control, format, surrogate, private use, unassigned; line and paragraph separators.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


# The same rules as patterns for the API schema, written to mean the same in
# ECMA-262 and Python: spaces are listed (the two `\s` differ), no surrogates.
SPACES = r" \t-\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
# Free text: control characters but tab (and line breaks where multi-line),
# and direction overrides, embeddings and isolates, are refused.
_NOT_IN_LINE = r"\x00-\x08\x0a-\x1f\x7f\u202a-\u202e\u2066-\u2069"
_NOT_IN_TEXT = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069"
# Names: no control, format, surrogate or private-use characters, line or
# paragraph separators, or blank letters (unassigned code points are refused
# too, which no pattern lists).
_NOT_IN_NAME = (
    r"\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    r"\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\u2800\u3164"
    r"\ue000-\uf8ff\ufeff\uffa0\ufff9-\ufffb"
)


def text_pattern(*, multiline: bool = False, required: bool = False) -> str:
    """What `clean_text` accepts, as a pattern; `required`: not blank either."""
    refused = _NOT_IN_TEXT if multiline else _NOT_IN_LINE
    if not required:
        return f"^[^{refused}]*$"
    return rf"^[^{refused}]*[^{SPACES}{refused}][^{refused}]*$"


def name_pattern() -> str:
    """What `clean_name` accepts, as far as a pattern can say: at least one
    character that is not a space, and none that draws nothing."""
    return rf"^[^{_NOT_IN_NAME}]*[^{SPACES}{_NOT_IN_NAME}][^{_NOT_IN_NAME}]*$"


def normalise(text: str) -> str:
    """Composed (NFC) and trimmed."""
    return unicodedata.normalize("NFC", text).strip()


def is_visible(ch: str) -> bool:
    """A character that draws something by itself: a letter, digit, punctuation or symbol."""
    return unicodedata.category(ch)[0] in "LNPS" and ch not in BLANK_LETTERS


def visible_length(text: str) -> int:
    return sum(is_visible(ch) for ch in text)


def is_invisible(ch: str) -> bool:
    """Not allowed in a name: draws nothing, or changes how the rest is drawn."""
    return unicodedata.category(ch) in _INVISIBLE_CATEGORIES or ch in BLANK_LETTERS


def _refuse(field: str, detail: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field} {detail}", [FieldError(field, message)])


def refuse_contacts(text: str, field: str) -> str:
    """The text, if it carries no email address, phone number, link or handle."""
    visible = without_format_characters(text)
    if mask_contacts(visible) != visible:
        raise _refuse(
            field,
            "may not contain an email address, phone number or link: "
            "they are shared once a booking is accepted",
            "contact details",
        )
    return text


def clean_name(value: str, field: str, *, max_length: int, min_length: int = 1) -> str:
    """A name others see: composed, visible, and without contact details."""
    text = normalise(value)
    if bad := sorted({ch for ch in text if is_invisible(ch)}):
        codes = ", ".join(f"U+{ord(ch):04X}" for ch in bad)
        raise _refuse(
            field,
            f"contains invisible or control characters ({codes})",
            "invisible or control characters",
        )
    if visible_length(text) < min_length or len(text) > max_length:
        raise _refuse(
            field,
            f"must have at least {min_length} visible and at most {max_length} characters",
            f"{min_length}..{max_length} characters",
        )
    return refuse_contacts(text, field)


def clean_text(
    value: str, field: str, *, max_length: int, min_length: int = 0, multiline: bool = False
) -> str:
    """Composed, trimmed text within bounds, free of control characters (bar
    tabs, and newlines where multi-line) and of direction overrides."""
    text = normalise(value)
    allowed = "\t\n\r" if multiline else "\t"
    if any(ord(ch) < 32 and ch not in allowed for ch in text) or "\x7f" in text:
        raise _refuse(field, "contains control characters", "control characters")
    if any(ch in BIDI_CONTROLS for ch in text):
        raise _refuse(
            field, "contains text direction overrides", "text direction override characters"
        )
    if not min_length <= len(text) <= max_length:
        raise _refuse(
            field,
            f"must have {min_length}..{max_length} characters",
            f"{min_length}..{max_length} characters",
        )
    return text
