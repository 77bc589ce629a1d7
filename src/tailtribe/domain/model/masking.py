"""Hiding contact details in messages until a pair has an accepted booking.

Payments stay on the platform, where the guarantee and refunds work, so an
inquiry cannot carry an email address, a phone number (or an account number)
or a link. Each is replaced by `MASK` as a whole. What is caught:

- email addresses, also written `jan (at) example (dot) be`, `jan [at]
  example [punt] be` or `jan at example dot com` (spelled forms need a
  well-known top-level domain, so "meet at home. Then" is left alone, and
  in "look at example.com" the link goes and "look at" stays);
- links with a scheme or `www.`, and bare domains with a well-known
  top-level domain (`tailtribe.be/x`, `wa.me/32470...`), also `example dot com`;
- phone numbers: any run of at least 9 digits, or 8 after a `+`, with spaces,
  dots, slashes, dashes or brackets between them (`0470 12 34 56`,
  `+32 (0)470/12.34.56`, `0032470123456`, `+1 (555) 123-4567`, IBANs too).

Invisible format characters (zero-width spaces and joiners, direction marks,
soft hyphens) are looked through: 0470, a zero-width space, then 123456 is
still a number.

Ordinary text is left alone: counts, prices, times, postcodes and dates with
a four-digit year (`12/05/2026`, also several in a row) never add up to a
phone number. Known misses: numbers spelled out in words.
"""

from __future__ import annotations

import re
import unicodedata

MASK = "[hidden]"

# Well-known top-level domains: required where a domain has no other sign of
# being one (no scheme, no `www.`, no `@`), so that ordinary sentences pass.
_TLDS = (
    "be|com|nl|fr|eu|net|org|info|io|me|co|uk|de|lu|es|it|ch|at|us|ca|app|dev|ee|"
    "ly|gl|gg|link|site|online|shop|store|biz|xyz|page|tv|to|brussels|vlaanderen|gent"
)
# Every repeat is bounded (spaces, labels, local parts): masking stays linear
# in the message's length whatever it holds.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_LABELS = "{1,6}"  # example. / mail.example. / a.b.example.


def _bracketed(word: str) -> str:
    return r"\s{0,3}[(\[{<]\s{0,3}" + word + r"\s{0,3}[)\]}>]\s{0,3}"


_AT_WORDS = r"(?:at|@|arobase|apenstaartje)"
_DOT_WORDS = r"(?:dot|punt|point)"
_AT_SIGN = r"(?:@| @ )"  # not "hi @jan.peeters": a handle after a word
_AT_BRACKETED = _bracketed(_AT_WORDS)
_AT_WORD = r"\s{1,3}(?:at|arobase|apenstaartje)\s{1,3}"
_DOT_PLAIN = r"\s?\.\s?"  # after an @ only: "jan@telenet . be"
_DOT_BRACKETED = _bracketed(r"(?:dot|punt|point|\.)")
_DOT_SPELLED = rf"(?:{_DOT_BRACKETED}|\s{{1,3}}{_DOT_WORDS}\s{{1,3}})"
_LOCAL = r"(?<![\w.%+-])[a-z0-9](?:[a-z0-9._%+-]{0,63})"

_EMAIL = re.compile(
    # jan@example.be, jan @ mail.example.co.uk, jan@example (dot) be
    rf"{_LOCAL}{_AT_SIGN}(?:{_LABEL}(?:{_DOT_PLAIN}|{_DOT_SPELLED})){_LABELS}[a-z]{{2,24}}\b"
    # jan (at) example (dot) be, jan [at] example.com: a well-known domain only
    rf"|{_LOCAL}{_AT_BRACKETED}(?:{_LABEL}(?:\.|{_DOT_SPELLED})){_LABELS}(?:{_TLDS})\b"
    # jan at example dot com; in "look at example.com" only the link goes
    rf"|{_LOCAL}{_AT_WORD}(?:{_LABEL}{_DOT_SPELLED}){_LABELS}(?:{_TLDS})\b",
    re.IGNORECASE,
)
_LINK = re.compile(
    r"\b(?:https?|ftp)://\S+"
    r"|\bwww\d{0,3}(?:\.|" + _DOT_SPELLED + r")\S+"
    # Bare domains: tailtribe.be, wa.me/32470123456, example dot com. The
    # top-level domain in lower case: "Tot morgen.De hond" is a typo, not a link.
    rf"|(?<![\w@.-])(?:{_LABEL}(?:\.|{_DOT_SPELLED})){_LABELS}(?-i:{_TLDS})\b(?:[/?#]\S*)?",
    re.IGNORECASE,
)
# Social handles: "insta: @janpeeters" (addresses are gone by then).
_HANDLE = re.compile(r"(?<![\w@])@[a-z0-9_](?:[a-z0-9_.]{1,28}[a-z0-9_])", re.IGNORECASE)
# Digits with the separators phone numbers are written with: a space, a dot,
# a slash, a dash (spaced or not, also en and em dashes), a comma, an underscore, a
# bracket, "(0)". A run may follow letters ("gsm0470123456", "BE68539007...").
_SEP = r"(?:[ \u00a0]?(?:[./,_\-\u2013\u2014]|\(0\)|[()])[ \u00a0]?|[ \u00a0])"
_DIGIT_RUN = re.compile(rf"(?<![\d+])(?:\+[ \u00a0]?|\()?\d(?:{_SEP}?\d)*")
# A date with a four-digit year, day first or year first: never a phone number.
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:19|20)\d{2}"
_DATE = re.compile(
    rf"(?<!\d)(?:{_DAY}([./-]){_MONTH}\1{_YEAR}|{_YEAR}([./-]){_MONTH}\2{_DAY})(?!\d)"
)
_PHONE_DIGITS = 9
_PHONE_DIGITS_AFTER_PLUS = 8


def _is_phone(run: str) -> bool:
    digits = sum(ch.isdigit() for ch in run)
    return digits >= _PHONE_DIGITS or (run.startswith("+") and digits >= _PHONE_DIGITS_AFTER_PLUS)


def _mask_digits(text: str) -> str:
    return _DIGIT_RUN.sub(lambda m: MASK if _is_phone(m.group()) else m.group(), text)


def _mask_run(match: re.Match[str]) -> str:
    run = match.group()
    if not _is_phone(run):
        return run
    if run.startswith(("+", "00")):  # an international number, whatever it contains
        return MASK
    # Dates split a run: "3 12/05/2026 10.30" is a count, a date and a time.
    pieces, last = [], 0
    for date in _DATE.finditer(run):
        pieces += [_mask_digits(run[last : date.start()]), date.group()]
        last = date.end()
    if not pieces:
        return MASK
    pieces.append(_mask_digits(run[last:]))
    return "".join(pieces)


def without_format_characters(text: str) -> str:
    """The text without the characters that draw nothing (Unicode category Cf)."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def mask_contacts(text: str) -> str:
    """The text with every email address, link, handle and phone number replaced by MASK."""
    visible = without_format_characters(text)
    masked = _mask(visible)
    # Only a text that had something to hide loses its format characters
    # (an emoji's zero-width joiner, say); everything else stays as written.
    return text if masked == visible else masked


def _mask(text: str) -> str:
    text = _EMAIL.sub(MASK, text)
    text = _LINK.sub(MASK, text)
    text = _HANDLE.sub(MASK, text)
    return _DIGIT_RUN.sub(_mask_run, text)
