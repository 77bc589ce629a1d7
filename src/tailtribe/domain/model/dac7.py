"""The yearly DAC7 report (EU Directive 2021/514): what each seller earned, per quarter.

Drawn from the ledger only, per caregiver (the seller) and per calendar quarter
of the year, quarters by Brussels time of each movement:

- consideration = transfers - reversals: what was paid or credited to the
  seller; a refund after a payout reduces the quarter in which the reversal
  happens, not the quarter of the payout;
- fees = commission - commission returns: what the platform withheld;
- activities = the bookings with a transfer in the quarter. A booking counts
  once, in the quarter of its first transfer of the year; a reversal does not
  change the count (the service was performed and paid; only its
  consideration went down).

Amounts stay integer cents here. A seller is reportable when their
consideration or their fees over the year are not zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from uuid import UUID

from tailtribe.domain.model.ledger import Movement
from tailtribe.domain.model.tax_details import TaxDetails
from tailtribe.domain.model.time import BRUSSELS

QUARTERS = 4
# The movements the report reads: money paid to the seller, and the platform's fees.
REPORTED = frozenset(
    {Movement.TRANSFER, Movement.REVERSAL, Movement.COMMISSION, Movement.COMMISSION_RETURN}
)
FIRST_YEAR = 2023  # DAC7 applies to reporting periods from 2023
LAST_YEAR = 9999


@dataclass(frozen=True, slots=True)
class SellerMovement:
    """A ledger entry the report reads, with the caregiver of its booking."""

    caregiver_id: UUID
    booking_id: UUID
    movement: Movement
    amount_cents: int
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class Quarter:
    consideration_cents: int = 0
    fees_cents: int = 0
    activities: int = 0


@dataclass(frozen=True, slots=True)
class SellerFigures:
    caregiver_id: UUID
    quarters: tuple[Quarter, Quarter, Quarter, Quarter]

    @property
    def consideration_cents(self) -> int:
        return sum(q.consideration_cents for q in self.quarters)

    @property
    def fees_cents(self) -> int:
        return sum(q.fees_cents for q in self.quarters)

    @property
    def activities(self) -> int:
        return sum(q.activities for q in self.quarters)

    @property
    def reportable(self) -> bool:
        return self.consideration_cents != 0 or self.fees_cents != 0


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The year in Brussels time, as instants: [1 January 00:00, next 1 January 00:00)."""
    return (
        datetime.combine(date(year, 1, 1), time(), BRUSSELS),
        datetime.combine(date(year + 1, 1, 1), time(), BRUSSELS),
    )


def quarter_of(at: datetime) -> int:
    """0..3: the Brussels calendar quarter of an instant."""
    if at.tzinfo is None:
        raise ValueError("a movement's time must be timezone-aware")
    return (at.astimezone(BRUSSELS).month - 1) // 3


def figures(year: int, movements: Iterable[SellerMovement]) -> list[SellerFigures]:
    """Every reportable seller of `year` (Brussels), by caregiver id. Movements of
    other years, and movements the report does not read, are ignored."""
    cons: dict[UUID, list[int]] = defaultdict(lambda: [0] * QUARTERS)
    fees: dict[UUID, list[int]] = defaultdict(lambda: [0] * QUARTERS)
    first_transfer: dict[tuple[UUID, UUID], int] = {}
    for m in movements:
        if m.movement not in REPORTED or m.occurred_at.astimezone(BRUSSELS).year != year:
            continue
        q = quarter_of(m.occurred_at)
        if m.movement is Movement.TRANSFER:
            cons[m.caregiver_id][q] += m.amount_cents
            key = (m.caregiver_id, m.booking_id)
            first_transfer[key] = min(first_transfer.get(key, q), q)
        elif m.movement is Movement.REVERSAL:
            cons[m.caregiver_id][q] -= m.amount_cents
        elif m.movement is Movement.COMMISSION:
            fees[m.caregiver_id][q] += m.amount_cents
        else:
            fees[m.caregiver_id][q] -= m.amount_cents
    counts: dict[UUID, list[int]] = defaultdict(lambda: [0] * QUARTERS)
    for (caregiver_id, _), q in first_transfer.items():
        counts[caregiver_id][q] += 1
    out = []
    for caregiver_id in sorted(set(cons) | set(fees), key=str):
        c, f, n = cons[caregiver_id], fees[caregiver_id], counts[caregiver_id]
        seller = SellerFigures(
            caregiver_id,
            (
                Quarter(c[0], f[0], n[0]),
                Quarter(c[1], f[1], n[1]),
                Quarter(c[2], f[2], n[2]),
                Quarter(c[3], f[3], n[3]),
            ),
        )
        if seller.reportable:
            out.append(seller)
    return out


def whole_euros(cents: int) -> int:
    """Cents to whole euros, half away from zero (the DPI schema's amounts are
    integers): 149 -> 1, 150 -> 2, -150 -> -2."""
    units, rest = divmod(abs(cents), 100)
    rounded = units + (1 if rest >= 50 else 0)
    return rounded if cents >= 0 else -rounded


@dataclass(frozen=True, slots=True)
class Seller:
    """A reportable seller: their figures and what is known of them."""

    figures: SellerFigures
    name: str  # the legal name when the details are known, else the account's name
    details: TaxDetails | None  # None: the due-diligence data is missing
    # From the caregiver's profile, for a seller whose details are missing.
    postcode: str | None = None
    city: str | None = None

    @property
    def complete(self) -> bool:
        return self.details is not None

    @property
    def business(self) -> bool:
        return self.details is not None and bool(
            self.details.enterprise_number or self.details.vat_number
        )


@dataclass(frozen=True, slots=True)
class Operator:
    """The reporting platform operator, as its settings describe it."""

    name: str
    street: str
    postcode: str
    city: str
    country: str
    enterprise_number: str | None
    vat_number: str | None


@dataclass(frozen=True, slots=True)
class Dac7Report:
    year: int
    created_at: datetime
    message_ref_id: str
    operator: Operator
    sellers: Sequence[Seller]

    @property
    def reporting_period(self) -> date:
        return date(self.year, 12, 31)


def message_ref_id(operator: Operator, year: int, created_at: datetime) -> str:
    """Unique per file: the sender, the period and the creation instant (to the
    microsecond, UTC), within DocRefId's alphabet."""
    sender = operator.enterprise_number or "unknown"
    return f"BE{year}{sender}DPI{created_at.astimezone(UTC):%Y%m%dT%H%M%S%f}"
