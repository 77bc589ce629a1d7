"""Caregivers' monthly statements, drawn from the ledger (docs/documents.md).

A statement covers one caregiver and one calendar month in Brussels time. It
has a line for each transfer of that month (a booking paid out) and one for
each reversal (money taken back after a refund), each by the Brussels month
of its own ledger entry:

- a payout's line: the booking's service and start, when it was paid out,
  the gross (what the owner paid, net of the refunds up to the payout), the
  commission taken at that payout (VAT included) and its VAT, and the
  transfer;
- a reversal's line: the same columns negative: the commission given back
  at the same moment and its VAT, the reversal as paid out, and as gross
  their sum; so on every line gross - commission = paid out.

The statement's amount is the sum of the paid-out column: what the month's
transfers paid out less what its reversals took back. It may be zero or
negative (a month with only reversals); the statement is issued all the
same, so the caregiver sees what was taken back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from uuid import UUID

from tailtribe.domain.model.documents import StatementLine, vat_split
from tailtribe.domain.model.ledger import LedgerEntry, Movement
from tailtribe.domain.model.time import BRUSSELS, local

# The movements a statement is made of.
STATED = frozenset({Movement.TRANSFER, Movement.REVERSAL})


def month_of(at: datetime) -> date:
    """The first day of the Brussels calendar month of an instant."""
    return local(at).date().replace(day=1)


def next_month(period: date) -> date:
    return date(period.year + period.month // 12, period.month % 12 + 1, 1)


def previous_month(period: date) -> date:
    return date(period.year - (period.month == 1), (period.month - 2) % 12 + 1, 1)


def month_bounds(period: date) -> tuple[datetime, datetime]:
    """The month in Brussels time, as instants: [its 1st 00:00, the next 1st 00:00)."""
    first = period.replace(day=1)
    return (
        datetime.combine(first, time(), BRUSSELS),
        datetime.combine(next_month(first), time(), BRUSSELS),
    )


def months_between(first: date, last: date) -> list[date]:
    """Every month from `first`'s to `last`'s, both included (first days)."""
    out, period = [], first.replace(day=1)
    while period <= last:
        out.append(period)
        period = next_month(period)
    return out


@dataclass(frozen=True, slots=True)
class StatedBooking:
    """A booking as a statement's lines show it."""

    service: str
    starts_at: datetime


def statement_lines(
    period: date,
    ledgers: Mapping[UUID, Sequence[LedgerEntry]],
    bookings: Mapping[UUID, StatedBooking],
    vat_rate_percent: int,
) -> tuple[StatementLine, ...]:
    """The lines of `period`'s statement from the whole ledger of each of the
    caregiver's bookings with a transfer or reversal in it; in the order of
    the entries (time, then id)."""
    start, end = month_bounds(period)
    lines: list[tuple[datetime, UUID, StatementLine]] = []
    for booking_id, entries in ledgers.items():
        facts = bookings[booking_id]
        for entry in entries:
            if entry.movement not in STATED or not start <= entry.occurred_at < end:
                continue
            if entry.movement is Movement.TRANSFER:
                line = _payout(entry, entries, facts, vat_rate_percent)
            else:
                line = _reversal(entry, entries, facts, vat_rate_percent)
            lines.append((entry.occurred_at, entry.id, line))
    lines.sort(key=lambda x: (x[0], x[1]))
    return tuple(line for _, _, line in lines)


def _at(entries: Iterable[LedgerEntry], movement: Movement, at: datetime) -> int:
    """What moved as `movement` at the very instant `at` (a payout's
    commission, a reversal's commission return)."""
    return sum(e.amount_cents for e in entries if e.movement is movement and e.occurred_at == at)


def _payout(
    transfer: LedgerEntry, entries: Sequence[LedgerEntry], facts: StatedBooking, rate: int
) -> StatementLine:
    before = [e for e in entries if e.occurred_at <= transfer.occurred_at]
    paid = sum(
        e.amount_cents
        for e in before
        if e.movement in (Movement.CAPTURE, Movement.IMMEDIATE_CAPTURE)
    )
    refunded = sum(e.amount_cents for e in before if e.movement is Movement.REFUND)
    commission = _at(entries, Movement.COMMISSION, transfer.occurred_at)
    return StatementLine(
        booking_id=transfer.booking_id,
        service=facts.service,
        starts_at=facts.starts_at,
        paid_at=transfer.occurred_at,
        gross_cents=paid - refunded,
        commission_cents=commission,
        vat_cents=vat_split(commission, rate)[1],
        paid_out_cents=transfer.amount_cents,
    )


def _reversal(
    reversal: LedgerEntry, entries: Sequence[LedgerEntry], facts: StatedBooking, rate: int
) -> StatementLine:
    returned = _at(entries, Movement.COMMISSION_RETURN, reversal.occurred_at)
    return StatementLine(
        booking_id=reversal.booking_id,
        service=facts.service,
        starts_at=facts.starts_at,
        paid_at=reversal.occurred_at,
        gross_cents=-(reversal.amount_cents + returned),
        commission_cents=-returned,
        vat_cents=-vat_split(returned, rate)[1],
        paid_out_cents=-reversal.amount_cents,
    )
