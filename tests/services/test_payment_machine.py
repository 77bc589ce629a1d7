"""The payment use cases under random interleavings (docs/rules.md, "Payments",
"Cancellation and refunds").

A hypothesis state machine drives the real use cases (RequestBooking,
BookingLifecycle, RunDueBookingJobs, PayOutDue, ManageDisputes,
ReceivePaymentEvent, RetryPaymentEvents, Reconcile) over the memory unit of work,
a settable clock and the simulated gateway. Each example starts from an admin,
two approved caregivers with payout accounts and two owners with dogs, all made
by the use cases, and one to three bookings brought along the usual path
(requested, authorized, accepted, started, completed or paid out).

Any step that calls the gateway may be given a fault, on its first or second
gateway call:

- "down": Stripe refuses the call, nothing moves (PaymentProviderError);
- "crash_before": the worker dies before the call;
- "crash_after": the call is made at Stripe, then the worker dies before the
  commit (WorkerCrash, a BaseException that no `except Exception` swallows);
- "lost": the call is made at Stripe, then its answer is lost (a network
  error after the request arrived: PaymentProviderError).

Stripe tells what it did through webhooks: every call that moves money puts
the event Stripe would send into a pool (payment_intent.succeeded,
payment_intent.canceled, charge.refunded, transfer.created, transfer.reversed),
as do the owner's card (authorized, a wrong amount, refused), Stripe itself
(an authorization that lapses, a refund at its dashboard, applied to the
simulated gateway too, a bank's chargeback) and unknown types. Rules deliver
any event of the pool at any time: again, out of order, late.

A use case raising DomainError was refused; anything else but the injected
crash is a bug, and so is an exception a job logs and swallows unless it is a
PaymentProviderError. After every step, for every booking:

- the gateway holds at most one transfer for it; when the booking says it was
  paid, that transfer is the booking's and its amount is what the booking says
  was paid plus reversed;
- every transfer was made while the booking, as committed at that instant, was
  settled, scheduled and past its dispute deadline, and not inside the owner's
  window (completion or cancellation + 48 h) unless an admin had resolved the
  owner's dispute;
- refunds at the gateway never exceed its capture;
- the ledger (the committed entries) balances and agrees with the booking;
- a booking paid out kept - commission, commission = round_half_up(kept * rate);
- a request that ended before its capture had its PaymentIntent canceled;
- when the booking is not in doubt: the gateway's transfer agrees with it, and
  Reconcile finds no mismatch for it.

In doubt: a step was interrupted by a fault after a gateway call that moved the
booking's money had been made in that step (a crash or a lost answer after the
call, or any fault on a later call of the same step), and `recover` has not run
since; or Stripe refunded the booking at its dashboard and no charge.refunded
event applied since tells the total Stripe has refunded (each tells the
charge's total: a dashboard refund's event applied after a refund of ours looks
like ours, the next one tells all). `recover` is what the world does after such a
step: each interrupted command is run again as it was (same actor, same
arguments, at the current time), Stripe delivers every event not applied yet,
and then every stored event must be applied and Reconcile must find no mismatch
for any booking. It also runs at the end of every example left in doubt.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, Phase, note, settings
from hypothesis import event as statistic
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from tailtribe.adapters.security.second_factor import tax_details_box
from tailtribe.adapters.simulated.payment_gateway import SimulatedPaymentGateway
from tailtribe.adapters.stripe.events import StripeEvent, StripeEventDecoder
from tailtribe.domain.errors import DomainError, PaymentProviderError
from tailtribe.domain.model.availability import Availability, WeeklyWindow
from tailtribe.domain.model.booking_dispute import DisputeOutcome
from tailtribe.domain.model.booking_payout import PayoutStatus
from tailtribe.domain.model.bookings import Booking, BookingStatus
from tailtribe.domain.model.cancellation import CancellationPolicy
from tailtribe.domain.model.ledger import problems
from tailtribe.domain.model.money import CommissionRate
from tailtribe.domain.model.pets import PetDetails, Species
from tailtribe.domain.model.pricing import Service, ServicePrice
from tailtribe.domain.model.users import Locale
from tailtribe.domain.ports.payments import (
    Capture,
    OffSessionCharge,
    PaymentIntentRef,
    SetupIntentRef,
    TransferRef,
)
from tailtribe.domain.ports.storage import DueWork
from tailtribe.domain.services.accounts.create_admin import CreateAdmin
from tailtribe.domain.services.accounts.register import Register, RegisterUser
from tailtribe.domain.services.admin.review_caregivers import ReviewCaregivers, Verdict
from tailtribe.domain.services.audit import AuditTrail
from tailtribe.domain.services.bookings.lifecycle import BookingLifecycle
from tailtribe.domain.services.bookings.request import BookingRequest, RequestBooking
from tailtribe.domain.services.caregivers.manage_profile import ManageProfile
from tailtribe.domain.services.caregivers.payouts import StartPayoutOnboarding
from tailtribe.domain.services.jobs.run_due import RunDueBookingJobs
from tailtribe.domain.services.payments.apply_payment_events import (
    ReceivePaymentEvent,
    RetryPaymentEvents,
)
from tailtribe.domain.services.payments.disputes import ManageDisputes
from tailtribe.domain.services.payments.ledger import Reconcile
from tailtribe.domain.services.payments.payouts import PayOutDue
from tailtribe.domain.services.pets.manage_pets import ManagePets
from tailtribe.domain.services.terms import Actor, MarketplaceTerms
from tests.fakes.repositories import MemoryBookingRepository, MemoryLedgerRepository
from tests.fakes.unit_of_work import MemoryUnitOfWork
from tests.services.conftest import World

BRUSSELS = ZoneInfo("Europe/Brussels")
WINDOW = timedelta(hours=48)
PASSWORD = "long enough pw"
MAX_BOOKINGS = 4
S, PO = BookingStatus, PayoutStatus
SERVICES = (Service.DOG_WALKING, Service.DAY_CARE, Service.HOUSE_SITTING, Service.BOARDING)
EVERY_DAY = Availability(weekly=tuple(WeeklyWindow(d, time(0), time(23, 59)) for d in range(7)))
PROFILE = {
    "bio": "Calm, patient and at home all day with a fenced garden." * 2,
    "postcode": "1000",
    "latitude": 50.85,
    "longitude": 4.35,
    "accepted_species": frozenset({Species.DOG}),
    "max_pets": 2,
}
MONEY_VERBS = ("capture", "cancel", "refund", "transfer", "reverse_transfer")
FAULT_MODES = ("down", "crash_before", "crash_after", "lost")
# How a step's first or second gateway call fails; or none, half the time.
FAULT_ONLY = st.sampled_from([(mode, skip) for mode in FAULT_MODES for skip in (0, 1)])
FAULTS = st.one_of(st.none(), FAULT_ONLY)


class WorkerCrash(BaseException):
    """The worker died here: no handler runs, nothing uncommitted survives."""


REFUSED = object()
CRASHED = object()


def wall(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=BRUSSELS).astimezone(UTC)


def half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def slot(
    now: datetime, service: Service, day: int, hour: int, length: int
) -> tuple[datetime, datetime]:
    """A slot `day` local days from now, moved a day on while it would not be in the future."""
    local = now.astimezone(BRUSSELS).date() + timedelta(days=day)
    while True:
        if service is Service.DOG_WALKING:
            start = wall(local, time(hour, 30))
            end = start + timedelta(minutes=30 * length)
        elif service is Service.DAY_CARE:
            start = wall(local, time(8))
            end = wall(local + timedelta(days=length - 1), time(18))
        else:
            start = wall(local, time(hour))
            end = wall(local + timedelta(days=length), time(10))
        if start > now:
            return start, end
        local += timedelta(days=1)


@dataclass
class Fault:
    mode: str  # one of FAULT_MODES
    skip: int  # gateway calls of the step let through before this one fails


@dataclass(frozen=True)
class TransferMade:
    transfer_id: str
    booking_id: UUID
    at: datetime
    committed: Booking | None  # the booking as committed when Stripe made the transfer


@dataclass
class Pool:
    """Every event Stripe sent, in the order it sent them, and which concern which booking."""

    events: list[StripeEvent] = field(default_factory=list)
    booking_of: dict[str, UUID | None] = field(default_factory=dict)
    refunded_at_stripe: set[UUID] = field(default_factory=set)  # at its dashboard
    seq: int = 0

    def add(
        self, type_: str, created: datetime, data: dict[str, Any], booking_id: UUID | None
    ) -> StripeEvent:
        self.seq += 1
        event = StripeEvent.build(f"evt_{self.seq:05d}", type_, created, data)
        self.events.append(event)
        self.booking_of[event.id] = booking_id
        return event


class FaultyGateway:
    """The simulated gateway, with one fault armed at a time, the events Stripe
    would send for each call that moves money, and the instant of each transfer."""

    def __init__(self, inner: SimulatedPaymentGateway, world: World, pool: Pool) -> None:
        self.inner, self.world, self.pool = inner, world, pool
        self.armed: Fault | None = None
        self.fired: list[tuple[str, str, UUID | None]] = []
        self.in_doubt: set[UUID] = set()
        self.moved_in_step: set[UUID] = set()  # bookings a money call was made for in this step
        self.transfers: list[TransferMade] = []
        self.charges: dict[str, str] = {}

    # -- what Stripe holds --------------------------------------------------
    def intent(self, payment_intent_id: str | None) -> Any:
        return self.inner._state.intents.get(payment_intent_id or "")

    def transfers_of(self, booking_id: UUID) -> list[Any]:
        return [t for t in self.inner._state.transfers.values() if t.booking_id == booking_id]

    def _booking_of_intent(self, payment_intent_id: str) -> UUID | None:
        intent = self.intent(payment_intent_id)
        return None if intent is None else intent.booking_id

    def _emit(self, type_: str, data: dict[str, Any], booking_id: UUID | None) -> None:
        self.pool.add(type_, self.world.clock.now(), data, booking_id)

    async def _guard(
        self, verb: str, booking_id: UUID | None, call: Callable[[], Awaitable[Any]]
    ) -> Any:
        fault = self.armed
        if fault is not None and fault.skip > 0:
            fault.skip -= 1
            fault = None
        elif fault is not None:
            self.armed = None
            self.fired.append((fault.mode, verb, booking_id))
            note(f"fault {fault.mode} on {verb} for {booking_id}")
            # What the step's earlier calls moved is at Stripe, and will not be committed.
            self.in_doubt |= self.moved_in_step
        if fault is not None and fault.mode == "down":
            raise PaymentProviderError(f"Stripe is unreachable ({verb})")
        if fault is not None and fault.mode == "crash_before":
            raise WorkerCrash(f"before {verb}")
        result = await call()
        if booking_id is not None and verb in MONEY_VERBS:
            self.moved_in_step.add(booking_id)
        if fault is not None and fault.mode in ("crash_after", "lost"):
            if booking_id is not None and verb in MONEY_VERBS:
                self.in_doubt.add(booking_id)
            if fault.mode == "crash_after":
                raise WorkerCrash(f"after {verb}")
            raise PaymentProviderError(f"the answer to {verb} was lost")
        return result

    # -- calls that move nothing: passed through ------------------------------
    async def create_connected_account(self, email: str, idempotency_key: str) -> str:
        return await self.inner.create_connected_account(email, idempotency_key)

    async def onboarding_link(self, account_id: str, return_url: str, refresh_url: str) -> str:
        return await self.inner.onboarding_link(account_id, return_url, refresh_url)

    async def create_payment_intent(
        self, booking_id: UUID, amount_cents: int, idempotency_key: str
    ) -> PaymentIntentRef:
        return await self.inner.create_payment_intent(booking_id, amount_cents, idempotency_key)

    async def create_customer(self, owner_id: UUID, idempotency_key: str) -> str:
        return await self.inner.create_customer(owner_id, idempotency_key)

    async def create_setup_intent(
        self, customer_id: str, series_id: UUID, idempotency_key: str
    ) -> SetupIntentRef:
        return await self.inner.create_setup_intent(customer_id, series_id, idempotency_key)

    async def charge_off_session(
        self,
        booking_id: UUID,
        amount_cents: int,
        customer_id: str,
        payment_method_id: str,
        idempotency_key: str,
    ) -> OffSessionCharge:
        return await self.inner.charge_off_session(
            booking_id, amount_cents, customer_id, payment_method_id, idempotency_key
        )

    async def record(self, payment_intent_id: str, booking_id: UUID) -> Any:
        return await self.inner.record(payment_intent_id, booking_id)

    # -- calls that move money --------------------------------------------------
    async def capture(self, payment_intent_id: str, idempotency_key: str) -> Capture:
        booking_id = self._booking_of_intent(payment_intent_id)

        async def call() -> Capture:
            intent = self.intent(payment_intent_id)
            was = intent.captured_cents if intent else 0
            captured = await self.inner.capture(payment_intent_id, idempotency_key)
            if not was and captured.charge_id:
                self.charges[payment_intent_id] = captured.charge_id
                data = {
                    "id": payment_intent_id,
                    "object": "payment_intent",
                    "status": "succeeded",
                    "amount_received": intent.captured_cents,
                    "latest_charge": captured.charge_id,
                }
                self._emit("payment_intent.succeeded", data, booking_id)
            return captured

        result: Capture = await self._guard("capture", booking_id, call)
        return result

    async def cancel(self, payment_intent_id: str, idempotency_key: str) -> None:
        booking_id = self._booking_of_intent(payment_intent_id)

        async def call() -> None:
            intent = self.intent(payment_intent_id)
            was = bool(intent and intent.canceled)
            await self.inner.cancel(payment_intent_id, idempotency_key)
            if not was and intent and intent.canceled:
                data = {"id": payment_intent_id, "object": "payment_intent", "status": "canceled"}
                self._emit("payment_intent.canceled", data, booking_id)

        await self._guard("cancel", booking_id, call)

    def refunded_event(self, payment_intent_id: str) -> dict[str, Any]:
        intent = self.intent(payment_intent_id)
        return {
            "id": self.charges.get(payment_intent_id, f"ch_of_{payment_intent_id}"),
            "object": "charge",
            "payment_intent": payment_intent_id,
            "amount": intent.captured_cents,
            "amount_refunded": intent.refunded_cents,
            "refunded": intent.refunded_cents == intent.captured_cents,
        }

    async def refund(self, payment_intent_id: str, amount_cents: int, idempotency_key: str) -> str:
        booking_id = self._booking_of_intent(payment_intent_id)

        async def call() -> str:
            intent = self.intent(payment_intent_id)
            was = intent.refunded_cents if intent else 0
            refund_id = await self.inner.refund(payment_intent_id, amount_cents, idempotency_key)
            if intent and intent.refunded_cents != was:
                self._emit("charge.refunded", self.refunded_event(payment_intent_id), booking_id)
            return refund_id

        result: str = await self._guard("refund", booking_id, call)
        return result

    async def transfer(
        self,
        account_id: str,
        amount_cents: int,
        booking_id: UUID,
        source_charge_id: str | None,
        idempotency_key: str,
    ) -> str:
        async def call() -> str:
            known = set(self.inner._state.transfers)
            transfer_id = await self.inner.transfer(
                account_id, amount_cents, booking_id, source_charge_id, idempotency_key
            )
            if transfer_id not in known:
                committed = self.world.uow.store.bookings.get(booking_id)
                self.transfers.append(
                    TransferMade(
                        transfer_id, booking_id, self.world.clock.now(), copy.deepcopy(committed)
                    )
                )
                data = {
                    "id": transfer_id,
                    "object": "transfer",
                    "amount": amount_cents,
                    "destination": account_id,
                    "transfer_group": str(booking_id),
                    "metadata": {"booking_id": str(booking_id)},
                    "amount_reversed": 0,
                }
                self._emit("transfer.created", data, booking_id)
            return transfer_id

        result: str = await self._guard("transfer", booking_id, call)
        return result

    async def find_transfer(self, booking_id: UUID) -> TransferRef | None:
        found: TransferRef | None = await self._guard(
            "find_transfer", booking_id, lambda: self.inner.find_transfer(booking_id)
        )
        return found

    async def reverse_transfer(
        self, transfer_id: str, amount_cents: int, idempotency_key: str
    ) -> str:
        transfer = self.inner._state.transfers.get(transfer_id)
        booking_id = None if transfer is None else transfer.booking_id

        async def call() -> str:
            was = transfer.reversed_cents if transfer else 0
            reversal = await self.inner.reverse_transfer(transfer_id, amount_cents, idempotency_key)
            if transfer is not None and transfer.reversed_cents != was:
                data = {
                    "id": transfer_id,
                    "object": "transfer",
                    "amount": transfer.amount_cents,
                    "amount_reversed": transfer.reversed_cents,
                    "transfer_group": str(booking_id),
                    "metadata": {"booking_id": str(booking_id)},
                }
                self._emit("transfer.reversed", data, booking_id)
            return reversal

        result: str = await self._guard("reverse_transfer", booking_id, call)
        return result


class SwallowedErrors(logging.Handler):
    """Exceptions the jobs catch and log instead of raising."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: list[BaseException] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.errors.append(record.exc_info[1])


