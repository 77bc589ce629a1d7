"""Reading the ledger, and reconciling it with the payment provider."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from tailtribe.domain.errors import NotFound, PaymentProviderError
from tailtribe.domain.model.bookings import Booking
from tailtribe.domain.model.ledger import (
    Account,
    LedgerEntry,
    Movement,
    balances,
    captured,
    problems,
    totals,
)
from tailtribe.domain.ports.payments import PaymentGateway
from tailtribe.domain.ports.storage import UnitOfWork

PAGE = 200


@dataclass(frozen=True, slots=True)
class BookingLedger:
    booking: Booking
    entries: Sequence[LedgerEntry]
    balances: dict[Account, int]
    problems: Sequence[str]  # empty when it balances and agrees with the booking


class ReadLedger:
    """A booking's entries, what each account holds, and whether it all agrees."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, booking_id: UUID) -> BookingLedger:
        async with self._uow as uow:
            booking = await uow.bookings.get(booking_id)
            if booking is None:
                raise NotFound("no such booking")
            entries = await uow.ledger.for_booking(booking_id)
        return BookingLedger(
            booking, entries, balances(entries), problems(entries, booking.expected_ledger())
        )


@dataclass(frozen=True, slots=True)
class Mismatch:
    booking_id: UUID
    what: str


class Reconcile:
    """Compare every booking's ledger with the booking and with Stripe.

    For each booking with a movement since `since`: the ledger must balance
    and agree with the booking, and the captured, refunded, transferred and
    reversed totals (and the fee, when known) must be Stripe's.
    """

    def __init__(self, uow: UnitOfWork, gateway: PaymentGateway) -> None:
        self._uow, self._gateway = uow, gateway

    async def __call__(
        self, since: datetime | None, with_provider: bool = True
    ) -> tuple[int, list[Mismatch]]:
        """Returns how many bookings were compared, and the mismatches.

        Without the provider only the ledgers and the bookings are compared
        (a simulated gateway remembers nothing from another process)."""
        checked, found, offset = 0, [], 0
        while True:
            async with self._uow as uow:
                page = await uow.ledger.bookings_since(since, PAGE, offset)
            for booking_id in page.items:
                found += [
                    Mismatch(booking_id, w) for w in await self._one(booking_id, with_provider)
                ]
                checked += 1
            offset += PAGE
            if offset >= page.total:
                return checked, found

    async def _one(self, booking_id: UUID, with_provider: bool) -> list[str]:
        async with self._uow as uow:
            booking = await uow.bookings.get(booking_id)
            entries = await uow.ledger.for_booking(booking_id)
        if booking is None:
            return ["the ledger names a booking that does not exist"]
        out = problems(entries, booking.expected_ledger())
        if booking.payment.intent_id is None or not with_provider:
            return out
        try:
            record = await self._gateway.record(booking.payment.intent_id, booking.id)
        except PaymentProviderError as exc:
            return [*out, f"Stripe could not be asked: {exc.detail}"]
        moved = totals(entries)
        compared = {
            "captured": (captured(moved), record.captured_cents),
            "refunded": (moved[Movement.REFUND], record.refunded_cents),
            "transferred": (moved[Movement.TRANSFER], record.transferred_cents),
            "reversed": (moved[Movement.REVERSAL], record.reversed_cents),
        }
        if record.fee_cents is not None:
            compared["fee"] = (moved[Movement.STRIPE_FEE], record.fee_cents)
        for name, (ours, theirs) in compared.items():
            if ours != theirs:
                out.append(f"{name}: the ledger has {ours}, Stripe {theirs}")
        return out
