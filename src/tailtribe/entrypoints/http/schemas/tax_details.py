"""A caregiver's DAC7 due-diligence data, as sent and as returned to the caregiver or an admin."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from tailtribe.domain.model.tax_details import TaxDetails
from tailtribe.domain.model.tax_requests import TaxDetailsStatus
from tailtribe.domain.services.caregivers.tax_details import LINE_MAX, NAME_MAX, POSTCODE_MAX
from tailtribe.entrypoints.http.schemas.common import INSTANT, Strict, free_text

EuCountry = Literal[
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
]  # fmt: skip
# Identifiers: letters and digits, with the spaces, dots, dashes and slashes people write.
_IDENTIFIER = r"^[A-Za-z0-9 ./-]*[A-Za-z0-9][A-Za-z0-9 ./-]*$"


def _identifier(max_length: int, description: str, example: str) -> msgspec.Meta:
    return msgspec.Meta(
        min_length=1,
        max_length=max_length,
        pattern=_IDENTIFIER,
        description=description,
        examples=[example],
    )


FirstName = Annotated[
    str,
    free_text(NAME_MAX, required=True),
    msgspec.Meta(description="Legal first name(s), as on the identity card.", examples=["Sofie"]),
]
LastName = Annotated[
    str,
    free_text(NAME_MAX, required=True),
    msgspec.Meta(description="Legal last name.", examples=["Peeters"]),
]
BirthDate = Annotated[
    date,
    msgspec.Meta(
        description="Date of birth: at least 18 years ago, not before 1900.",
        examples=["1985-07-30"],
    ),
]
Street = Annotated[
    str,
    free_text(LINE_MAX, required=True),
    msgspec.Meta(description="Street and number of the primary address.", examples=["Kouter 1"]),
]
Postcode = Annotated[
    str,
    free_text(POSTCODE_MAX, required=True),
    msgspec.Meta(description="Postcode of the primary address.", examples=["9000"]),
]
City = Annotated[
    str,
    free_text(NAME_MAX, required=True),
    msgspec.Meta(description="Town of the primary address.", examples=["Gent"]),
]
Country = Annotated[
    str,
    msgspec.Meta(
        pattern="^[A-Za-z]{2}$",
        description="Country of the primary address, ISO 3166 alpha-2.",
        examples=["BE"],
    ),
]
TinCountry = Annotated[
    EuCountry,
    msgspec.Meta(
        description="The EU member state that issued the tax identification number.",
        examples=["BE"],
    ),
]
Tin = Annotated[
    str,
    _identifier(
        30,
        "Tax identification number; for Belgium the national number (or BIS number), "
        "checked with its check digits.",
        "85.07.30-033.28",
    ),
]
Iban = Annotated[str, _identifier(42, "Bank account (IBAN) payouts go to.", "BE71 0961 2345 6769")]
Enterprise = Annotated[
    str,
    _identifier(20, "Businesses: the Belgian enterprise (KBO/BCE) number.", "0403.170.701"),
]
Vat = Annotated[
    str,
    _identifier(20, "Businesses: the EU VAT number, with its country prefix.", "BE0403170701"),
]


class TaxDetailsBody(Strict):
    """Due-diligence data the platform must collect (EU Directive 2021/514, DAC7)."""

    first_name: FirstName
    last_name: LastName
    birth_date: BirthDate
    street: Street
    postcode: Postcode
    city: City
    country: Country
    tin: Tin
    tin_country: TinCountry
    iban: Iban
    enterprise_number: (
        Annotated[Enterprise, msgspec.Meta(description="Null or left out for a private person.")]
        | None
    ) = None
    vat_number: (
        Annotated[Vat, msgspec.Meta(description="Null or left out without a VAT registration.")]
        | None
    ) = None


class TaxDetailsOut(msgspec.Struct, kw_only=True):
    """What is stored: identifiers compact (upper case, no spaces, dots or dashes)."""

    first_name: FirstName
    last_name: LastName
    birth_date: BirthDate
    street: Street
    postcode: Postcode
    city: City
    country: Annotated[str, msgspec.Meta(description="ISO 3166 alpha-2, upper case.")]
    tin: Annotated[str, msgspec.Meta(description="Tax identification number, compact.")]
    tin_country: TinCountry
    iban: Annotated[str, msgspec.Meta(description="IBAN, compact.")]
    enterprise_number: Annotated[
        str | None, msgspec.Meta(description="Enterprise number, compact; null if none.")
    ]
    vat_number: Annotated[str | None, msgspec.Meta(description="VAT number; null if none.")]
    updated_at: Annotated[datetime, msgspec.Meta(description=f"Last change; {INSTANT}.")]

    @classmethod
    def of(cls, details: TaxDetails) -> TaxDetailsOut:
        return cls(
            first_name=details.first_name,
            last_name=details.last_name,
            birth_date=details.birth_date,
            street=details.street,
            postcode=details.postcode,
            city=details.city,
            country=details.country,
            tin=details.tin,
            tin_country=details.tin_country,  # type: ignore[arg-type]
            iban=details.iban,
            enterprise_number=details.enterprise_number,
            vat_number=details.vat_number,
            updated_at=details.updated_at,
        )


def _when(what: str) -> msgspec.Meta:
    return msgspec.Meta(description=f"{what}; {INSTANT}; null if not yet.")


class TaxDetailsStatusOut(msgspec.Struct, kw_only=True):
    """The requests for the DAC7 details and their effect on payouts (docs/dac7.md)."""

    complete: Annotated[
        bool, msgspec.Meta(description="The details are given: nothing is asked any more.")
    ]
    requested_at: Annotated[datetime | None, _when("The first request (missing since)")]
    first_reminder_at: Annotated[datetime | None, _when("The first reminder, 20 days after")]
    second_reminder_at: Annotated[datetime | None, _when("The second reminder, 40 days after")]
    withholding_from: Annotated[
        datetime | None,
        msgspec.Meta(
            description=(
                "From when payouts are withheld while the details are missing: the later of "
                f"60 days after the request and the second reminder; {INSTANT}; null once "
                "complete or before the second reminder."
            )
        ),
    ]
    payouts_withheld: Annotated[
        bool,
        msgspec.Meta(
            description="Payouts are withheld now (their bookings show `payout_status` withheld)."
        ),
    ]
    unreadable: Annotated[
        bool,
        msgspec.Meta(
            description=(
                "The details were given but can no longer be read (the platform's secret key "
                "changed): they count as missing, for withholding too, and are to be given again."
            )
        ),
    ] = False

    @classmethod
    def of(cls, status: TaxDetailsStatus) -> TaxDetailsStatusOut:
        return cls(
            complete=status.complete,
            requested_at=status.requested_at,
            first_reminder_at=status.first_reminder_at,
            second_reminder_at=status.second_reminder_at,
            withholding_from=status.withholding_from,
            payouts_withheld=status.withheld,
            unreadable=status.unreadable,
        )
