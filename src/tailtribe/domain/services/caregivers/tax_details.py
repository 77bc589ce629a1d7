"""Saving and reading a caregiver's DAC7 due-diligence data (sealed at rest)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from tailtribe.domain.errors import FieldError, InvalidInput
from tailtribe.domain.model.tax_details import (
    ADULT_AGE,
    EARLIEST_BIRTH,
    EU_COUNTRIES,
    TaxDetails,
)
from tailtribe.domain.ports.tax_ids import TaxIdValidator

NAME_MAX = 100
LINE_MAX = 200
POSTCODE_MAX = 20
# Refusals a request schema cannot express (check digits, age): stable texts.
BIRTH_MESSAGE = "at least 18 years ago, not before 1900"
TIN_MESSAGE = "not a valid tax identification number of tin_country"
IBAN_MESSAGE = "not a valid IBAN"
ENTERPRISE_MESSAGE = "not a valid Belgian enterprise number"
VAT_MESSAGE = "not a valid EU VAT number"


def _compact(value: str) -> str:
    return "".join(ch for ch in value if ch.isalnum()).upper()


def _age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def build_tax_details(
    *,
    caregiver_id: UUID,
    first_name: str,
    last_name: str,
    birth_date: date,
    street: str,
    postcode: str,
    city: str,
    country: str,
    tin: str,
    tin_country: str,
    iban: str,
    enterprise_number: str | None,
    vat_number: str | None,
    now: datetime,
    validator: TaxIdValidator,
) -> TaxDetails:
    """Checks every field and names each bad one; identifiers are stored compact."""
    errors: list[FieldError] = []

    def text(field: str, value: str, limit: int) -> str:
        value = value.strip()
        if not value:
            errors.append(FieldError(field, "required"))
        elif len(value) > limit:
            errors.append(FieldError(field, f"at most {limit} characters"))
        return value

    first = text("first_name", first_name, NAME_MAX)
    last = text("last_name", last_name, NAME_MAX)
    street_line = text("street", street, LINE_MAX)
    code = text("postcode", postcode, POSTCODE_MAX)
    town = text("city", city, NAME_MAX)

    today = now.date()
    if birth_date < EARLIEST_BIRTH or _age_on(birth_date, today) < ADULT_AGE:
        errors.append(FieldError("birth_date", BIRTH_MESSAGE))

    country_code = country.strip().upper()
    if len(country_code) != 2 or not country_code.isalpha():
        errors.append(FieldError("country", "a two-letter ISO 3166 country code"))
    tin_code = tin_country.strip().upper()
    compact_tin = _compact(tin)
    if tin_code not in EU_COUNTRIES:
        errors.append(FieldError("tin_country", "a European Union member state"))
    elif not compact_tin or validator.valid_tin(tin_code, compact_tin) is False:
        errors.append(FieldError("tin", TIN_MESSAGE))

    compact_iban = _compact(iban)
    if not validator.valid_iban(compact_iban):
        errors.append(FieldError("iban", IBAN_MESSAGE))

    enterprise = _compact(enterprise_number) if enterprise_number else None
    if enterprise is not None and not validator.valid_enterprise_number(enterprise):
        errors.append(FieldError("enterprise_number", ENTERPRISE_MESSAGE))
    vat = _compact(vat_number) if vat_number else None
    if vat is not None and not validator.valid_vat(vat):
        errors.append(FieldError("vat_number", VAT_MESSAGE))

    if errors:
        raise InvalidInput("Some tax details are not valid", errors)
    return TaxDetails(
        caregiver_id=caregiver_id,
        first_name=first,
        last_name=last,
        birth_date=birth_date,
        street=street_line,
        postcode=code,
        city=town,
        country=country_code,
        tin=compact_tin,
        tin_country=tin_code,
        iban=compact_iban,
        enterprise_number=enterprise,
        vat_number=vat,
        updated_at=now,
    )
