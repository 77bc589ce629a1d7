"""Every email, in every locale, in HTML and plain text (docs/rules.md, Notifications)."""

from __future__ import annotations

import string
from datetime import UTC, datetime
from typing import Any

import pytest

from tailtribe.adapters.jinja.renderer import JinjaEmailRenderer, load_catalog
from tailtribe.domain.model.money import Money
from tailtribe.domain.model.notifications import EmailKind
from tailtribe.domain.model.pricing import Service
from tailtribe.domain.model.security import SignInMethod
from tailtribe.domain.model.users import Locale

# What SendEmail gives a booking email, a caregiver email and a token email.
BOOKING = {
    "name": "Ann",
    "service": Service.BOARDING,
    "start": datetime(2027, 3, 27, 17, 0, tzinfo=UTC),  # 18:00 in Brussels (winter time)
    "end": datetime(2027, 3, 29, 8, 0, tzinfo=UTC),  # 10:00 in Brussels (summer time)
    "owner_name": "Olga",
    "caregiver_name": "Bram",
    "total": Money(123450),
    "earnings": Money(98760),
    "amount": Money(5000),
    "reason": "the dog came back hungry",
    "link": "https://app.example/bookings/1",
}
CAREGIVER = {
    "name": "Bram",
    "reason": "incomplete",
    "link": "https://app.example/caregiver/profile",
}
TOKEN = {"name": "Ann", "link": "https://app.example/verify-email?token=abc"}
MESSAGE = {"name": "Ann", "sender_name": "Bram", "link": "https://app.example/conversations/1"}
SIGN_IN = {
    "name": "Ann",
    "time": datetime(2027, 7, 1, 20, 5, tzinfo=UTC),  # 22:05 in Brussels (summer time)
    "method": SignInMethod.GOOGLE,
    "client": "Firefox on Windows",
    "link": "https://app.example/reset-password",
}
MEET = {
    "name": "Ann",
    "start": datetime(2027, 3, 27, 17, 0, tzinfo=UTC),
    "end": datetime(2027, 3, 27, 17, 30, tzinfo=UTC),
    "owner_name": "Olga",
    "caregiver_name": "Bram",
    "link": "https://app.example/meet-and-greets/1",
}
EXPORT = {
    "name": "Ann",
    "expires": datetime(2027, 3, 28, 9, 30, tzinfo=UTC),
    "link": "https://app.example/account/exports/1",
}


def variables_for(kind: EmailKind) -> dict[str, Any]:
    if kind in (EmailKind.VERIFY_EMAIL, EmailKind.PASSWORD_RESET):
        return dict(TOKEN)
    if kind.value.startswith(("application_", "caregiver_")):
        return dict(CAREGIVER)
    if kind is EmailKind.MESSAGE_UNREAD:
        return dict(MESSAGE)
    if kind is EmailKind.NEW_SIGN_IN:
        return dict(SIGN_IN)
    if kind is EmailKind.ACCOUNT_EXISTS:
        return {"name": "Ann", "link": "https://app.example/login"}
    if kind is EmailKind.EXPORT_READY:
        return dict(EXPORT)
    if kind.value.startswith("meet_"):
        return dict(MEET)
    return dict(BOOKING)


def placeholders(value: object) -> set[str]:
    texts = value if isinstance(value, list) else [value]
    return {f for t in texts for _, f, _, _ in string.Formatter().parse(str(t)) if f}


RENDERER = JinjaEmailRenderer()


@pytest.mark.parametrize("locale", list(Locale))
@pytest.mark.parametrize("kind", list(EmailKind))
def test_every_email_renders_in_every_locale(kind: EmailKind, locale: Locale) -> None:
    email = RENDERER.render(kind, locale, variables_for(kind))
    assert email.subject and "\n" not in email.subject and "{" not in email.subject
    texts = load_catalog(locale)[kind.value]
    used = set().union(*(placeholders(v) for v in texts.values()))
    for body in (email.text, email.html):
        assert "{" not in body.replace("{%", "")  # every placeholder filled
        for name in used & {"owner_name", "caregiver_name", "reason"}:
            assert str(variables_for(kind)[name]) in body, (kind, name)
    assert f'lang="{locale.value}"' in email.html
    if "link" in variables_for(kind) and load_catalog(locale)[kind.value].get("action"):
        assert variables_for(kind)["link"] in email.text


