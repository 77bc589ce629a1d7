"""Checks of tax identifiers and bank accounts (check digits, per-country formats)."""

from __future__ import annotations

from typing import Protocol


class TaxIdValidator(Protocol):
    """Identifiers arrive compact: upper case, without spaces, dots or dashes."""

    def valid_tin(self, country: str, tin: str) -> bool | None:
        """Whether `tin` is a valid tax identification number of `country`
        (ISO 3166 alpha-2), or None when no check is known for that country."""
        ...

    def valid_iban(self, iban: str) -> bool: ...

    def valid_enterprise_number(self, number: str) -> bool:
        """A Belgian enterprise (KBO/BCE) number, with or without the BE prefix."""
        ...

    def valid_vat(self, number: str) -> bool:
        """An EU VAT number with its country prefix."""
        ...


class TaxDetailsBox(Protocol):
    """Seals a caregiver's tax details for storage (authenticated encryption)."""

    def seal(self, plain: str) -> str: ...

    def open(self, sealed: str) -> str: ...
