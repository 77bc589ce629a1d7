"""Every email, in every locale, in HTML and plain text (docs/rules.md, Notifications)."""

from __future__ import annotations

import string
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tailtribe.adapters.jinja.renderer import JinjaEmailRenderer, load_catalog
from tailtribe.domain.model.money import Money
from tailtribe.domain.model.notifications import EmailKind, Weekdays
from tailtribe.domain.model.pricing import Service
from tailtribe.domain.model.security import SignInMethod
from tailtribe.domain.model.users import Locale
from tailtribe.domain.ports.payments import OffSessionOutcome
from tailtribe.domain.services.notifications.send_email import dac7_variables

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
# What SendEmail gives a money document's email.
DOCUMENT = {
    "name": "Ann",
    "number": "TT-R-2027-000042",
    "amount": Money(12345),
    "link": "https://app.example/account/documents/1",
}
# What SendEmail gives a series email: the pattern, its dates and money.
SERIES = {
    "name": "Bram",
    "service": Service.DOG_WALKING,
    "owner_name": "Olga",
    "caregiver_name": "Bram",
    "weekdays": Weekdays((0, 3)),
    "start_time": "08:15",
    "duration": timedelta(minutes=90),
    "first_date": date(2027, 3, 1),
    "last_date": date(2027, 4, 22),
    "count": 16,
    "planned": 16,
    "price": Money(2450),
    "earnings": Money(1960),
    "total": Money(39200),
    "link": "https://app.example/series/1",
    # The cancellation's own.
    "from_date": date(2027, 3, 29),
    "cancelled": 7,
    "refund": Money(17150),
}
# An occurrence's email: a booking's, with the payment's deadline and problem.
OCCURRENCE = {
    **BOOKING,
    "service": Service.DROP_IN,
    "amount": Money(2450),
    "reason": OffSessionOutcome.AUTHENTICATION_REQUIRED,
    "pay_by": datetime(2027, 3, 26, 17, 0, tzinfo=UTC),  # 18:00 in Brussels
    "link": "https://app.example/bookings/1/pay",
}


