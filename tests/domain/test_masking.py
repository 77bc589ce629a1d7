"""Masking contact details (docs/rules.md, Conversations): generated email
addresses, phone numbers and links, in many spellings, never survive, and
ordinary text around them is left exactly as it was."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tailtribe.domain.model.masking import MASK, mask_contacts

# -- ordinary text ------------------------------------------------------------
WORDS = [
    "hallo",
    "bonjour",
    "hello",
    "ik",
    "je",
    "wij",
    "nous",
    "we",
    "kan",
    "peux",
    "can",
    "mijn",
    "mon",
    "my",
    "hond",
    "chien",
    "dog",
    "kat",
    "chat",
    "cat",
    "konijn",
    "lapin",
    "rabbit",
    "wandelen",
    "promener",
    "walk",
    "morgen",
    "demain",
    "tomorrow",
    "vanavond",
    "ce",
    "soir",
    "tonight",
    "om",
    "à",
    "at",
    "uur",
    "heure",
    "o'clock",
    "is",
    "est",
    "at",
    "home",
    "thuis",
    "maison",
    "de",
    "la",
    "het",
    "een",
    "un",
    "une",
    "the",
    "a",
    "graag",
    "volontiers",
    "gladly",
    "bedankt",
    "merci",
    "thanks",
    "vragen",
    "question",
    "ask",
    "eten",
    "nourriture",
    "food",
    "twee",
    "deux",
    "two",
    "sleutel",
    "clé",
    "key",
    "tuin",
    "jardin",
    "garden",
    "l'eau",
    "it's",
    "c'est",
    "zo'n",
    "dank",
]
NUMBERS = st.one_of(
    st.integers(0, 9999).map(str),  # counts, years, postcodes, house numbers
    st.builds(
        lambda h, m, sep: f"{h}{sep}{m:02d}",
        st.integers(0, 23),
        st.integers(0, 59),
        st.sampled_from([":", "u", "h", "."]),
    ),
    st.builds(
        lambda e, c, f: f.format(e, c),
        st.integers(1, 999),
        st.integers(0, 99),
        st.sampled_from(["€{},{:02d}", "{},{:02d} euro", "€ {},{:02d}"]),
    ),
    st.builds(
        lambda d, m, y, sep: f"{d:02d}{sep}{m:02d}{sep}{y}",
        st.integers(1, 28),
        st.integers(1, 12),
        st.integers(2024, 2030),
        st.sampled_from(["/", "-", "."]),
    ),
    st.builds(  # year first, as machines and some people write them
        lambda y, m, d, sep: f"{y}{sep}{m:02d}{sep}{d:02d}",
        st.integers(2024, 2030),
        st.integers(1, 12),
        st.integers(1, 28),
        st.sampled_from(["-", "/", "."]),
    ),
)
# A number is followed by a word: digits that only spaces or dots separate
# are what phone numbers are made of ("470 12 34 56"), and count as one.
TOKEN = st.one_of(
    st.sampled_from(WORDS),
    st.builds(lambda n, w: f"{n} {w}", NUMBERS, st.sampled_from(WORDS)),
    # a sentence ending without its space: "morgen.De hond", "Thanks.It was"
    st.builds(lambda a, b: f"{a}.{b.capitalize()}", st.sampled_from(WORDS), st.sampled_from(WORDS)),
)
PUNCT = st.sampled_from([" ", " ", " ", ", ", ". ", "! ", "? ", "\n"])


@st.composite
def ordinary(draw: st.DrawFn) -> str:
    """Everyday message text; it starts and ends with a word."""
    tokens = draw(st.lists(st.tuples(TOKEN, PUNCT), max_size=25))
    first, last = draw(st.sampled_from(WORDS)), draw(st.sampled_from(WORDS))
    middle = "".join(t + p for t, p in tokens)
    return f"{first} {middle}{last}"


# -- contact details, in many spellings ----------------------------------------
DIGIT = st.sampled_from("0123456789")


def digits(n: int) -> st.SearchStrategy[str]:
    return st.text(DIGIT, min_size=n, max_size=n)


def grouped(number: str, sizes: list[int], sep: str) -> str:
    out, i = [], 0
    for size in sizes:
        out.append(number[i : i + size])
        i += size
    if i < len(number):
        out.append(number[i:])
    return sep.join(p for p in out if p)


SEPARATORS = st.sampled_from(
    [" ", ".", "/", "-", "", " / ", " - ", "\u00a0", ",", "_", "\u2013", " \u2013 "]
)


@st.composite
def belgian_phone(draw: st.DrawFn) -> str:
    mobile = draw(st.booleans())
    # National significant number: 4xx xx xx xx (mobile) or a 8-digit landline.
    nsn = "4" + draw(st.sampled_from("5789")) + draw(digits(7)) if mobile else draw(digits(8))
    if not mobile:
        nsn = draw(st.sampled_from("123456789")) + nsn[1:]
    sizes = [3, 2, 2, 2] if mobile else draw(st.sampled_from([[1, 3, 2, 2], [2, 2, 2, 2]]))
    sep = draw(SEPARATORS)
    first_sep = draw(st.sampled_from([sep, "/", " / ", " "]))
    head, *rest = grouped(nsn, sizes, "\x00").split("\x00")
    body = first_sep.join([head, sep.join(rest)]) if rest else head
    prefix = draw(st.sampled_from(["0", "+32 ", "+32", "0032 ", "0032", "+32 (0)", "+32(0) "]))
    return prefix + body


@st.composite
def international_phone(draw: st.DrawFn) -> str:
    country = draw(st.sampled_from(["31", "33", "44", "49", "352", "1"]))
    number = draw(st.sampled_from("123456789")) + draw(digits(draw(st.integers(7, 9))))
    sep = draw(SEPARATORS)
    sizes = draw(st.sampled_from([[1, 4, 4], [3, 3, 4], [2, 3, 3, 2], [3, 2, 2, 2]]))
    body = grouped(number, sizes, sep)
    if country == "1" and draw(st.booleans()):
        body = f"({number[:3]}) {number[3:6]}-{number[6:]}"
    prefix = draw(st.sampled_from(["+", "+", "00"]))
    space = draw(st.sampled_from(["", " "]))
    return f"{prefix}{country}{space}{body}"


LOCAL = st.from_regex(r"[a-z][a-z0-9]{1,8}([._+-][a-z0-9]{1,8})?", fullmatch=True)
LABEL = st.from_regex(r"[a-z][a-z0-9]{1,10}(-[a-z0-9]{1,5})?", fullmatch=True)
WELL_KNOWN = st.sampled_from(["be", "com", "nl", "fr", "eu", "net", "org", "io", "co.uk"])


@st.composite
def email(draw: st.DrawFn) -> str:
    local, domain, tld = draw(LOCAL), draw(LABEL), draw(WELL_KNOWN)
    at = draw(
        st.sampled_from(["@", " @ ", "(at)", " (at) ", "[at]", " [at] ", " at ", "{at}", " (@) "])
    )
    spelled = [" dot ", " (dot) ", "[dot]", " punt ", " point ", "(.)"]
    # "look at example.com" reads as a link, not an address (see masking.py)
    dot = draw(st.sampled_from(spelled if at == " at " else [".", *spelled]))
    if at == "@" and dot == "." and draw(st.booleans()):
        local = local.upper() if draw(st.booleans()) else local
    return f"{local}{at}{domain}{dot}{tld.replace('.', dot)}"


@st.composite
def link(draw: st.DrawFn) -> str:
    host = f"{draw(LABEL)}.{draw(WELL_KNOWN)}"
    path = draw(st.sampled_from(["", "/", "/profiel", "/u/jan?ref=1", "/32470123456"]))
    form = draw(
        st.sampled_from(["https://{}{}", "http://{}{}", "www.{}{}", "{}{}", "HTTPS://{}{}"])
    )
    return form.format(host, path)


HANDLE = st.builds(
    lambda h: "@" + h, st.from_regex(r"[a-z][a-z0-9_.]{2,12}[a-z0-9]", fullmatch=True)
)
CONTACT = st.one_of(belgian_phone(), international_phone(), email(), link(), HANDLE)
# Glued to the word before it: "gsm0470123456", "tel:+32470..."
GLUED = st.builds(
    lambda prefix, phone: prefix + phone,
    st.sampled_from(["gsm", "tel:", "bel", "nr", "GSM:"]),
    belgian_phone(),
)


@given(ordinary())
@settings(max_examples=400)
@example("van 12/05/2026 tot 15/05/2026 om 10.30 - 12.00 uur")
@example("hond 3 12/05/2026 10.30 kat")
@example("meet at home. Then we walk")
@example("ik kom om 18u30, de sleutel ligt onder de mat")
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert mask_contacts(text) == text


@given(ordinary(), CONTACT, ordinary())
@settings(max_examples=600)
@example("bel me op", "0470 12 34 56", "na zes uur")
@example("mail", "jan (at) example (dot) be", "graag")
@example("or", "+32 (0)470/12.34.56", "thanks")
@example("zie", "wa.me/32470123456", "dank")
@example("or", "+1900.00.00.0", "thanks")  # a date-shaped international number
def test_a_contact_detail_never_survives(before: str, contact: str, after: str) -> None:
    masked = mask_contacts(f"{before} {contact} {after}")
    # Replaced as a whole, and nothing around it touched.
    assert masked == f"{before} {MASK} {after}", contact


@given(ordinary(), GLUED, ordinary())
def test_a_phone_glued_to_a_word_goes_too(before: str, glued: str, after: str) -> None:
    masked = mask_contacts(f"{before} {glued} {after}")
    prefix = glued[: len(glued) - len(glued.lstrip("gsmtelbnrGSM:"))]
    assert masked == f"{before} {prefix}{MASK} {after}", glued


@given(st.lists(CONTACT, min_size=2, max_size=4), ordinary())
def test_several_contacts_in_one_message_all_go(contacts: list[str], filler: str) -> None:
    masked = mask_contacts(f" {filler} ".join(contacts))
    assert masked == f" {filler} ".join([MASK] * len(contacts))


@given(st.text(max_size=300))
@example("x0470123456")
@example("a@" + "a dot " * 50)
def test_masking_is_idempotent_and_never_grows_a_contact(text: str) -> None:
    once = mask_contacts(text)
    assert mask_contacts(once) == once
    # What is left has no run of 9 digits and no address.
    assert not re.search(r"\d(?:[ ./-]?\d){8}", once.replace(MASK, " "))
    assert "@" not in once or not re.search(r"\w@\w+\.\w{2,}", once)
