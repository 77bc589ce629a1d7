"""A caregiver's due-diligence data for DAC7 (EU Directive 2021/514) reporting."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

logger = logging.getLogger(__name__)

EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
ADULT_AGE = 18
EARLIEST_BIRTH = date(1900, 1, 1)


@dataclass(frozen=True, slots=True)
class TaxDetails:
    """What a platform operator must collect from a reportable seller. Never shown in
    clear in logs: `__repr__` masks every value."""

    caregiver_id: UUID
    first_name: str
    last_name: str
    birth_date: date
    street: str
    postcode: str
    city: str
    country: str
    tin: str
    tin_country: str
    iban: str
    enterprise_number: str | None
    vat_number: str | None
    updated_at: datetime

    def __repr__(self) -> str:
        return f"TaxDetails(caregiver_id={self.caregiver_id}, <personal data masked>)"

    __str__ = __repr__

    def to_plain(self) -> dict[str, Any]:
        """Every value as JSON-ready text, for sealing and for the owner's export."""
        plain = asdict(self)
        plain["caregiver_id"] = str(self.caregiver_id)
        plain["birth_date"] = self.birth_date.isoformat()
        plain["updated_at"] = self.updated_at.isoformat()
        return plain

    def seal_text(self) -> str:
        return json.dumps(self.to_plain(), sort_keys=True)

    @classmethod
    def from_seal_text(cls, text: str) -> TaxDetails:
        plain = json.loads(text)
        plain["caregiver_id"] = UUID(plain["caregiver_id"])
        plain["birth_date"] = date.fromisoformat(plain["birth_date"])
        plain["updated_at"] = datetime.fromisoformat(plain["updated_at"])
        return cls(**plain)


@dataclass(frozen=True, slots=True)
class SealedTaxDetails:
    """What storage holds: the details encrypted as one sealed text."""

    caregiver_id: UUID
    sealed: str
    updated_at: datetime


def unsealed(open_text: Callable[[str], str], sealed: SealedTaxDetails | None) -> TaxDetails | None:
    """The details, or None when missing or unreadable (sealed under a secret
    key since rotated: the caregiver gives them again). The warning names the
    caregiver's id only, never a value."""
    if sealed is None:
        return None
    try:
        return TaxDetails.from_seal_text(open_text(sealed.sealed))
    except Exception:
        logger.warning("the tax details of %s do not open", sealed.caregiver_id)
        return None