class CommittedReads:
    """What the memory unit of work has committed, read without copying the whole store."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    async def __aenter__(self) -> CommittedReads:
        self.bookings = MemoryBookingRepository(self._uow.store)
        self.ledger = MemoryLedgerRepository(self._uow.store)
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


Parties = tuple[World, dict[UUID, Actor], list[tuple[Actor, tuple[UUID, ...]]], Actor]
_template: list[Parties] = []


def template() -> Parties:
    """An admin, two approved caregivers with payout accounts, two owners with two
    dogs each, all made by the use cases once; each example starts from a copy."""
    if not _template:
        loop = asyncio.new_event_loop()
        try:
            _template.append(loop.run_until_complete(_populate(World())))
        finally:
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()
    return _template[0]


async def _populate(w: World) -> Parties:
    def actor(user_id: UUID) -> Actor:
        return Actor(user_id, frozenset(w.uow.store.users[user_id].roles))

    register = RegisterUser(w.uow, w.hasher, w.tokens, w.ids, w.clock, w.outbox, w.email_cap)
    create_admin = CreateAdmin(w.uow, w.hasher, w.ids, w.clock, w.security)
    admin, _ = await create_admin("admin@example.be", PASSWORD)
    profiles = ManageProfile(w.uow, w.outbox, w.ids, w.clock, w.cache)
    review = ReviewCaregivers(w.uow, w.outbox, w.clock, AuditTrail(w.uow, w.ids, w.clock))
    onboarding = StartPayoutOnboarding(w.uow, w.gateway, "https://app.example")
    handle = ReceivePaymentEvent(w.uow, w.gateway, w.outbox, w.clock, StripeEventDecoder())
    caregivers: dict[UUID, Actor] = {}
    for i in range(2):
        user = await register(Register(f"cg{i}@example.be", PASSWORD, f"Carer {i}", Locale.NL))
        await profiles.create(user.id, PROFILE)
        await profiles.set_services(user.id, tuple(ServicePrice(s, 2_500) for s in SERVICES))
        await profiles.set_availability(user.id, EVERY_DAY)
        await profiles.submit(user.id)
        await onboarding(user.id)
        caregiver = await profiles.get(user.id)
        data = {"id": caregiver.stripe_account_id, "payouts_enabled": True}
        event = StripeEvent.build(f"evt_setup_{i}", "account.updated", w.clock.now(), data)
        await handle(event.received())
        await review.decide(admin.id, caregiver.id, Verdict.APPROVE, "documents checked")
        caregivers[caregiver.id] = actor(user.id)
    assert all(c.payouts_enabled for c in w.uow.store.caregivers.values())
    owners = []
    pets = ManagePets(w.uow, w.ids, w.clock)
    for i in range(2):
        user = await register(Register(f"owner{i}@example.be", PASSWORD, f"O{i}", Locale.NL))
        dogs = [await pets.create(user.id, PetDetails(f"Dog {i}{j}", Species.DOG)) for j in (0, 1)]
        owners.append((actor(user.id), tuple(d.id for d in dogs)))
    return w, caregivers, owners, actor(admin.id)


# How far along the usual path a booking starts (each step one `advance`).
STAGES = ["requested", "authorized", "accepted", "in_progress", "completed", "paid"]
SLOTS = st.fixed_dictionaries(
    {
        "owner": st.integers(0, 1),
        "carer": st.integers(0, 1),
        "service": st.sampled_from(SERVICES),
        "day": st.integers(0, 9),
        "hour": st.integers(6, 20),
        "length": st.integers(1, 3),
        "pets": st.integers(1, 2),
    }
)

AMOUNT_KINDS = st.sampled_from(["all", "half", "one", "too_much", "zero"])


def amount_of(kind: str, remaining: int) -> int:
    return {
        "all": remaining,
        "half": remaining // 2,
        "one": 1,
        "too_much": remaining + 1,
        "zero": 0,
    }[kind]


class PaymentMachine(RuleBasedStateMachine):
    bookings = Bundle("bookings")

    # -- the world -------------------------------------------------------------

    @initialize(
        target=bookings,
        percent=st.sampled_from(["20", "17.5", "0", "100", "33.33"]),
        policies=st.tuples(*[st.sampled_from(list(CancellationPolicy))] * 2),
        prices=st.tuples(*[st.sampled_from([100, 999, 2_500, 4_001])] * 2),
        extra=st.sampled_from([0, 1, 333]),
        head_starts=st.lists(
            st.tuples(st.sampled_from(STAGES), SLOTS, FAULTS), min_size=1, max_size=3
        ),
    )
    def world(
        self,
        percent: str,
        policies: tuple[CancellationPolicy, ...],
        prices: tuple[int, ...],
        extra: int,
        head_starts: list[tuple[str, dict[str, Any], tuple[str, int] | None]],
    ) -> Any:
        self.w, self.caregivers, self.owners, self.admin = copy.deepcopy(template())
        self.caregiver_ids = list(self.caregivers)
        self.percent = Decimal(percent)
        self.terms = MarketplaceTerms(CommissionRate(self.percent), WINDOW)
        self.pool = Pool()
        self.sim = self.w.gateway
        self.gw = FaultyGateway(self.sim, self.w, self.pool)
        w, gw = self.w, self.gw
        self.handle = ReceivePaymentEvent(w.uow, gw, w.outbox, w.clock, StripeEventDecoder())
        self.retry = RetryPaymentEvents(w.uow, self.handle, w.clock)
        self.requests = RequestBooking(w.uow, gw, self.terms, w.outbox, w.ids, w.clock)
        self.lifecycle = BookingLifecycle(w.uow, gw, self.terms, w.outbox, w.clock)
        self.jobs = RunDueBookingJobs(w.uow, gw, self.terms, w.outbox, w.clock)
        self.payouts = PayOutDue(w.uow, gw, w.outbox, w.clock, tax_details_box("test-key"))
        self.disputes = ManageDisputes(
            w.uow, gw, w.outbox, w.clock, AuditTrail(w.uow, w.ids, w.clock)
        )
        self.admin_id = w.ids.new_id()
        # Reads what the unit of work committed; the plain gateway never fails.
        self.reconcile = Reconcile(CommittedReads(w.uow), self.sim)  # type: ignore[arg-type]
        self.swallowed = SwallowedErrors()
        logging.getLogger("tailtribe").addHandler(self.swallowed)
        self.booking_ids: list[UUID] = []
        self.sent: list[tuple[str, object]] = []
        self.relay_outbox()
        # Commands a fault interrupted, to be run again as they were.
        self.interrupted: list[tuple[str, Callable[[], Awaitable[Any]]]] = []
        self.window_end: dict[UUID, datetime] = {}
        self.heard: dict[UUID, datetime] = {}  # an admin resolved the owner's dispute then
        self.loop = asyncio.new_event_loop()  # the machine's one loop, closed in teardown
        self.loop.run_until_complete(self._terms_of_caregivers(policies, prices, extra))
        # The most advanced first: each later one is requested when the clock got there.
        order = sorted(head_starts, key=lambda h: -STAGES.index(h[0]))
        made = [self.head_start(*h) for h in order]
        return multiple(*[b for b in made if b is not None])

    async def _terms_of_caregivers(
        self, policies: tuple[CancellationPolicy, ...], prices: tuple[int, ...], extra: int
    ) -> None:
        w = self.w
        profiles = ManageProfile(w.uow, w.outbox, w.ids, w.clock, w.cache)
        for actor, policy, price in zip(self.caregivers.values(), policies, prices, strict=True):
            await profiles.edit(actor.user_id, {"cancellation_policy": policy})
            await profiles.set_services(
                actor.user_id, tuple(ServicePrice(s, price, extra) for s in SERVICES)
            )

    def head_start(
        self, stage: str, spec: dict[str, Any], fault: tuple[str, int] | None
    ) -> UUID | None:
        """A booking brought along the usual path to `stage` by the use cases; the
        last step's gateway call fails as `fault` says."""
        b = self.request_booking(**spec)
        if not isinstance(b, UUID):
            return None
        steps = STAGES.index(stage)
        for i in range(steps):
            self.advance(b, fault if i == steps - 1 else None)
        return b

    def actor(self, user_id: UUID) -> Actor:
        return Actor(user_id, frozenset(self.w.uow.store.users[user_id].roles))

    def teardown(self) -> None:
        loop = getattr(self, "loop", None)
        if loop is None:
            return
        try:
            if self.gw.in_doubt or self.interrupted:
                self.recover()
        finally:
            logging.getLogger("tailtribe").removeHandler(self.swallowed)
            loop.close()

    # -- helpers ---------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self.w.clock.now()

    def committed(self, booking_id: UUID) -> Booking:
        return self.w.uow.store.bookings[booking_id]

    def owner_of(self, booking_id: UUID) -> Actor:
        owner_id = self.committed(booking_id).owner_id
        return next(a for a, _ in self.owners if a.user_id == owner_id)

    def caregiver_of(self, booking_id: UUID) -> Actor:
        return self.caregivers[self.committed(booking_id).caregiver_id]

    def run(
        self,
        label: str,
        make: Callable[[], Awaitable[Any]],
        fault: tuple[str, int] | None = None,
    ) -> Any:
        """Run a use case on the machine's loop, a gateway call of it failing as
        `fault` says: refused, crashed, or its result. A command that failed
        because of the fault is kept to be run again, as people and jobs do."""
        self.gw.armed = None if fault is None else Fault(*fault)
        self.gw.moved_in_step = set()
        fired = len(self.gw.fired)
        result: Any = REFUSED
        try:
            result = self.loop.run_until_complete(make())
        except DomainError as exc:
            statistic(f"refused: {label}")
            note(f"{label} refused: {type(exc).__name__}: {exc}")
        except WorkerCrash as crash:
            statistic(f"crashed: {label}")
            note(f"{label} crashed {crash}")
            result = CRASHED
        else:
            statistic(f"done: {label}")
        finally:
            self.gw.armed = None
            self.relay_outbox()
        if result in (REFUSED, CRASHED) and len(self.gw.fired) > fired:
            self.interrupted.append((label, make))
        return result

    def relay_outbox(self) -> None:
        """The relay takes the committed messages away (the memory unit of work
        copies every row at every transaction): only their topics are kept."""
        for message in self.w.uow.outbox_rows.values():
            self.sent.append((message.topic, message.payload.get("booking_id")))
        self.w.uow.outbox_rows = {}

    def deliver_event(self, event: StripeEvent, fault: tuple[str, int] | None = None) -> None:
        note(f"deliver {event.id} {event.type} (created {event.created:%m-%d %H:%M:%S})")
        self.run(f"webhook {event.type}", lambda: self.handle(event.received()), fault)

    def emit(
        self, type_: str, data: dict[str, Any], booking_id: UUID | None, deliver: bool
    ) -> StripeEvent:
        event = self.pool.add(type_, self.now, data, booking_id)
        if deliver:
            self.deliver_event(event)
        return event

    def move_to(self, instant: datetime) -> None:
        if instant > self.now:
            self.w.clock.advance(instant - self.now)

    # -- bookings ------------------------------------------------------------------

    @precondition(lambda self: len(self.booking_ids) < MAX_BOOKINGS)
    @rule(
        target=bookings,
        owner=st.integers(0, 1),
        carer=st.integers(0, 1),
        service=st.sampled_from(SERVICES),
        day=st.integers(0, 9),
        hour=st.integers(6, 20),
        length=st.integers(1, 3),
        pets=st.integers(1, 2),
    )
    def request_booking(
        self, owner: int, carer: int, service: Service, day: int, hour: int, length: int, pets: int
    ) -> Any:
        actor, dogs = self.owners[owner]
        start, end = slot(self.now, service, day, hour, length)
        request = BookingRequest(self.caregiver_ids[carer], service, dogs[:pets], start, end)
        made = self.run("request", lambda: self.requests(actor.user_id, request))
        if made in (REFUSED, CRASHED):
            return multiple()
        self.booking_ids.append(made.booking.id)
        return made.booking.id

    @rule(b=bookings)
    def advance(self, b: UUID, fault: tuple[str, int] | None = None) -> None:
        """The next step of the usual path: the card is authorized, the caregiver
        accepts, the booking starts and ends, the window passes and it is paid out."""
        booking = self.committed(b)
        if booking.status is S.REQUESTED and booking.payment.status.value in ("pending", "failed"):
            self.owner_confirms_card(b, "authorized", deliver=True)
        elif booking.status is S.REQUESTED:
            self.accept(b, fault)
        elif booking.status is S.ACCEPTED:
            self.move_to(booking.start)
            self.due_booking_jobs(DueWork.START, fault)
        elif booking.status is S.IN_PROGRESS:
            self.move_to(booking.end)
            self.due_booking_jobs(DueWork.COMPLETE, fault)
        elif booking.payout.status is PO.SCHEDULED and booking.dispute.deadline is not None:
            self.move_to(max(booking.dispute.deadline, booking.payout.retry_at or self.now))
            self.pay_out_due(fault)

    @rule(b=bookings, fault=FAULT_ONLY)
    def advance_interrupted(self, b: UUID, fault: tuple[str, int]) -> None:
        """The next step of the usual path, a gateway call of it failing."""
        self.advance(b, fault)

    # -- the owner's card and Stripe itself --------------------------------------------

    @rule(
        b=bookings,
        outcome=st.sampled_from(["authorized", "authorized", "wrong_amount", "failed"]),
        deliver=st.booleans(),
    )
    def owner_confirms_card(self, b: UUID, outcome: str, deliver: bool) -> None:
        booking = self.committed(b)
        intent = self.gw.intent(booking.payment.intent_id)
        if intent is None or intent.canceled or intent.captured_cents:
            return  # Stripe sends nothing for a PaymentIntent that is over
        data: dict[str, Any] = {"id": booking.payment.intent_id, "object": "payment_intent"}
        if outcome == "failed":
            data["status"] = "requires_payment_method"
            self.emit("payment_intent.payment_failed", data, b, deliver)
            return
        amount = intent.amount_cents + (1 if outcome == "wrong_amount" else 0)
        data |= {"status": "requires_capture", "amount_capturable": amount}
        self.emit("payment_intent.amount_capturable_updated", data, b, deliver)

    @rule(b=bookings, deliver=st.booleans())
    def authorization_lapses(self, b: UUID, deliver: bool) -> None:
        """Stripe cancels an uncaptured PaymentIntent (seven days, or at its dashboard)."""
        pi = self.committed(b).payment.intent_id
        intent = self.gw.intent(pi)
        if pi is None or intent is None or intent.canceled or intent.captured_cents:
            return
        self.loop.run_until_complete(self.sim.cancel(pi, f"stripe-side-cancel:{pi}"))
        data = {"id": pi, "object": "payment_intent", "status": "canceled"}
        self.emit("payment_intent.canceled", data, b, deliver)

    @rule(b=bookings, kind=AMOUNT_KINDS, deliver=st.booleans())
    def refund_at_stripe_dashboard(self, b: UUID, kind: str, deliver: bool) -> None:
        pi = self.committed(b).payment.intent_id
        intent = self.gw.intent(pi)
        if pi is None or intent is None or not intent.captured_cents:
            return
        amount = amount_of(kind, intent.captured_cents - intent.refunded_cents)
        try:
            self.loop.run_until_complete(self.sim.refund(pi, amount, f"dashboard:{self.pool.seq}"))
        except PaymentProviderError:
            return  # Stripe's dashboard refuses it too
        self.pool.refunded_at_stripe.add(b)
        self.emit("charge.refunded", self.gw.refunded_event(pi), b, deliver)

    @rule(b=bookings, deliver=st.booleans())
    def bank_opens_chargeback(self, b: UUID, deliver: bool) -> None:
        pi = self.committed(b).payment.intent_id
        intent = self.gw.intent(pi)
        if pi is None or intent is None or not intent.captured_cents:
            return
        data = {
            "id": f"dp_{self.pool.seq}",
            "object": "dispute",
            "payment_intent": pi,
            "charge": self.gw.charges.get(pi),
            "amount": intent.captured_cents - intent.refunded_cents,
            "reason": "fraudulent",
        }
        self.emit("charge.dispute.created", data, b, deliver)

    @rule(
        type_=st.sampled_from(["customer.created", "charge.captured", "payout.paid", "ping"]),
        deliver=st.booleans(),
    )
    def unknown_event(self, type_: str, deliver: bool) -> None:
        self.emit(type_, {"id": f"obj_{self.pool.seq}", "object": "unknown"}, None, deliver)

    # -- deliveries: duplicated, reordered, late -----------------------------------------

    @precondition(lambda self: self.pool.events)
    @rule(i=st.integers(0, 10_000), fault=FAULTS)
    def deliver(self, i: int, fault: tuple[str, int] | None) -> None:
        self.deliver_event(self.pool.events[-1 - i % len(self.pool.events)], fault)

    @precondition(lambda self: self.pool.events)
    @rule(newest_first=st.booleans())
    def deliver_backlog(self, newest_first: bool) -> None:
        """Every event not applied yet, oldest or newest first."""
        stored = self.w.uow.store.webhook_events
        backlog = [
            e for e in self.pool.events if e.id not in stored or stored[e.id].processed_at is None
        ]
        for event in reversed(backlog) if newest_first else backlog:
            self.deliver_event(event)

    # -- scheduled jobs --------------------------------------------------------------------

    @rule(
        work=st.sampled_from([DueWork.EXPIRE, DueWork.START, DueWork.COMPLETE, DueWork.REMIND]),
        fault=FAULTS,
    )
    def due_booking_jobs(self, work: DueWork, fault: tuple[str, int] | None = None) -> None:
        self.run(f"job {work.value}", lambda: self.jobs(work), fault)

    @rule(fault=FAULTS)
    def pay_out_due(self, fault: tuple[str, int] | None = None) -> None:
        self.run("PayOutDue", self.payouts, fault)

    @rule(fault=FAULTS)
    def retry_stripe_events(self, fault: tuple[str, int] | None) -> None:
        self.run("RetryPaymentEvents", self.retry, fault)

    # -- the parties ---------------------------------------------------------------------

    @rule(b=bookings, fault=FAULTS)
    def accept(self, b: UUID, fault: tuple[str, int] | None = None) -> None:
        actor = self.caregiver_of(b)
        self.run("accept", lambda: self.lifecycle.accept(actor, b), fault)

    @rule(b=bookings, fault=FAULTS)
    def decline(self, b: UUID, fault: tuple[str, int] | None) -> None:
        actor = self.caregiver_of(b)
        self.run("decline", lambda: self.lifecycle.decline(actor, b), fault)

    @rule(
        b=bookings,
        who=st.sampled_from(["owner", "owner", "caregiver", "admin", "stranger"]),
        fault=FAULTS,
    )
    def cancel(self, b: UUID, who: str, fault: tuple[str, int] | None) -> None:
        owner = self.owner_of(b)
        actor = {
            "owner": owner,
            "caregiver": self.caregiver_of(b),
            "admin": self.admin,
            "stranger": next(a for a, _ in self.owners if a != owner),
        }[who]
        self.run(
            f"cancel by {who}", lambda: self.lifecycle.cancel(actor, b, "plans changed"), fault
        )

    @rule(b=bookings)
    def complete(self, b: UUID) -> None:
        actor = self.caregiver_of(b)
        self.run("complete", lambda: self.lifecycle.complete(actor, b))

    @rule(b=bookings)
    def owner_opens_dispute(self, b: UUID) -> None:
        actor = self.owner_of(b)
        self.run("dispute", lambda: self.disputes.open(actor, b, "the dog came back hungry"))

    @rule(
        b=bookings,
        outcome=st.sampled_from(list(DisputeOutcome)),
        kind=st.one_of(st.none(), AMOUNT_KINDS),
        fault=FAULTS,
    )
    def admin_resolves(
        self, b: UUID, outcome: DisputeOutcome, kind: str | None, fault: tuple[str, int] | None
    ) -> None:
        booking = self.committed(b)
        remaining = booking.payment.captured_cents - booking.payment.refunded_cents
        amount = (
            None
            if kind is None or outcome is DisputeOutcome.RELEASE
            else amount_of(kind, remaining)
        )

        async def resolve() -> Any:
            was_disputed = self.committed(b).status is S.DISPUTED
            done = await self.disputes.resolve(self.admin_id, b, outcome, amount)
            if was_disputed:
                self.heard[b] = self.now  # the owner's window ends with the admin's decision
            return done

        self.run(f"resolve {outcome.value}", resolve, fault)

    @rule(b=bookings, kind=AMOUNT_KINDS, fault=FAULTS)
    def admin_refunds(self, b: UUID, kind: str, fault: tuple[str, int] | None) -> None:
        booking = self.committed(b)
        amount = amount_of(kind, booking.payment.captured_cents - booking.payment.refunded_cents)
        self.run(
            "admin refund",
            lambda: self.disputes.refund(self.admin_id, b, amount, "goodwill"),
            fault,
        )

    # -- the clock -------------------------------------------------------------------------

    @rule(
        step=st.one_of(
            st.integers(1, 59).map(lambda m: timedelta(minutes=m)),
            st.integers(1, 23).map(lambda h: timedelta(hours=h)),
            st.integers(1, 4).map(lambda d: timedelta(days=d)),
        )
    )
    def tick(self, step: timedelta) -> None:
        self.w.clock.advance(step)

    @rule(
        b=bookings,
        which=st.sampled_from(
            ["payment", "response", "start", "end", "dispute", "retry", "full", "half"]
        ),
        offset=st.sampled_from([-1, 0, 1]),
    )
    def jump(self, b: UUID, which: str, offset: int) -> None:
        """To just before, at or just after one of the booking's deadlines (never back)."""
        booking = self.committed(b)
        start_day = booking.start.astimezone(BRUSSELS).date()

        def noon_before(days: int) -> datetime:
            return wall(start_day - timedelta(days=days), time(12))

        policy = booking.cancellation_policy
        instant = {
            "payment": booking.payment_deadline,
            "response": booking.response_deadline,
            "start": booking.start,
            "end": booking.end,
            "dispute": booking.dispute.deadline,
            "retry": booking.payout.retry_at,
            "full": noon_before({"flexible": 1, "moderate": 3, "strict": 7}[policy.value]),
            "half": noon_before(1) if policy is CancellationPolicy.STRICT else booking.start,
        }[which]
        if instant is not None:
            self.move_to(instant + timedelta(seconds=offset))

    # -- faults and recovery -------------------------------------------------------------------

    @rule(n=st.integers(0, 3))
    def retry_interrupted(self, n: int) -> None:
        """Someone runs an interrupted command again, as it was."""
        if self.interrupted:
            label, make = self.interrupted.pop(n % len(self.interrupted))
            self.run(f"{label} (again)", make)

    @rule()
    def recover(self) -> None:
        """Later runs complete what crashed: the commands are retried as they were,
        Stripe delivers every event it sent, and after that all is in order."""
        crashed, self.interrupted = self.interrupted, []
        for label, make in crashed:
            self.run(f"{label} (recovery)", make)
        stored = self.w.uow.store.webhook_events
        delivered = 0
        while delivered < len(self.pool.events):  # deliveries may make Stripe send more
            event = self.pool.events[delivered]
            if event.id not in stored or stored[event.id].processed_at is None:
                self.deliver_event(event)
                stored = self.w.uow.store.webhook_events
            delivered += 1
        assert not self.interrupted, "a recovery run crashed with no fault armed"
        unapplied = {i: r.last_error for i, r in stored.items() if r.processed_at is None}
        assert not unapplied, f"stored events never applied: {unapplied}"
        _, mismatches = self.loop.run_until_complete(self.reconcile(None))
        assert not mismatches, f"after recovery the ledger and Stripe disagree: {mismatches}"
        self.gw.in_doubt.clear()

    # -- invariants ------------------------------------------------------------------------------

    def excused(self, booking_id: UUID) -> bool:
        """In doubt after a fault, or refunded at Stripe's dashboard and no
        charge.refunded applied yet tells the total Stripe refunded."""
        if booking_id in self.gw.in_doubt:
            return True
        if booking_id not in self.pool.refunded_at_stripe:
            return False
        stored = self.w.uow.store.webhook_events
        told = [
            e.data["amount_refunded"]
            for e in self.pool.events
            if e.type == "charge.refunded"
            and self.pool.booking_of[e.id] == booking_id
            and e.id in stored
            and stored[e.id].processed_at is not None
        ]
        pi = self.committed(booking_id).payment.intent_id
        refunded: int = self.gw.intent(pi).refunded_cents
        return max(told, default=0) < refunded

    @invariant()
    def nothing_unexpected_was_swallowed(self) -> None:
        unexpected = [e for e in self.swallowed.errors if not isinstance(e, PaymentProviderError)]
        assert not unexpected, f"a job swallowed an error: {unexpected!r}"

    def note_windows(self) -> None:
        """The owner's window as first set, at completion or cancellation."""
        for b in self.booking_ids:
            deadline = self.committed(b).dispute.deadline
            if deadline is not None:
                self.window_end.setdefault(b, deadline)

    @invariant()
    def never_paid_twice_nor_early(self) -> None:
        self.note_windows()
        for b in self.booking_ids:
            booking = self.committed(b)
            transfers = self.gw.transfers_of(b)
            assert len(transfers) <= 1, f"booking {b} paid out {len(transfers)} times"
            if booking.payout.status in (PO.PAID, PO.REVERSED):
                statistic(f"paid out ({booking.status})")
                assert len(transfers) == 1, f"booking {b} says paid, Stripe has no transfer"
                [t] = transfers
                assert t.id == booking.payout.transfer_id
                assert (
                    t.amount_cents == booking.payout.paid_out_cents + booking.payout.reversed_cents
                )
                if b not in self.gw.in_doubt:
                    assert t.reversed_cents == booking.payout.reversed_cents, (
                        t,
                        booking.payout.reversed_cents,
                    )
                    assert t.amount_cents - t.reversed_cents == booking.payout.paid_out_cents
            elif b not in self.gw.in_doubt:
                assert not transfers, f"Stripe paid booking {b} out, the booking says not"
            sent = self.sent.count(("event.PayoutSent", str(b)))
            assert sent <= 1, f"booking {b}: {sent} 'payout sent' messages"
        for made in self.gw.transfers:
            c = made.committed
            assert c is not None
            assert c.status in (S.COMPLETED, S.CANCELLED), (made, c.status)
            assert c.payout.status is PO.SCHEDULED, (made, c.payout.status)
            assert c.dispute.deadline is not None and made.at >= c.dispute.deadline, made
            earliest = self.window_end[made.booking_id]
            if made.booking_id in self.heard:
                earliest = min(earliest, self.heard[made.booking_id])
            assert made.at >= earliest, (
                f"booking {made.booking_id} paid out at {made.at}, inside its window (the owner's "
                f"48 h, until {self.window_end[made.booking_id]}), no owner's dispute resolved"
            )

    @invariant()
    def money_agrees(self) -> None:
        ledger = self.w.uow.store.ledger
        for b in self.booking_ids:
            booking = self.committed(b)
            intent = self.gw.intent(booking.payment.intent_id)
            assert intent is not None and intent.amount_cents == booking.price.total_cents
            assert 0 <= intent.refunded_cents <= intent.captured_cents
            assert intent.captured_cents in (0, intent.amount_cents)
            assert 0 <= booking.payment.refunded_cents <= booking.payment.captured_cents
            entries = [e for e in ledger if e.booking_id == b]
            assert problems(entries, booking.expected_ledger()) == []
            s = booking.settlement
            assert s.commission_cents == half_up(Decimal(s.kept_cents) * self.percent / 100)
            assert s.refunded_cents + s.commission_cents + s.payout_cents == s.captured_cents
            if booking.payout.status in (PO.PAID, PO.REVERSED):
                assert booking.payout.paid_out_cents == s.kept_cents - s.commission_cents
            else:
                assert booking.payout.paid_out_cents == 0 and booking.payout.reversed_cents == 0
            ended_before_capture = booking.status in (S.DECLINED, S.EXPIRED) or (
                booking.status is S.CANCELLED and booking.payment.captured_cents == 0
            )
            if ended_before_capture and b not in self.gw.in_doubt:
                assert intent.canceled, f"booking {b} ended, its hold was never released"
                assert not intent.captured_cents

    @invariant()
    def reconciles_with_stripe(self) -> None:
        if not self.booking_ids:
            return
        _, mismatches = self.loop.run_until_complete(self.reconcile(None))
        unexcused = [m for m in mismatches if not self.excused(m.booking_id)]
        if mismatches:
            statistic("reconcile: excused mismatch")
        assert not unexcused, f"the ledger and Stripe disagree: {unexcused}"


# The number of examples is the profile's (tests/conftest.py): 100, the same
# ones every CI run.
PaymentMachine.TestCase.settings = settings(
    stateful_step_count=40,
    deadline=None,
    # Explaining traces every line while shrinking: the copies of the memory store
    # make that minutes; the failing steps and their notes say enough.
    phases=[p for p in Phase if p is not Phase.explain],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestPaymentMachine = PaymentMachine.TestCase
