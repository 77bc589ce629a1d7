"""Operational counts for monitoring: what /metrics exposes besides the
request counters, read from the database at scrape time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from tailtribe.domain.ports import Clock


@dataclass(frozen=True, slots=True)
class OperationsSnapshot:
    users: int = 0
    bookings_by_status: dict[str, int] = field(default_factory=dict)
    payments_authorized: int = 0  # payment events: the failure rate's denominator
    payments_failed: int = 0
    payouts_paid: int = 0
    payouts_paid_cents: int = 0
    payouts_held: int = 0  # waiting for an admin: a dispute, a chargeback, failed transfers
    webhooks_unprocessed: int = 0  # Stripe events stored over 5 minutes ago, not applied
    emails_sent: int = 0
    emails_failed: int = 0
    outbox_backlog: int = 0  # pending rows whose time has come
    outbox_oldest_due_seconds: float = 0.0
    db_connections: int | None = None  # PostgreSQL only
    db_max_connections: int | None = None


class OperationsStore(Protocol):
    async def snapshot(self, now: datetime) -> OperationsSnapshot: ...


class ReadOperations:
    def __init__(self, store: OperationsStore, clock: Clock) -> None:
        self._store, self._clock = store, clock

    async def __call__(self) -> OperationsSnapshot:
        return await self._store.snapshot(self._clock.now())
