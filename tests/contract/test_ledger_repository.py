"""The ledger's reads for DAC7, alike on memory, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from tailtribe.domain.model.dac7 import SellerMovement, year_bounds
from tailtribe.domain.model.ledger import LedgerEntry, Movement
from tests.contract.conftest import UowFactory
from tests.factories import completed_walk


async def test_seller_movements_are_the_years_seller_entries_with_their_caregiver(
    make_uow: UowFactory,
) -> None:
    walk = completed_walk()
    start, end = year_bounds(2027)
    second = timedelta(seconds=1)

    def entry(movement: Movement, cents: int, at: object) -> LedgerEntry:
        return LedgerEntry(uuid4(), walk.booking.id, movement, cents, at)  # type: ignore[arg-type]

    entries = [
        entry(Movement.TRANSFER, 100, start - second),  # the year before
        entry(Movement.TRANSFER, 1200, start),
        entry(Movement.COMMISSION, 300, start),
        entry(Movement.CAPTURE, 1500, start + second),  # not the seller's money
        entry(Movement.REVERSAL, 400, end - second),
        entry(Movement.COMMISSION_RETURN, 100, end - second),
        entry(Movement.TRANSFER, 7, end),  # the year after
    ]
    async with make_uow() as uow:
        await walk.store(uow)
        await uow.ledger.add(entries)
        await uow.commit()
    async with make_uow() as uow:
        found = await uow.ledger.seller_movements(start, end)
    cid, bid = walk.caregiver.id, walk.booking.id
    assert sorted(found, key=lambda m: (m.occurred_at, m.movement)) == [
        SellerMovement(cid, bid, Movement.COMMISSION, 300, start),
        SellerMovement(cid, bid, Movement.TRANSFER, 1200, start),
        SellerMovement(cid, bid, Movement.COMMISSION_RETURN, 100, end - second),
        SellerMovement(cid, bid, Movement.REVERSAL, 400, end - second),
    ]
    assert all(m.occurred_at.utcoffset() is not None for m in found)