DAC7 = {
    "name": "Lotte",
    **dac7_variables(
        {
            "year": 2027,
            "identity": "Lotte Peeters; 1990-05-17; TIN …345 (BE); IBAN …7034",
            "consideration_cents": [8049, -400, 0, 123456],
            "fees_cents": [2012, -100, 0, 30864],
            "activities": [3, 0, 0, 12],
        }
    ),
    "link": "https://app.example/caregiver/tax-details",
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
    if kind is EmailKind.DAC7_COPY:
        return dict(DAC7)
    if kind.value.startswith("document_"):
        return dict(DOCUMENT)
    if kind.value.startswith("meet_"):
        return dict(MEET)
    if kind is EmailKind.SERIES_CANCELLED:
        return {**SERIES, "planned": 9}
    if kind.value.startswith("series_"):
        return dict(SERIES)
    if kind is EmailKind.OCCURRENCE_LAPSED:
        return {**OCCURRENCE, "link": "https://app.example/series/1"}
    if kind.value.startswith("occurrence_"):
        return dict(OCCURRENCE)
    if kind is EmailKind.TAX_DETAILS_LAST_REMINDER:
        return {**TAX, "withhold_from": datetime(2027, 5, 1, 10, 0, tzinfo=UTC)}
    if kind.value.startswith(("tax_details_", "payouts_")):
        return dict(TAX)
    return dict(BOOKING)


TAX = {"name": "Ann", "link": "https://app.example/caregiver/tax-details"}


@pytest.mark.parametrize("locale", list(Locale))
def test_tax_emails_say_why_and_the_last_reminder_names_the_withholding_day(
    locale: Locale,
) -> None:
    asked = RENDERER.render(EmailKind.TAX_DETAILS_REQUESTED, locale, TAX)
    assert "DAC7" in asked.text and "2021/514" in asked.text
    assert "https://app.example/caregiver/tax-details" in asked.html
    last = RENDERER.render(
        EmailKind.TAX_DETAILS_LAST_REMINDER,
        locale,
        {**TAX, "withhold_from": datetime(2027, 5, 1, 10, 0, tzinfo=UTC)},
    )
    # 12:00 in Brussels (summer time), on 1 May 2027, in the recipient's words.
    day = {Locale.EN: "1 May 2027", Locale.FR: "1 mai 2027", Locale.NL: "1 mei 2027"}[locale]
    assert day in last.subject and day in last.text and "12:00" in last.text
    withheld = RENDERER.render(EmailKind.PAYOUTS_WITHHELD, locale, TAX)
    assert "DAC7" in withheld.text


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
            value = variables_for(kind)[name]
            if isinstance(value, OffSessionOutcome):  # told in the recipient's words
                value = load_catalog(locale)["payment_reasons"][value.value]
            assert str(value) in body, (kind, name)
    assert f'lang="{locale.value}"' in email.html
    if "link" in variables_for(kind) and load_catalog(locale)[kind.value].get("action"):
        assert variables_for(kind)["link"] in email.text


def test_every_locale_has_every_email_with_the_same_placeholders() -> None:
    catalogs = {locale: load_catalog(locale) for locale in Locale}
    reference = catalogs[Locale.EN]
    for locale, catalog in catalogs.items():
        assert set(catalog) == set(reference), locale
        assert set(catalog["services"]) == {s.value for s in Service}, locale
        problems = {OffSessionOutcome.AUTHENTICATION_REQUIRED, OffSessionOutcome.DECLINED}
        assert set(catalog["payment_reasons"]) == {p.value for p in problems}, locale
        for key in ("durations", "payment_reasons"):
            for name, text in catalog[key].items():
                assert placeholders(text) == placeholders(reference[key][name]), (locale, name)
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


SERIES_KINDS = [k for k in EmailKind if k.value.startswith("series_")]
# The series' pattern and dates as each locale writes them.
SERIES_WORDS = {
    Locale.NL: {
        "weekdays": "elke maandag en donderdag",
        "first": "maandag 1 maart 2027",
        "last": "donderdag 22 april 2027",
        "duration": "telkens 1 uur 30 min",
        "from": "vanaf maandag 29 maart 2027",
        "count": "in totaal 16 keer",
    },
    Locale.FR: {
        "weekdays": "chaque lundi et jeudi",
        "first": "lundi 1 mars 2027",
        "last": "jeudi 22 avril 2027",
        "duration": "1 h 30 à chaque fois",
        "from": "à partir du lundi 29 mars 2027",
        "count": "16 fois au total",
    },
    Locale.EN: {
        "weekdays": "every Monday and Thursday",
        "first": "1 March 2027",
        "last": "22 April 2027",
        "duration": "1 h 30 min each time",
        "from": "from Monday, 29 March 2027",
        "count": "16 in all",
    },
}


@pytest.mark.parametrize("locale", list(Locale))
@pytest.mark.parametrize("kind", SERIES_KINDS)
def test_a_series_email_names_its_days_time_dates_money_and_link(
    kind: EmailKind, locale: Locale
) -> None:
    email = RENDERER.render(kind, locale, variables_for(kind))
    words = SERIES_WORDS[locale]
    for body in (email.text, email.html):
        assert "{" not in body.replace("{%", "")
        assert words["weekdays"] in body and "08:15" in body
        assert "https://app.example/series/1" in body
        if kind is EmailKind.SERIES_CANCELLED:
            assert words["from"] in body and "171,50" in body  # the refund
            assert ": 7" in body and ": 9" in body  # cancelled, still planned
        else:
            assert words["first"] in body and words["last"] in body
        if kind in (EmailKind.SERIES_REQUESTED, EmailKind.SERIES_ACCEPTED):
            assert words["duration"] in body and words["count"] in body
            assert "24,50" in body and "392,00" in body  # one occurrence, the whole series
        if kind is EmailKind.SERIES_REQUESTED:
            assert "19,60" in body  # what the caregiver earns each time
    assert "{" not in email.subject
    if kind is EmailKind.SERIES_CANCELLED:
        assert SERIES_WORDS[locale]["from"].split()[-1] in email.subject  # its year: the date


PAY_WORDS = {
    Locale.NL: ("zaterdag 27 maart 2027", "vrijdag 26 maart 2027", "zonder kosten"),
    Locale.FR: ("samedi 27 mars 2027", "vendredi 26 mars 2027", "sans frais"),
    Locale.EN: ("Saturday, 27 March 2027", "Friday, 26 March 2027", "without charge"),
}


@pytest.mark.parametrize("locale", list(Locale))
@pytest.mark.parametrize(
    "reason", [OffSessionOutcome.AUTHENTICATION_REQUIRED, OffSessionOutcome.DECLINED]
)
def test_an_occurrence_to_pay_says_why_by_when_and_where(
    locale: Locale, reason: OffSessionOutcome
) -> None:
    variables = {**OCCURRENCE, "reason": reason}
    email = RENDERER.render(EmailKind.OCCURRENCE_PAYMENT_NEEDED, locale, variables)
    start, deadline, free = PAY_WORDS[locale]
    assert start in email.subject and "18:00" in email.subject
    why = load_catalog(locale)["payment_reasons"][reason.value]
    for body in (email.text, email.html.replace("&#39;", "'")):
        assert "{" not in body.replace("{%", "")
        assert start in body and deadline in body and "18:00" in body and "10:00" in body
        assert "24,50" in body and "Bram" in body and why in body and free in body
        assert "https://app.example/bookings/1/pay" in body
    assert "authentication_required" not in email.text  # never the code itself


@pytest.mark.parametrize("locale", list(Locale))
def test_a_lapsed_occurrence_says_which_and_that_nothing_was_charged(locale: Locale) -> None:
    email = RENDERER.render(
        EmailKind.OCCURRENCE_LAPSED, locale, variables_for(EmailKind.OCCURRENCE_LAPSED)
    )
    start, _, free = PAY_WORDS[locale]
    assert start in email.subject and free in email.subject.lower()
    for body in (email.text, email.html):
        assert start in body and "Olga" in body and "Bram" in body and free in body
        assert "https://app.example/series/1" in body


@pytest.mark.parametrize(
    ("minutes", "nl", "fr", "en"),
    [(30, "30 min", "30 min", "30 min"), (60, "1 uur", "1 h", "1 h"), (480, "8 uur", "8 h", "8 h")],
)
def test_durations_are_written_in_hours_and_minutes(
    minutes: int, nl: str, fr: str, en: str
) -> None:
    variables = {**SERIES, "duration": timedelta(minutes=minutes)}
    for locale, expected in ((Locale.NL, nl), (Locale.FR, fr), (Locale.EN, en)):
        text = RENDERER.render(EmailKind.SERIES_ACCEPTED, locale, variables).text
        assert f" {expected}," in text or f" {expected} " in text, (locale, expected)


@pytest.mark.parametrize(
    ("locale", "paid", "total"),
    [
        (Locale.EN, "80,49\u00a0€", "1.311,05\u00a0€"),  # en_BE
        (Locale.NL, "€\u00a080,49", "€\u00a01.311,05"),
        (Locale.FR, "80,49\u00a0€", "1\u202f311,05\u00a0€"),
    ],
)
def test_the_dac7_copy_shows_each_quarter_and_the_total(
    locale: Locale, paid: str, total: str
) -> None:
    email = RENDERER.render(EmailKind.DAC7_COPY, locale, DAC7)
    assert "2027" in email.subject
    assert paid in email.text and total in email.text
    assert "…345" in email.text and "90051712345" not in email.text
    assert "https://app.example/caregiver/tax-details" in email.html


DOCUMENT_WORDS = {
    Locale.EN: ("receipt", "refund note", "Invoice", "Credit note", "monthly statement"),
    Locale.FR: ("reçu", "note de remboursement", "Facture", "Note de crédit", "relevé mensuel"),
    Locale.NL: ("betalingsbewijs", "terugbetalingsnota", "Factuur", "Creditnota", "maandoverzicht"),
}
DOCUMENT_KINDS = (
    EmailKind.DOCUMENT_RECEIPT,
    EmailKind.DOCUMENT_REFUND_NOTE,
    EmailKind.DOCUMENT_COMMISSION_INVOICE,
    EmailKind.DOCUMENT_CREDIT_NOTE,
    EmailKind.DOCUMENT_STATEMENT,
)


@pytest.mark.parametrize("locale", list(Locale))
def test_a_document_email_names_the_document_its_amount_and_link(locale: Locale) -> None:
    for kind, word in zip(DOCUMENT_KINDS, DOCUMENT_WORDS[locale], strict=True):
        email = RENDERER.render(kind, locale, dict(DOCUMENT))
        assert word in email.subject and "TT-R-2027-000042" in email.subject, (kind, locale)
        assert "123,45" in email.text  # Belgian formats, in every language
        assert str(DOCUMENT["link"]) in email.text
        assert "unsubscribe" not in email.text.lower()  # transactional: always sent


@pytest.mark.parametrize("locale", list(Locale))
def test_a_statement_email_shows_a_month_that_took_back_more_than_it_paid(
    locale: Locale,
) -> None:
    email = RENDERER.render(
        EmailKind.DOCUMENT_STATEMENT, locale, DOCUMENT | {"amount": Money(-12345)}
    )
    assert "-" in email.text and "123,45" in email.text
