"""Migration 0008 rebuilds the ledger of bookings whose money moved before it existed.

Bookings are taken through the money flow on the current schema; the ledger is
then dropped (downgrade to 0007) and rebuilt from the bookings (upgrade): each
rebuilt ledger must balance and agree with its booking, as the live one did.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailtribe.adapters.sqlalchemy.database import downgrade, upgrade
from tests.conftest import in_thread
from tests.factories import marketplace, next_monday, requested_walk
from tests.support import Api, payment_event


async def _at(api: Api, moment: Any) -> dict[str, int]:
    assert (
        await api.client.put("/api/v1/test/clock", json={"now": moment.isoformat()})
    ).status_code == 200
    ran: dict[str, int] = (await api.client.post("/api/v1/test/run-due-jobs")).json()["ran"]
    return ran


async def test_the_migration_rebuilds_balanced_ledgers(api: Api) -> None:
    profile, caregiver, owner, admin, pet = await marketplace(api)
    c = api.client

    async def book(hour: int, weeks: int = 1) -> dict[str, Any]:
        return await requested_walk(api, profile, pet, owner, next_monday(hour, weeks))

    refunded = await book(10)
    await api.authorize_and_accept(refunded, caregiver)
    response = await c.post(
        f"/api/v1/admin/bookings/{refunded['id']}/refund",
        json={"amount_cents": 500, "reason": "late walker"},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    unpaid = await book(14)  # cancelled before any payment: no money moved
    assert (
        await c.post(f"/api/v1/bookings/{unpaid['id']}/cancel", headers=owner)
    ).status_code == 200
    reversed_ = await book(12)
    await api.authorize_and_accept(reversed_, caregiver)
    end = next_monday(13)
    # Both accepted walks end and are paid out (the refunded one its kept share).
    assert (await _at(api, end + timedelta(minutes=1)))["bookings.complete"] == 2
    assert (await _at(api, end + timedelta(hours=49)))["payments.payouts"] == 2
    response = await c.post(
        f"/api/v1/admin/bookings/{reversed_['id']}/refund",
        json={"amount_cents": 700, "reason": "the walk was short"},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    assert response.json()["payout_status"] == "reversed"
    late = await book(9, weeks=3)  # the owner cancels a minute before: half is kept
    await api.authorize_and_accept(late, caregiver)
    await _at(api, next_monday(9, weeks=3) - timedelta(minutes=1))
    cancelled = await c.post(f"/api/v1/bookings/{late['id']}/cancel", headers=owner)
    assert cancelled.json()["payout_status"] == "scheduled"
    held = await book(8, weeks=4)  # still held on the card when the ledger is rebuilt
    pi, total = held["payment"]["payment_intent_id"], held["price"]["total"]["amount_cents"]
    event = payment_event("payment_intent.amount_capturable_updated", pi, total)
    assert await api.webhook(event) == 200

    async def ledgers() -> dict[str, dict[str, Any]]:
        out = {}
        for b in (held, refunded, reversed_, unpaid, late):
            response = await c.get(f"/api/v1/admin/ledger/{b['id']}", headers=admin)
            assert response.status_code == 200, response.text
            out[b["id"]] = response.json()
        return out

    live = await ledgers()
    assert all(ledger["balanced"] for ledger in live.values()), live
    assert [e["movement"] for e in live[reversed_["id"]]["entries"]] == [
        "authorization",
        "capture",
        "commission",
        "transfer",
        "reversal",
        "commission_return",
        "refund",
    ]

    url = api.settings.direct_url
    in_thread(lambda: downgrade(url, "0007"))
    # Before 0008 a late cancellation was never paid out: the migration schedules it.
    factory = await api.container.get(async_sessionmaker[AsyncSession])
    async with factory() as session:
        await session.execute(
            text(
                "UPDATE booking SET payout_status = 'none', dispute_deadline = NULL WHERE id = :id"
            ),
            {"id": UUID(late["id"])},
        )
        await session.commit()
    in_thread(lambda: upgrade(url))
    again = await c.get(f"/api/v1/bookings/{late['id']}", headers=owner)
    assert again.json()["payout_status"] == "scheduled"
    assert again.json()["payout_not_before"] is not None

    rebuilt = await ledgers()
    for booking_id, ledger in rebuilt.items():
        assert ledger["balanced"], (booking_id, ledger["problems"])
        assert ledger["balances"] == live[booking_id]["balances"]
        assert {e["reference"] for e in ledger["entries"]} <= {"migrated"}
    assert rebuilt[unpaid["id"]]["entries"] == []
    assert [e["movement"] for e in rebuilt[held["id"]]["entries"]] == ["authorization"]
