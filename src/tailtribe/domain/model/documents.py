"""Money documents: what the platform issues from the ledger, numbered and immutable.

Every document is drawn from ledger entries, so its amounts are the ledger's:
- a receipt to the owner for each capture (card hold captured, or Bancontact's
  immediate capture), and a refund note for each refund;
- a commission invoice to the caregiver for each commission taken at payout,
  VAT-inclusive, and a credit note for each commission given back by a later
  refund;
- a monthly statement to each caregiver with payouts (or reversals) that
  month (domain/model/statements.py).

Numbers run per kind and calendar year (Brussels time of issue) without gaps:
the invoice series reads TT-2027-000001, the others carry a letter before the
year. An issued document never changes; a correction is a new credit note.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from uuid import UUID

from tailtribe.domain.errors import InvalidInput
from tailtribe.domain.model.ledger import Movement
from tailtribe.domain.model.money import round_half_up

# Belgium's standard rate; PLATFORM_VAT_RATE overrides it.
DEFAULT_VAT_RATE = 21
NUMBER_DIGITS = 6


class DocumentKind(enum.StrEnum):
    RECEIPT = "receipt"  # to the owner: a captured payment
    REFUND_NOTE = "refund_note"  # to the owner: a refund
    COMMISSION_INVOICE = "commission_invoice"  # to the caregiver: the commission at payout
    CREDIT_NOTE = "credit_note"  # to the caregiver: commission given back
    STATEMENT = "statement"  # to the caregiver: a month's payouts


# Between "TT-" and the year: each kind's own series.
SERIES_MARK: dict[DocumentKind, str] = {
    DocumentKind.COMMISSION_INVOICE: "",
    DocumentKind.CREDIT_NOTE: "C",
    DocumentKind.RECEIPT: "R",
    DocumentKind.REFUND_NOTE: "N",
    DocumentKind.STATEMENT: "S",
}


def document_number(kind: DocumentKind, year: int, sequence: int) -> str:
    """TT-2027-000001 for invoices, TT-R-2027-000001 for receipts, and so on."""
    if sequence < 1 or not 1 <= year <= 9999:
        raise ValueError(f"no document number for year {year}, sequence {sequence}")
    mark = SERIES_MARK[kind]
    prefix = f"TT-{mark}-" if mark else "TT-"
    return f"{prefix}{year:04d}-{sequence:0{NUMBER_DIGITS}d}"


def vat_split(gross_cents: int, rate_percent: int) -> tuple[int, int]:
    """(net, VAT) of a VAT-inclusive amount: net rounded half-up on cents, VAT
    the rest, so the two always add up to the gross."""
    if not 0 <= rate_percent <= 100:
        raise InvalidInput(f"VAT rate must be within 0..100, got {rate_percent}")
    net = round_half_up(Fraction(gross_cents * 100, 100 + rate_percent))
    return net, gross_cents - net


@dataclass(frozen=True, slots=True)
class Party:
    """Who issues or receives a document, as printed on it."""

    name: str
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = "BE"  # ISO 3166 alpha-2
    enterprise_number: str | None = None
    vat_number: str | None = None


@dataclass(frozen=True, slots=True)
class BookingFacts:
    """The booking a document is about, as it stood when the document was issued."""

    booking_id: UUID
    service: str  # a ServiceType value
    starts_at: datetime
    ends_at: datetime
    owner_name: str
    caregiver_name: str
    price_cents: int  # the booking's frozen total


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One payout in a monthly statement."""

    booking_id: UUID
    service: str
    starts_at: datetime
    paid_at: datetime
    gross_cents: int  # what the owner paid for the booking, net of refunds at payout
    commission_cents: int  # VAT-inclusive
    vat_cents: int
    paid_out_cents: int


@dataclass(frozen=True, slots=True)
class Document:
    """An issued document. `amount_cents` is what it is for, positive: the
    capture, the refund, the commission (VAT included) or the commission given
    back. A statement's is what its month paid out, net of what the month took
    back: the sum of its lines' paid-out column, which may be zero or negative
    (a month of reversals only). `net_cents` and `vat_cents` split it for
    invoices and credit notes (both 0 otherwise)."""

    id: UUID
    kind: DocumentKind
    number: str
    year: int
    sequence: int
    issued_at: datetime
    language: str  # nl, fr or en: the recipient's at issue
    recipient_id: UUID  # the user it is for
    issuer: Party
    recipient: Party
    amount_cents: int
    net_cents: int = 0
    vat_cents: int = 0
    vat_rate_percent: int = 0
    currency: str = "EUR"
    booking: BookingFacts | None = None
    ledger_entry_id: UUID | None = None  # the movement it is drawn from
    payment_method: str | None = None  # card or bancontact, on receipts and refund notes
    corrects: str | None = None  # a credit note's invoice, a refund note's receipt
    period: date | None = None  # a statement's month (its first day)
    lines: tuple[StatementLine, ...] = ()

    def __post_init__(self) -> None:
        if self.kind is DocumentKind.STATEMENT:
            if self.period is None or not self.lines:
                raise ValueError("a statement is for a month with payouts or reversals")
            if self.amount_cents != sum(line.paid_out_cents for line in self.lines):
                raise ValueError("a statement's amount is the sum of its lines")
        elif self.amount_cents <= 0:
            raise ValueError("a document is for a positive amount")
        if self.net_cents + self.vat_cents not in (0, self.amount_cents):
            raise ValueError("net and VAT must add up to the amount")
        if self.number != document_number(self.kind, self.year, self.sequence):
            raise ValueError("the number does not match the kind, year and sequence")


# The ledger's movements that issue a document, and which kind each issues.
ISSUED_FROM: dict[Movement, DocumentKind] = {
    Movement.CAPTURE: DocumentKind.RECEIPT,
    Movement.IMMEDIATE_CAPTURE: DocumentKind.RECEIPT,
    Movement.REFUND: DocumentKind.REFUND_NOTE,
    Movement.COMMISSION: DocumentKind.COMMISSION_INVOICE,
    Movement.COMMISSION_RETURN: DocumentKind.CREDIT_NOTE,
}
# What a correcting document corrects: the kind whose number it names.
CORRECTS: dict[DocumentKind, DocumentKind] = {
    DocumentKind.REFUND_NOTE: DocumentKind.RECEIPT,
    DocumentKind.CREDIT_NOTE: DocumentKind.COMMISSION_INVOICE,
}


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """An issued document and where its file is: `file_key` is None until the
    file is stored, `notified_at` until its recipient was told."""

    document: Document
    file_key: str | None = None
    stored_at: datetime | None = None
    notified_at: datetime | None = None


def file_key_of(document: Document) -> str:
    """The object key of a document's file, private like every key under
    private/: the same key every time, so a file written again after a crash
    replaces the first."""
    return f"private/documents/{document.recipient_id}/{document.number}.pdf"
