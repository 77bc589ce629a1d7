"""Payouts on PostgreSQL: never twice, whatever runs at once or crashes.

Workers are containers on the test database; Stripe is the local stand-in
behind the real adapter (or the simulated gateway, where said). A crash is a
gateway wrapper, put in place by overriding the PaymentGateway provider,
that lets Stripe make the transfer and then fails the caller.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from uuid import UUID

import pytest
from dishka import AsyncContainer, Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailtribe.adapters.simulated.payment_gateway import SimulatedPaymentGateway
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.adapters.stripe.payment_gateway import StripePaymentGateway, make_stripe_client
from tailtribe.adapters.system.clock import SettableClock
from tailtribe.config import Environment, Settings
from tailtribe.domain.errors import PaymentProviderError
from tailtribe.domain.model.booking_payout import PAYOUT_FIRST_RETRY, PayoutStatus
from tailtribe.domain.model.bookings import Booking, BookingStatus
from tailtribe.domain.model.ledger import LedgerEntry, Movement
from tailtribe.domain.ports.payments import PaymentGateway
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.services.outbox import Outbox
from tailtribe.domain.services.payments.ledger import ReadLedger, Reconcile
from tailtribe.domain.services.payments.payouts import PayOutDue
from tailtribe.ioc import make_container
from tests.conftest import empty_database
from tests.factories import booked_walk
from tests.stripe_standin import API_KEY, StripeStandIn, stripe_standin

WINDOW = timedelta(hours=48)


@pytest.fixture
async def standin() -> AsyncIterator[StripeStandIn]:
    async with stripe_standin() as running:
        yield running


@pytest.fixture
async def settings(pg_url: str, standin: StripeStandIn) -> Settings:
    """Test mode (a clock the test moves) on empty tables, Stripe at the stand-in."""
    await (await empty_database(pg_url)).get_engine().dispose()
    return Settings(
        env=Environment.TEST,
        database_url=pg_url,
        stripe_secret_key=API_KEY,
        stripe_api_base=standin.url,
    )


class GatewayOverride(Provider):
    """The container's PaymentGateway, replaced."""

    scope = Scope.APP

    def __init__(self, gateway: object) -> None:
        super().__init__()
        self._gateway = gateway

    @provide
    def gateway(self) -> PaymentGateway:
        return cast(PaymentGateway, self._gateway)


class WorkerDied(Exception):
    """The process stopped between Stripe's answer and the commit."""


class CrashAfterTransfer:
    """A gateway whose first transfer is made at Stripe, then its caller fails:
    the worker died (`WorkerDied`: nothing is committed) or Stripe's answer
    was lost on the way back (a PaymentProviderError, as a timeout is)."""

    def __init__(self, inner: PaymentGateway, failure: type[Exception]) -> None:
        self._inner = inner
        self._failure = failure
        self.made: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def transfer(
        self,
        account_id: str,
        amount_cents: int,
        booking_id: UUID,
        source_charge_id: str | None,
        idempotency_key: str,
    ) -> str:
        made = await self._inner.transfer(
            account_id, amount_cents, booking_id, source_charge_id, idempotency_key
        )
        if not self.made:
            self.made.append(made)
            raise self._failure(f"no answer for transfer {made}")
        self.made.append(made)
        return made


@dataclass(frozen=True)
class Settled:
    booking_id: UUID
    payable_at: datetime  # the end of its dispute window
    charge_id: str | None
    account_id: str


async def settled_booking(
    container: AsyncContainer, gateway: PaymentGateway, standin: StripeStandIn | None
) -> Settled:
    """A 15 EUR walk, captured at the gateway, done; its dispute window is over."""
    created = datetime.now(UTC).replace(microsecond=0) - timedelta(days=10)
    start = created + timedelta(days=1)
    walk = booked_walk(created, start)
    caregiver, booking = walk.caregiver, walk.booking
    account = await gateway.create_connected_account(walk.carer.email, f"caregiver:{caregiver.id}")
    if standin is not None:
        await standin.set_payouts_enabled(account)
    caregiver.connect_payout_account(account)
    intent = await gateway.create_payment_intent(booking.id, 1500, f"booking:{booking.id}:pi")
    booking.attach_payment(intent.id, intent.client_secret)
    if standin is not None:
        await standin.confirm(intent.id)
    booking.authorize(created + timedelta(minutes=1), 1500)
    booking.accept(created + timedelta(minutes=2))
    capture = await gateway.capture(intent.id, f"booking:{booking.id}:capture")
    booking.record_capture(created + timedelta(minutes=2), capture.charge_id, capture.fee_cents)
    booking.start_service(booking.start)
    booking.complete(booking.end, WINDOW)
    assert booking.dispute.deadline is not None

    factory = await container.get(async_sessionmaker[AsyncSession])
    outbox = await container.get(Outbox)
    async with SqlUnitOfWork(factory) as uow:
        await walk.store(uow)
        await outbox.publish(uow, [booking])  # its ledger entries
        await uow.commit()
    return Settled(booking.id, booking.dispute.deadline, capture.charge_id, account)