def test_every_locale_has_every_email_with_the_same_placeholders() -> None:
    catalogs = {locale: load_catalog(locale) for locale in Locale}
    reference = catalogs[Locale.EN]
    for locale, catalog in catalogs.items():
        assert set(catalog) == set(reference), locale
        assert set(catalog["services"]) == {s.value for s in Service}, locale
        for kind in EmailKind:
            ours, theirs = catalog[kind.value], reference[kind.value]
            assert set(ours) == set(theirs), (locale, kind)
            for key in theirs:
                assert placeholders(ours[key]) == placeholders(theirs[key]), (locale, kind, key)
                assert placeholders(ours[key]) <= set(variables_for(kind)), (locale, kind, key)


def test_a_missing_variable_is_an_error_not_a_blank() -> None:
    variables = variables_for(EmailKind.BOOKING_ACCEPTED)
    del variables["caregiver_name"]
    with pytest.raises(KeyError, match="caregiver_name"):
        RENDERER.render(EmailKind.BOOKING_ACCEPTED, Locale.FR, variables)


def test_user_text_cannot_inject_html() -> None:
    evil = '<script>alert(1)</script> & "Bob"'
    email = RENDERER.render(EmailKind.BOOKING_REQUESTED, Locale.EN, {**BOOKING, "owner_name": evil})
    assert "<script>" not in email.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Bob&#34;" in email.html
    assert evil in email.text  # plain text is shown as it is


def test_amounts_dates_and_services_are_formatted_for_the_locale() -> None:
    def body(locale: Locale) -> str:
        return RENDERER.render(EmailKind.BOOKING_ACCEPTED, locale, BOOKING).text

    nl, fr, en = body(Locale.NL), body(Locale.FR), body(Locale.EN)
    # The same instants in Brussels time, across the change to summer time.
    assert "zaterdag 27 maart 2027" in nl and "18:00" in nl and "10:00" in nl
    assert "samedi 27 mars 2027" in fr and "lundi 29 mars 2027" in fr
    assert "Saturday 27 March 2027" in en or "Saturday, 27 March 2027" in en
    assert "€\u00a01.234,50" in nl and "1\u202f234,50\u00a0€" in fr and "1.234,50\u00a0€" in en
    assert "logeeropvang" in nl and "pension" in fr and "boarding" in en


def test_the_new_sign_in_email_says_when_how_and_from_what_in_the_users_words() -> None:
    def body(locale: Locale) -> str:
        return RENDERER.render(EmailKind.NEW_SIGN_IN, locale, SIGN_IN).text

    nl, fr, en = body(Locale.NL), body(Locale.FR), body(Locale.EN)
    for text in (nl, fr, en):
        assert "22:05" in text and "Firefox on Windows" in text
        assert "https://app.example/reset-password" in text
    assert "met Google" in nl and "avec Google" in fr and "with Google" in en
    assert "donderdag 1 juli 2027" in nl and "jeudi 1 juillet 2027" in fr
    password = RENDERER.render(
        EmailKind.NEW_SIGN_IN, Locale.EN, {**SIGN_IN, "method": SignInMethod.PASSWORD}
    )
    assert "with your password" in password.text


@pytest.mark.parametrize("locale", list(Locale))
def test_the_emails_one_can_turn_off_show_their_unsubscribe_link(locale: Locale) -> None:
    link = "https://app.example/api/v1/unsubscribe?token=abc.messages.def"
    unsubscribe = load_catalog(locale)["unsubscribe"]
    email = RENDERER.render(EmailKind.MESSAGE_UNREAD, locale, {**MESSAGE, "unsubscribe_link": link})
    for body in (email.text, email.html):
        assert link in body and unsubscribe["action"] in body and unsubscribe["text"] in body
    assert f'<a href="{link}"' in email.html
    without = RENDERER.render(EmailKind.MESSAGE_UNREAD, locale, MESSAGE)
    assert unsubscribe["action"] not in without.text + without.html
