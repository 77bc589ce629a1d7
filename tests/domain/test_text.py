"""Names and free texts others read: composed form, nothing invisible or
direction-changing, visible length, no contact details in names."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from tailtribe.domain.errors import InvalidInput
from tailtribe.domain.model.masking import MASK, mask_contacts
from tailtribe.domain.model.text import (
    BIDI_CONTROLS,
    clean_name,
    clean_text,
    is_invisible,
    normalise,
    refuse_contacts,
    visible_length,
)

ZERO_WIDTH = "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"
HIDDEN = sorted(BIDI_CONTROLS) + list(ZERO_WIDTH) + ["\u00ad", "\u061c", "\ue000", "\x00"]

# Letters, marks, digits, punctuation, symbols and spaces from every script.
printable = st.text(
    st.characters(categories=["L", "M", "N", "P", "S", "Zs"]), min_size=1, max_size=40
)


@given(st.text(max_size=60))
def test_normalising_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert unicodedata.is_normalized("NFC", once)


@given(printable)
def test_a_name_that_passes_is_stored_normalised_and_passes_again(text: str) -> None:
    try:
        name = clean_name(text, "name", max_length=200)
    except InvalidInput:
        return
    assert name == normalise(text)
    assert clean_name(name, "name", max_length=200) == name
    assert visible_length(name) >= 1


@given(printable, st.sampled_from(HIDDEN), st.integers(min_value=0))
@example("Jan Peeters", "\u202e", 4)
def test_an_inserted_invisible_or_bidi_character_is_refused(
    text: str, hidden: str, at: int
) -> None:
    at %= len(text) + 1
    with pytest.raises(InvalidInput) as refused:
        clean_name(text[:at] + hidden + text[at:], "full_name", max_length=200)
    assert refused.value.errors[0].field == "full_name"


@given(st.text(max_size=40), st.sampled_from(sorted(BIDI_CONTROLS)), st.integers(min_value=0))
def test_free_texts_refuse_direction_overrides(text: str, bidi: str, at: int) -> None:
    at %= len(text) + 1
    with pytest.raises(InvalidInput):
        clean_text(text[:at] + bidi + text[at:], "bio", max_length=200, multiline=True)


@given(st.text(st.sampled_from(" \u3000\u0301\u0308\u20dd"), max_size=10))
def test_spaces_and_lone_marks_are_not_visible(text: str) -> None:
    assert visible_length(text) == 0
    with pytest.raises(InvalidInput):
        clean_name(text, "name", max_length=50)


@given(printable)
def test_visible_length_counts_letters_digits_punctuation_and_symbols(text: str) -> None:
    expected = sum(unicodedata.category(ch)[0] in "LNPS" for ch in text)
    blanks = sum(ch in "\u115f\u1160\u3164\uffa0\u2800" for ch in text)
    assert visible_length(text) == expected - blanks


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("Anne-Marie O'Neil", "Anne-Marie O'Neil"),
        ("Ægir", "Ægir"),
        ("محمد العلي", "محمد العلي"),
        ("山田　太郎", "山田　太郎"),
        ("김민준", "김민준"),
        ("Nguyễn Văn An", "Nguyễn Văn An"),
        ("Cafe\u0301", "Caf\u00e9"),
        ("Louis XIV", "Louis XIV"),
        ("Rex 2", "Rex 2"),
        ("Dr. Who", "Dr. Who"),
        ("Bello 🐶", "Bello 🐶"),
    ],
)
def test_real_names_pass(name: str, stored: str) -> None:
    assert clean_name(name, "name", max_length=100) == stored


@pytest.mark.parametrize(
    "name",
    [
        "Bel 0470 12 34 56",
        "+32 470 12 34 56",
        "An an@example.be",
        "an (at) example (dot) be",
        "www.an-hond.be",
        "insta @janpeeters",
        "0470\u00ad123456",  # split by a soft hyphen: refused as invisible anyway
    ],
)
def test_contact_details_in_a_name_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput):
        clean_name(name, "full_name", max_length=100)


@given(st.sampled_from([*ZERO_WIDTH, "\u00ad", "\u2060"]))
def test_contact_details_split_by_invisible_characters_are_found(hidden: str) -> None:
    phone = hidden.join("0470123456")
    assert mask_contacts(f"bel {phone}") == f"bel {MASK}"
    with pytest.raises(InvalidInput):
        refuse_contacts(f"Ervaren oppas, bel {phone}", "bio")


@given(st.text(max_size=60))
def test_masking_leaves_texts_without_contacts_exactly_as_written(text: str) -> None:
    visible = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    assume(mask_contacts(visible) == visible)
    assert mask_contacts(text) == text


def test_what_is_invisible() -> None:
    for ch in [*HIDDEN, "\u3164", "\u2028"]:
        assert is_invisible(ch), hex(ord(ch))
    for ch in "aÆ9 \u3000\u0301-'🐶":
        assert not is_invisible(ch), hex(ord(ch))