async def set_clock(moment: datetime, *containers: AsyncContainer) -> None:
    for container in containers:
        (await container.get(SettableClock)).set(moment)


async def pay_out(container: AsyncContainer) -> int:
    """One run of the scheduled payout job, as a worker runs it."""
    async with container() as scope:
        return await (await scope.get(PayOutDue))()


async def stored(container: AsyncContainer, booking_id: UUID) -> Booking:
    async with container() as scope:
        uow: UnitOfWork = await scope.get(UnitOfWork)
        async with uow:
            booking = await uow.bookings.get(booking_id)
    assert booking is not None
    return booking


async def entries(container: AsyncContainer, booking_id: UUID) -> list[LedgerEntry]:
    async with container() as scope:
        ledger = await (await scope.get(ReadLedger))(booking_id)
    assert ledger.problems == [], ledger.problems  # balanced, and agrees with the booking
    return list(ledger.entries)


def transfers_at(standin: StripeStandIn, booking_id: UUID) -> list[dict[str, Any]]:
    return [t for t in standin.state.transfers.values() if t["transfer_group"] == str(booking_id)]


def transfer_posts(standin: StripeStandIn) -> list[str | None]:
    return [
        r.idempotency_key
        for r in standin.requests
        if (r.method, r.path) == ("POST", "/v1/transfers")
    ]


@pytest.mark.parametrize("workers", [1, 2], ids=["one-worker", "two-workers"])
async def test_payout_runs_started_at_once_pay_each_booking_once(
    settings: Settings, standin: StripeStandIn, workers: int
) -> None:
    containers = [make_container(settings) for _ in range(workers)]
    try:
        gateway = await containers[0].get(PaymentGateway)
        assert isinstance(gateway, StripePaymentGateway)  # the real adapter, on the stand-in
        settled = [await settled_booking(containers[0], gateway, standin) for _ in range(3)]
        due = max(s.payable_at for s in settled)
        await set_clock(due, *containers)

        runs = [containers[i % workers] for i in range(6)]
        paid = await asyncio.gather(*(pay_out(c) for c in runs))

        assert sum(paid) == 3, paid
        assert len(transfer_posts(standin)) == 3  # one request per booking, no retries
        for s in settled:
            [transfer] = transfers_at(standin, s.booking_id)
            assert transfer["amount"] == 1200
            assert transfer["destination"] == s.account_id
            assert transfer["source_transaction"] == s.charge_id
            booking = await stored(containers[-1], s.booking_id)
            assert booking.payout.status is PayoutStatus.PAID
            assert (booking.payout.transfer_id, booking.payout.paid_out_cents) == (
                transfer["id"],
                1200,
            )
            assert booking.payout.attempts == 1
            moved = await entries(containers[-1], s.booking_id)
            assert [
                (e.amount_cents, e.reference) for e in moved if e.movement is Movement.TRANSFER
            ] == [(1200, transfer["id"])]

        # Later runs, after any backoff, find nothing more to pay.
        await set_clock(due + timedelta(days=1), *containers)
        assert await asyncio.gather(*(pay_out(c) for c in runs)) == [0] * len(runs)
        assert len(transfer_posts(standin)) == 3
        async with containers[0]() as scope:
            assert await (await scope.get(Reconcile))(None) == (3, [])
    finally:
        for container in containers:
            await container.close()


