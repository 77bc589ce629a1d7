"""DAC7 due-diligence data: identifiers checked with their check digits, every bad field named."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tailtribe.adapters.stdnum.tax_ids import StdnumTaxIdValidator
from tailtribe.domain.errors import InvalidInput
from tailtribe.domain.model.tax_details import TaxDetails
from tailtribe.domain.services.caregivers.tax_details import (
    BIRTH_MESSAGE,
    IBAN_MESSAGE,
    TIN_MESSAGE,
    build_tax_details,
)

VALIDATOR = StdnumTaxIdValidator()
NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)


@st.composite
def national_numbers(draw: st.DrawFn) -> str:
    """A Belgian national number: YYMMDD, a serial, and 97 - (n mod 97) as check
    digits, where n gets a leading 2 for people born from 2000 on."""
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 12, 31)))
    serial = draw(st.integers(min_value=1, max_value=998))
    base = f"{born:%y%m%d}{serial:03d}"
    n = int(("2" if born.year >= 2000 else "") + base)
    return f"{base}{97 - n % 97:02d}"


def _bban_check(country: str, bban: str) -> str:
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{98 - int(digits) % 97:02d}"


@st.composite
def belgian_ibans(draw: st.DrawFn) -> str:
    """Belgian IBANs: a bank's code and an account (10 digits, mod-97 national check),
    then the IBAN check. stdnum also checks the bank code against its registry."""
    bank = draw(st.sampled_from(["001", "096", "363", "735"]))  # Fortis, Belfius, ING, KBC
    account = int(bank + f"{draw(st.integers(min_value=0, max_value=10**7 - 1)):07d}")
    national = account % 97 or 97
    bban = f"{account:010d}{national:02d}"
    return f"BE{_bban_check('BE', bban)}{bban}"


def _one_digit_changed(number: str, data: st.DataObject) -> str:
    at = data.draw(st.integers(min_value=0, max_value=len(number) - 1))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != number[at]]))
    return number[:at] + digit + number[at + 1 :]


@given(national_numbers())
def test_valid_national_numbers_are_accepted(number: str) -> None:
    assert VALIDATOR.valid_tin("BE", number) is True


@given(national_numbers(), st.data())
def test_a_national_number_with_one_digit_changed_is_refused(number: str, data: Any) -> None:
    changed = _one_digit_changed(number, data)
    base, check = changed[:9], int(changed[9:])
    # Mod 97 catches any one changed digit under the rule the number was made
    # with; the other century's rule could match by chance (about 1 in 97).
    other_rules = {97 - int(base) % 97, 97 - int("2" + base) % 97}
    if check not in other_rules:
        assert VALIDATOR.valid_tin("BE", changed) is False


def test_both_century_rules() -> None:
    assert VALIDATOR.valid_tin("BE", "85073003328")  # born 1985
    assert VALIDATOR.valid_tin("BE", "17073003384")  # born 2017: the leading 2 rule
    assert not VALIDATOR.valid_tin("BE", "85073003329")


@given(belgian_ibans())
def test_valid_ibans_are_accepted(iban: str) -> None:
    assert VALIDATOR.valid_iban(iban)


@given(belgian_ibans(), st.data())
def test_an_iban_with_one_digit_changed_is_refused(iban: str, data: Any) -> None:
    # The IBAN's mod-97 check catches every single changed digit.
    prefix = iban[:2]
    changed = prefix + _one_digit_changed(iban[2:], data)
    assert not VALIDATOR.valid_iban(changed)


def _fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "caregiver_id": uuid4(),
        "first_name": "Sofie",
        "last_name": "Peeters",
        "birth_date": date(1985, 7, 30),
        "street": "Kouter 1",
        "postcode": "9000",
        "city": "Gent",
        "country": "be",
        "tin": "85.07.30-033.28",
        "tin_country": "BE",
        "iban": "BE71 0961 2345 6769",
        "enterprise_number": None,
        "vat_number": None,
        "now": NOW,
        "validator": VALIDATOR,
    }
    return {**fields, **changes}


def test_identifiers_are_stored_compact_and_never_shown_in_a_repr() -> None:
    details = build_tax_details(
        **_fields(enterprise_number="0403.170.701", vat_number="BE 0403.170.701")
    )
    assert (details.tin, details.iban, details.country) == (
        "85073003328",
        "BE71096123456769",
        "BE",
    )
    assert (details.enterprise_number, details.vat_number) == ("0403170701", "BE0403170701")
    for shown in (repr(details), str(details), f"{details}"):
        assert "85073003328" not in shown and "Peeters" not in shown and "BE71" not in shown
    assert TaxDetails.from_seal_text(details.seal_text()) == details


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"tin": "85073003329"}, "tin", TIN_MESSAGE),
        ({"tin": "---"}, "tin", TIN_MESSAGE),
        ({"tin_country": "NL", "tin": "123456789"}, "tin", TIN_MESSAGE),
        ({"iban": "BE71096123456768"}, "iban", IBAN_MESSAGE),
        ({"birth_date": date(2009, 3, 2)}, "birth_date", BIRTH_MESSAGE),  # 18 tomorrow
        ({"birth_date": date(1899, 12, 31)}, "birth_date", BIRTH_MESSAGE),
        ({"enterprise_number": "0403170702"}, "enterprise_number", None),
        ({"vat_number": "BE0403170702"}, "vat_number", None),
        ({"tin_country": "CH"}, "tin_country", None),
        ({"country": "Belgium"}, "country", None),
        ({"first_name": "  "}, "first_name", None),
    ],
)
def test_each_bad_field_is_named(changes: dict[str, Any], field: str, message: str | None) -> None:
    with pytest.raises(InvalidInput) as refused:
        build_tax_details(**_fields(**changes))
    assert [e.field for e in refused.value.errors] == [field]
    if message is not None:
        assert refused.value.errors[0].message == message


def test_an_adult_today_and_a_country_without_a_checker() -> None:
    assert build_tax_details(**_fields(birth_date=date(2009, 3, 1))).birth_date.year == 2009
    # Luxembourg has no checker in stdnum: any TIN with letters or digits is kept.
    assert build_tax_details(**_fields(tin_country="LU", tin="1985 0730 12345")).tin_country == "LU"


def test_several_bad_fields_are_all_named() -> None:
    with pytest.raises(InvalidInput) as refused:
        build_tax_details(**_fields(tin="1", iban="2", birth_date=date(1800, 1, 1)))
    assert {e.field for e in refused.value.errors} == {"tin", "iban", "birth_date"}