@pytest.mark.parametrize("provider", ["stripe", "simulated"])
async def test_a_transfer_whose_commit_was_lost_is_found_and_recorded_not_repeated(
    settings: Settings, standin: StripeStandIn, provider: str
) -> None:
    inner: PaymentGateway
    if provider == "stripe":
        inner = StripePaymentGateway(make_stripe_client(API_KEY, standin.url))
    else:
        inner = SimulatedPaymentGateway()
    crashing = CrashAfterTransfer(inner, WorkerDied)
    container = make_container(settings, GatewayOverride(crashing))
    try:
        on_stripe = standin if provider == "stripe" else None
        settled = await settled_booking(container, inner, on_stripe)
        first = settled.payable_at + timedelta(minutes=1)
        await set_clock(first, container)

        assert await pay_out(container) == 0  # the worker "died" after Stripe's transfer
        [made] = crashing.made
        found = await inner.find_transfer(settled.booking_id)
        assert found is not None and (found.id, found.amount_cents) == (made, 1200)
        booking = await stored(container, settled.booking_id)
        assert booking.payout.status is PayoutStatus.SCHEDULED
        assert (booking.payout.attempts, booking.payout.transfer_id) == (1, None)
        assert booking.payout.retry_at == first + PAYOUT_FIRST_RETRY
        assert Movement.TRANSFER not in {e.movement for e in await entries(container, booking.id)}

        # Not before the backoff; then the transfer is found, not made again.
        await set_clock(first + PAYOUT_FIRST_RETRY - timedelta(seconds=1), container)
        assert await pay_out(container) == 0
        assert (await stored(container, settled.booking_id)).payout.attempts == 1
        await set_clock(first + PAYOUT_FIRST_RETRY, container)
        assert await pay_out(container) == 1

        assert crashing.made == [made]  # no second transfer was asked for
        again = await inner.find_transfer(settled.booking_id)
        assert again is not None and again.id == made
        if on_stripe is not None:
            assert [t["id"] for t in transfers_at(standin, settled.booking_id)] == [made]
            assert len(transfer_posts(standin)) == 1
        booking = await stored(container, settled.booking_id)
        assert booking.status is BookingStatus.COMPLETED
        assert booking.payout.status is PayoutStatus.PAID
        assert (
            booking.payout.transfer_id,
            booking.payout.paid_out_cents,
            booking.payout.attempts,
        ) == (
            made,
            1200,
            2,
        )
        moved = await entries(container, booking.id)
        assert [
            (e.amount_cents, e.reference) for e in moved if e.movement is Movement.TRANSFER
        ] == [(1200, made)]
        assert [e.amount_cents for e in moved if e.movement is Movement.COMMISSION] == [300]
        async with container() as scope:
            assert await (await scope.get(Reconcile))(None) == (1, [])
    finally:
        await container.close()
        if isinstance(inner, StripePaymentGateway):
            await inner.aclose()


@pytest.mark.parametrize(
    "failure", [WorkerDied, PaymentProviderError], ids=["worker-died", "answer-lost"]
)
async def test_a_lost_transfer_is_found_even_once_stripe_forgot_the_idempotency_key(
    settings: Settings, standin: StripeStandIn, failure: type[Exception]
) -> None:
    """Stripe keeps idempotency keys for a day or so: a retry after that, by
    another worker, must still find the transfer rather than make another."""
    inner = StripePaymentGateway(make_stripe_client(API_KEY, standin.url))
    crashing = CrashAfterTransfer(inner, failure)
    crashed = make_container(settings, GatewayOverride(crashing))
    try:
        settled = await settled_booking(crashed, inner, standin)
        first = settled.payable_at + timedelta(minutes=1)
        await set_clock(first, crashed)
        assert await pay_out(crashed) == 0
        [made] = crashing.made
        booking = await stored(crashed, settled.booking_id)
        assert booking.payout.status is PayoutStatus.SCHEDULED
        assert booking.payout.attempts == 1
    finally:
        await crashed.close()
        await inner.aclose()

    standin._idempotent.clear()  # Stripe pruned the keys
    later = make_container(settings)  # a fresh worker, the real adapter from the settings
    try:
        await set_clock(first + timedelta(days=2), later)
        assert await pay_out(later) == 1
        assert [t["id"] for t in transfers_at(standin, settled.booking_id)] == [made]
        assert len(transfer_posts(standin)) == 1
        booking = await stored(later, settled.booking_id)
        assert (booking.payout.status, booking.payout.transfer_id) == (PayoutStatus.PAID, made)
        moved = await entries(later, booking.id)
        assert [
            (e.amount_cents, e.reference) for e in moved if e.movement is Movement.TRANSFER
        ] == [(1200, made)]
        async with later() as scope:
            assert await (await scope.get(Reconcile))(None) == (1, [])
    finally:
        await later.close()
