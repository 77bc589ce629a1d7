"""The booking lifecycle (docs/rules.md, "Booking lifecycle", "Payments",
"Cancellation and refunds").

A hypothesis state machine drives one Booking with random commands at random,
forward-moving instants. Each command either succeeds or raises a DomainError;
a refusal changes nothing; a success records exactly the expected event and
leaves the booking in a combination of statuses that docs/rules.md allows.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tailtribe.domain.errors import (
    DomainError,
    InvalidInput,
    InvalidTransition,
    PaymentNotAuthorized,
)
from tailtribe.domain.model.booking_dispute import DisputeOutcome
from tailtribe.domain.model.booking_payment import PaymentStatus
from tailtribe.domain.model.booking_payout import PayoutStatus
from tailtribe.domain.model.bookings import Booking, BookingStatus
from tailtribe.domain.model.cancellation import CancellationPolicy, Canceller
from tailtribe.domain.model.events import (
    BookingAccepted,
    BookingCancelled,
    BookingCompleted,
    BookingDeclined,
    BookingExpired,
    BookingRequested,
    BookingStarted,
    DisputeOpened,
    DisputeResolved,
    MoneyMoved,
    PaymentAuthorized,
    PaymentFailed,
    PayoutHeld,
    PayoutSent,
    RefundIssued,
)
from tailtribe.domain.model.ledger import LedgerEntry, Movement, problems
from tailtribe.domain.model.money import CommissionRate
from tailtribe.domain.model.pricing import Service, ServicePrice, quote

BRUSSELS = ZoneInfo("Europe/Brussels")
PAYMENT_WINDOW = timedelta(minutes=30)
RESPONSE_WINDOW = timedelta(hours=24)
DISPUTE_WINDOW = timedelta(hours=48)

S, P, PO = BookingStatus, PaymentStatus, PayoutStatus
CAPTURED_ANY = frozenset({P.CAPTURED, P.PARTIALLY_REFUNDED, P.REFUNDED})
TERMINAL = frozenset({S.DECLINED, S.EXPIRED, S.CANCELLED})
# Commands a cancelled booking still takes: its kept money is settled.
SETTLING = frozenset({"refund", "hold_payout", "release_payout", "pay_out", "resolve_dispute"})

# (status) -> (payment statuses allowed, payout statuses allowed), from docs/rules.md:
# - a request holds a payment that is pending, authorized or failed; nothing is paid out;
# - decline / expiry release the hold (canceled), nothing was captured;
# - cancelling a request releases the hold; cancelling an accepted booking keeps the
#   capture, refunded in full, in part or not at all, and the caregiver's share of
#   what is kept is paid out like a completed booking's;
# - accept captures the payment, refunds may follow;
# - only a completed booking is paid out (or reversed); a disputed one has its payout
#   held (or none, when nothing is left to pay).
ALLOWED: dict[BookingStatus, tuple[frozenset[PaymentStatus], frozenset[PayoutStatus]]] = {
    S.REQUESTED: (frozenset({P.PENDING, P.AUTHORIZED, P.FAILED}), frozenset({PO.NONE})),
    S.DECLINED: (frozenset({P.CANCELED}), frozenset({PO.NONE})),
    S.EXPIRED: (frozenset({P.CANCELED}), frozenset({PO.NONE})),
    S.CANCELLED: (CAPTURED_ANY | {P.CANCELED}, frozenset(PO)),
    S.ACCEPTED: (CAPTURED_ANY, frozenset({PO.NONE})),
    S.IN_PROGRESS: (CAPTURED_ANY, frozenset({PO.NONE})),
    S.COMPLETED: (CAPTURED_ANY, frozenset(PO)),
    S.DISPUTED: (CAPTURED_ANY, frozenset({PO.NONE, PO.HELD})),
}
assert set(ALLOWED) == set(BookingStatus)


def wall(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=BRUSSELS).astimezone(UTC)


def half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def expected_commission(total: int, percent: Decimal) -> int:
    return half_up(Decimal(total) * percent / 100)


def oracle_refund_percent(
    policy: CancellationPolicy, service: Service, start: datetime, at: datetime
) -> int:
    """The cancellation table of docs/rules.md, written out independently of the code."""
    if service in (Service.DOG_WALKING, Service.DROP_IN):
        policy = CancellationPolicy.FLEXIBLE
    start_day = start.astimezone(BRUSSELS).date()

    def noon(days_before: int) -> datetime:
        return datetime.combine(start_day - timedelta(days=days_before), time(12), tzinfo=BRUSSELS)

    full, half = {
        CancellationPolicy.FLEXIBLE: (noon(1), start),
        CancellationPolicy.MODERATE: (noon(3), start),
        CancellationPolicy.STRICT: (noon(7), noon(1)),
    }[policy]
    return 100 if at < full else 50 if at < half else 0


@dataclasses.dataclass
class Setup:
    service: Service
    policy: CancellationPolicy
    pets: int
    percent: Decimal
    price: ServicePrice
    start: datetime
    end: datetime
    created_at: datetime


@st.composite
def setups(draw: st.DrawFn) -> Setup:
    service = draw(st.sampled_from(list(Service)))
    day = draw(
        st.one_of(
            st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)),
            st.sampled_from([date(2026, 3, 28), date(2026, 3, 29), date(2026, 10, 25)]),
        )
    )
    if service in (Service.DOG_WALKING, Service.DROP_IN):
        start = wall(day, time(draw(st.integers(6, 20)), draw(st.sampled_from([0, 15, 30, 45]))))
        end = start + timedelta(minutes=draw(st.integers(15, 180)))
    elif service is Service.DAY_CARE:
        start = wall(day, time(8))
        end = wall(day + timedelta(days=draw(st.integers(0, 3))), time(18))
    else:
        start = wall(day, time(draw(st.integers(8, 20))))
        end = wall(day + timedelta(days=draw(st.integers(1, 5))), time(draw(st.integers(8, 20))))
    lead = draw(
        st.one_of(
            st.integers(1, 120).map(lambda m: timedelta(minutes=m)),
            st.integers(1, 24 * 9).map(lambda h: timedelta(hours=h)),
        )
    )
    price = ServicePrice(
        service, draw(st.integers(100, 50_000)), draw(st.sampled_from([0, 1, 333, 1_000]))
    )
    return Setup(
        service=service,
        policy=draw(st.sampled_from(list(CancellationPolicy))),
        pets=draw(st.integers(1, 3)),
        percent=Decimal(draw(st.integers(0, 100_00))).scaleb(-2),
        price=price,
        start=start,
        end=end,
        created_at=start - lead,
    )


def make_booking(setup: Setup) -> Booking:
    rate = CommissionRate(setup.percent)
    return Booking.request(
        id=uuid4(),
        owner_id=uuid4(),
        caregiver_id=uuid4(),
        service=setup.service,
        pet_ids=tuple(uuid4() for _ in range(setup.pets)),
        start=setup.start,
        end=setup.end,
        price=quote(setup.price, setup.pets, setup.start, setup.end, rate),
        rate=rate,
        policy=setup.policy,
        now=setup.created_at,
    )


def snapshot(booking: Booking) -> dict[str, Any]:
    # Copies: the payment, payout and dispute parts change in place.
    return {f.name: copy.deepcopy(getattr(booking, f.name)) for f in dataclasses.fields(booking)}


REFUSED = object()
STAGES = [
    "requested",
    "authorized",
    "accepted",
    "in_progress",
    "completed",
    "held",
    "disputed",
    "resolved",
    "paid",
]

# Amount choices relative to what remains captured.
amount_kinds = st.one_of(
    st.sampled_from(["all", "half", "one", "zero", "too_much", "negative"]),
    st.integers(min_value=1, max_value=10**6),
)


class BookingMachine(RuleBasedStateMachine):
    booking: Booking
    now: datetime

    @initialize(
        setup=setups(),
        # requested and authorized twice as often: expiry and declines start there
        stage=st.sampled_from([*STAGES, "requested", "authorized"]),
        late=st.integers(0, 120),
    )
    def create(self, setup: Setup, stage: str, late: int) -> None:
        self.setup = setup
        self.booking = make_booking(setup)
        self.now = setup.created_at
        self.total = self.booking.price.total_cents
        assert self.total == self.booking.price.units * (
            setup.price.price_cents + setup.price.extra_pet_price_cents * (setup.pets - 1)
        )
        events = self.booking.pull_events()
        assert [type(e) for e in events] == [BookingRequested]
        requested = events[0]
        assert isinstance(requested, BookingRequested)
        assert requested.occurred_at == self.now and requested.booking_id == self.booking.id
        assert self.booking.status is S.REQUESTED
        assert self.booking.payment.status is P.PENDING
        self.ever_authorized = False
        self.entries: list[LedgerEntry] = []
        self.transferred = 0  # sum of PayoutSent amounts
        self.visited_terminal: BookingStatus | None = None
        self.last_error: DomainError | None = None
        self.head_start(stage, timedelta(minutes=late))

    def head_start(self, stage: str, late: timedelta) -> None:
        """Bring the booking along the normal path to a random stage, checking each step.

        Random commands alone rarely get past `requested` (decline, cancel and expiry
        end most runs), so each run starts from one of the stages of the lifecycle.
        """
        b = self.booking

        def then(moment: Callable[[], datetime], step: Callable[[], object]) -> None:
            self.now = moment()
            step()

        steps: dict[str, Callable[[], object]] = {
            "authorize": lambda: self.authorize(exact=True),
            "accept": self.accept,
            "start": lambda: then(lambda: b.start + late, self.start_service),
            "complete": lambda: then(lambda: b.end + late, self.complete),
            "hold": lambda: self.hold_payout("fraud review"),
            "dispute": lambda: self.open_dispute("the dog came back hungry"),
            "resolve": lambda: self.resolve_dispute(DisputeOutcome.RELEASE, None),
            "pay": lambda: then(
                lambda: max(self.now, b.dispute.deadline or self.now), self.pay_out
            ),
        }
        path = ["authorize", "accept", "start", "complete"]
        path = {
            "requested": [],
            "authorized": path[:1],
            "accepted": path[:2],
            "in_progress": path[:3],
            "completed": path,
            "held": [*path, "hold"],
            "disputed": [*path, "dispute"],
            "resolved": [*path, "hold", "dispute", "resolve"],
            "paid": [*path, "pay"],
        }[stage]
        for name in path:
            steps[name]()
        expected = {
            "requested": S.REQUESTED,
            "authorized": S.REQUESTED,
            "accepted": S.ACCEPTED,
            "in_progress": S.IN_PROGRESS,
            "completed": S.COMPLETED,
            "held": S.COMPLETED,
            "disputed": S.DISPUTED,
            "resolved": S.COMPLETED,
            "paid": S.COMPLETED,
        }[stage]
        assert b.status is expected, (stage, b.status)

    # -- helpers -------------------------------------------------------------

    def attempt(self, name: str, call: Any) -> tuple[Any, list[Any], dict[str, Any]]:
        """Run a command; on refusal check nothing moved and return REFUSED."""
        before = snapshot(self.booking)
        try:
            result = call()
        except DomainError as exc:
            assert snapshot(self.booking) == before, f"{name} refused but changed the booking"
            assert self.booking.pull_events() == [], f"{name} refused but recorded events"
            self.last_error = exc
            return REFUSED, [], before
        settling = before["status"] is S.CANCELLED and name in SETTLING
        assert before["status"] not in TERMINAL or settling, (
            f"{name} succeeded on a {before['status']} booking; terminal states refuse all"
        )
        events = self.booking.pull_events()
        for e in events:
            if isinstance(e, MoneyMoved):
                assert e.occurred_at == self.now and e.amount_cents > 0
                self.entries.append(
                    LedgerEntry(
                        uuid4(), e.booking_id, Movement(e.movement), e.amount_cents, e.occurred_at
                    )
                )
        return result, [e for e in events if not isinstance(e, MoneyMoved)], before

    def one_event(self, events: list[Any], kind: type, **fields: Any) -> None:
        assert [type(e) for e in events] == [kind], f"expected one {kind.__name__}, got {events}"
        event = events[0]
        assert event.occurred_at == self.now
        assert event.booking_id == self.booking.id
        for key, value in fields.items():
            assert getattr(event, key) == value, (key, getattr(event, key), value)

    def remaining(self, before: dict[str, Any]) -> int:
        remaining: int = before["payment"].captured_cents - before["payment"].refunded_cents
        return remaining

    def amount(self, kind: str | int, remaining: int) -> int:
        return {
            "all": remaining,
            "half": remaining // 2,
            "one": 1,
            "zero": 0,
            "too_much": remaining + 1,
            "negative": -1,
        }.get(kind, kind)  # type: ignore[arg-type]

    def new_payout(self, refunded: int) -> int:
        kept = self.booking.payment.captured_cents - refunded
        return kept - expected_commission(kept, self.setup.percent)

    # -- the clock -------------------------------------------------------------

    @rule(
        step=st.one_of(
            st.integers(0, 59).map(lambda m: timedelta(minutes=m)),
            st.integers(1, 23).map(lambda h: timedelta(hours=h)),
            st.integers(1, 4).map(lambda d: timedelta(days=d)),
        )
    )
    def tick(self, step: timedelta) -> None:
        self.now += step

    @rule(
        which=st.sampled_from(["payment", "response", "start", "end", "dispute"]),
        offset=st.sampled_from([-1, 0, 1]),
    )
    def jump(self, which: str, offset: int) -> None:
        """Move to just before, at or just after a deadline (never backwards)."""
        b = self.booking
        instant = {
            "payment": b.created_at + PAYMENT_WINDOW,
            "response": min(b.created_at + RESPONSE_WINDOW, b.start),
            "start": b.start,
            "end": b.end,
            "dispute": b.dispute.deadline,
        }[which]
        if instant is not None:
            self.now = max(self.now, instant + timedelta(seconds=offset))

    # -- payment ---------------------------------------------------------------

    @rule(exact=st.booleans())
    def authorize(self, exact: bool) -> None:
        amount = self.total if exact else self.total + 1
        result, events, before = self.attempt(
            "authorize", lambda: self.booking.authorize(self.now, amount)
        )
        eligible = before["status"] is S.REQUESTED and before["payment"].status in (
            P.PENDING,
            P.FAILED,
        )
        if result is REFUSED:
            assert not (eligible and exact and self.now < before["created_at"] + PAYMENT_WINDOW)
            return
        assert eligible and exact
        assert self.booking.payment.status is P.AUTHORIZED
        self.ever_authorized = True
        self.one_event(events, PaymentAuthorized, amount_cents=self.total)

    @rule()
    def fail_payment(self) -> None:
        result, events, before = self.attempt(
            "fail_payment", lambda: self.booking.fail_payment(self.now)
        )
        if result is REFUSED:
            assert not (before["status"] is S.REQUESTED and before["payment"].status is P.PENDING)
            return
        assert before["status"] is S.REQUESTED
        assert before["payment"].status in (P.PENDING, P.FAILED)
        assert self.booking.payment.status is P.FAILED
        self.one_event(events, PaymentFailed)

    # -- lifecycle -------------------------------------------------------------

    @rule()
    def accept(self) -> None:
        result, events, before = self.attempt("accept", lambda: self.booking.accept(self.now))
        in_time = self.now < min(before["created_at"] + RESPONSE_WINDOW, before["start"])
        requested = before["status"] is S.REQUESTED
        authorized = before["payment"].status is P.AUTHORIZED
        if result is REFUSED:
            assert not (requested and authorized and in_time)
            if requested and not authorized and in_time:
                assert isinstance(self.last_error, PaymentNotAuthorized)
            return
        assert requested and authorized and in_time, "accept without authorization or too late"
        b = self.booking
        assert (b.status, b.payment.status) == (S.ACCEPTED, P.CAPTURED)
        assert b.payment.captured_cents == self.total and b.payment.refunded_cents == 0
        self.one_event(events, BookingAccepted, captured_cents=self.total)

    @rule()
    def decline(self) -> None:
        result, events, before = self.attempt("decline", lambda: self.booking.decline(self.now))
        if result is REFUSED:
            assert before["status"] is not S.REQUESTED
            return
        assert before["status"] is S.REQUESTED
        assert (self.booking.status, self.booking.payment.status) == (S.DECLINED, P.CANCELED)
        self.one_event(events, BookingDeclined)

    @rule()
    def expire(self) -> None:
        result, events, before = self.attempt("expire", lambda: self.booking.expire(self.now))
        unanswered = self.now >= min(before["created_at"] + RESPONSE_WINDOW, before["start"])
        unpaid = before["payment"].status is not P.AUTHORIZED and (
            self.now >= before["created_at"] + PAYMENT_WINDOW
        )
        due = before["status"] is S.REQUESTED and (unanswered or unpaid)
        if result is REFUSED:
            assert not due
            return
        assert due, "expired before any deadline"
        assert (self.booking.status, self.booking.payment.status) == (S.EXPIRED, P.CANCELED)
        self.one_event(events, BookingExpired)

    @rule(by=st.sampled_from(list(Canceller)), reason=st.sampled_from([None, "plans changed"]))
    def cancel(self, by: Canceller, reason: str | None) -> None:
        result, events, before = self.attempt(
            "cancel", lambda: self.booking.cancel(by, self.now, reason)
        )
        if result is REFUSED:
            assert before["status"] not in (S.REQUESTED, S.ACCEPTED)
            return
        b = self.booking
        assert before["status"] in (S.REQUESTED, S.ACCEPTED)
        assert b.status is S.CANCELLED and b.cancelled_by is by
        if before["status"] is S.REQUESTED:
            expected = 0
            assert b.payment.status is P.CANCELED, "cancelling a request releases the hold"
            assert b.payment.captured_cents == 0
        else:
            remaining = self.remaining(before)
            if by is Canceller.OWNER:
                pct = oracle_refund_percent(
                    self.setup.policy, self.setup.service, self.setup.start, self.now
                )
                share = half_up(Decimal(before["payment"].captured_cents) * pct / 100)
                # The policy's share is the owner's refund in all, earlier refunds included.
                expected = min(remaining, max(0, share - before["payment"].refunded_cents))
            else:
                expected = remaining  # caregiver or admin: everything back
        assert result == expected
        assert b.payment.refunded_cents == before["payment"].refunded_cents + expected
        owed = self.new_payout(b.payment.refunded_cents) if b.payment.captured_cents else 0
        assert b.payout.status is (PO.SCHEDULED if owed > 0 else PO.NONE)
        if owed:
            assert b.dispute.deadline == self.now + DISPUTE_WINDOW
        self.one_event(events, BookingCancelled, by=by, refund_cents=expected, reversal_cents=0)

    @rule()
    def start_service(self) -> None:
        result, events, before = self.attempt("start", lambda: self.booking.start_service(self.now))
        ok = before["status"] is S.ACCEPTED and self.now >= before["start"]
        if result is REFUSED:
            assert not ok
            return
        assert ok
        assert self.booking.status is S.IN_PROGRESS
        self.one_event(events, BookingStarted)

    @rule()
    def complete(self) -> None:
        result, events, before = self.attempt("complete", lambda: self.booking.complete(self.now))
        ok = before["status"] in (S.ACCEPTED, S.IN_PROGRESS) and self.now >= before["end"]
        if result is REFUSED:
            assert not ok
            return
        assert ok
        b = self.booking
        assert b.status is S.COMPLETED
        assert b.completed_at == self.now
        assert b.dispute.deadline == self.now + DISPUTE_WINDOW
        owed = self.new_payout(b.payment.refunded_cents)
        assert b.payout.status is (PO.SCHEDULED if owed > 0 else PO.NONE)
        self.one_event(events, BookingCompleted)

    # -- disputes --------------------------------------------------------------

    @rule(reason=st.sampled_from(["the dog came back hungry", "  ", ""]))
    def open_dispute(self, reason: str) -> None:
        result, events, before = self.attempt(
            "open_dispute", lambda: self.booking.open_dispute(self.now, reason)
        )
        deadline = before["dispute"].deadline
        ok = (
            before["status"] is S.COMPLETED
            and deadline is not None
            and self.now < deadline
            and before["payout"].status not in (PO.PAID, PO.REVERSED)
            and reason.strip() != ""
        )
        if result is REFUSED:
            assert not ok
            return
        assert ok
        b = self.booking
        assert b.status is S.DISPUTED
        if before["payout"].status in (PO.SCHEDULED, PO.HELD):
            assert b.payout.status is PO.HELD, "a dispute holds the payout"
        self.one_event(events, DisputeOpened, reason=reason.strip())

    @rule(outcome=st.sampled_from(list(DisputeOutcome)), kind=st.none() | amount_kinds)
    def resolve_dispute(self, outcome: DisputeOutcome, kind: str | int | None) -> None:
        remaining = self.booking.payment.captured_cents - self.booking.payment.refunded_cents
        arg = None if kind is None else self.amount(kind, remaining)
        result, events, before = self.attempt(
            "resolve_dispute", lambda: self.booking.resolve_dispute(self.now, outcome, arg)
        )
        expected = 0
        if outcome is DisputeOutcome.REFUND:
            expected = remaining if arg is None else arg
        held = before["status"] in (S.COMPLETED, S.CANCELLED) and before["payout"].status is PO.HELD
        ok = (before["status"] is S.DISPUTED or held) and (
            (outcome is DisputeOutcome.RELEASE and arg is None) or 0 < expected <= remaining
        )
        if result is REFUSED:
            assert not ok
            return
        assert ok
        b = self.booking
        assert result == expected
        assert b.status is (S.COMPLETED if before["status"] is S.DISPUTED else before["status"])
        assert b.payment.refunded_cents == before["payment"].refunded_cents + expected
        assert b.payout.status is (
            PO.SCHEDULED if self.new_payout(b.payment.refunded_cents) else PO.NONE
        )
        assert b.dispute.deadline is not None
        if before["status"] is S.DISPUTED:
            assert b.dispute.deadline <= self.now  # heard: no second window
        else:
            assert b.dispute.deadline == before["dispute"].deadline  # the owner's window stays
        if expected:  # the owner is told of the refund as of any other
            assert [type(e) for e in events] == [DisputeResolved, RefundIssued], events
            assert events[1].amount_cents == expected
            events = events[:1]
        self.one_event(events, DisputeResolved, outcome=outcome, refund_cents=expected)

    # -- money after capture ------------------------------------------------------

    @rule(kind=amount_kinds)
    def refund(self, kind: str | int) -> None:
        remaining = self.booking.payment.captured_cents - self.booking.payment.refunded_cents
        amount = self.amount(kind, remaining)
        result, events, before = self.attempt(
            "refund", lambda: self.booking.refund(self.now, amount)
        )
        ok = before["status"] in (
            S.ACCEPTED,
            S.IN_PROGRESS,
            S.COMPLETED,
            S.DISPUTED,
            S.CANCELLED,
        ) and (0 < amount <= remaining)
        if result is REFUSED:
            assert not ok
            return
        assert ok
        b = self.booking
        assert b.payment.refunded_cents == before["payment"].refunded_cents + amount
        payout = self.new_payout(b.payment.refunded_cents)
        reversal = max(0, before["payout"].paid_out_cents - payout)
        assert b.payout.paid_out_cents == before["payout"].paid_out_cents - reversal
        assert b.payout.reversed_cents == before["payout"].reversed_cents + reversal
        if reversal:
            assert b.payout.status is PO.REVERSED
        self.one_event(events, RefundIssued, amount_cents=amount, reversal_cents=reversal)

    @rule(reason=st.sampled_from(["chargeback check", "fraud review"]))
    def hold_payout(self, reason: str) -> None:
        result, events, before = self.attempt(
            "hold_payout", lambda: self.booking.hold_payout(self.now, reason)
        )
        ok = before["status"] in (S.COMPLETED, S.DISPUTED, S.CANCELLED) and (
            before["payout"].status is PO.SCHEDULED
        )
        if result is REFUSED:
            assert not ok
            return
        assert ok
        assert self.booking.payout.status is PO.HELD
        self.one_event(events, PayoutHeld, reason=reason)

    @rule()
    def release_payout(self) -> None:
        result, events, before = self.attempt(
            "release_payout", lambda: self.booking.release_payout(self.now)
        )
        ok = before["status"] in (S.COMPLETED, S.CANCELLED) and before["payout"].status is PO.HELD
        if result is REFUSED:
            assert not ok
            return
        assert ok
        assert self.booking.payout.status is PO.SCHEDULED
        assert events == []  # there is no event type for a release

    @rule()
    def pay_out(self) -> None:
        result, events, before = self.attempt("pay_out", lambda: self.booking.pay_out(self.now))
        deadline = before["dispute"].deadline
        due = (
            before["status"] in (S.COMPLETED, S.CANCELLED)
            and before["payout"].status is PO.SCHEDULED
            and deadline is not None
            and self.now >= deadline
        )
        if result is REFUSED:
            assert not due
            return
        assert due, "paid out before completion, while held, or inside the dispute window"
        b = self.booking
        if b.status is S.COMPLETED:
            assert b.completed_at is not None and self.now >= b.completed_at
        owed = self.new_payout(b.payment.refunded_cents)
        assert result == owed == b.payout.paid_out_cents
        assert b.payout.status is PO.PAID
        self.transferred += owed
        self.one_event(events, PayoutSent, amount_cents=owed)

    # -- invariants -------------------------------------------------------------

    @invariant()
    def statuses_are_a_combination_domain_allows(self) -> None:
        b = self.booking
        payments, payouts = ALLOWED[b.status]
        event(f"reached {b.status}/{b.payment.status}/{b.payout.status}")
        assert b.payment.status in payments, (b.status, b.payment.status)
        assert b.payout.status in payouts, (b.status, b.payout.status)

    @invariant()
    def money_adds_up(self) -> None:
        b = self.booking
        assert 0 <= b.payment.refunded_cents <= b.payment.captured_cents
        if b.payment.status in CAPTURED_ANY:
            assert b.payment.captured_cents == self.total
        else:
            assert b.payment.captured_cents == 0 and b.payment.refunded_cents == 0
        # The payment status says how much of the capture went back.
        if b.payment.status is P.REFUNDED:
            assert b.payment.refunded_cents == b.payment.captured_cents
        if b.payment.status is P.PARTIALLY_REFUNDED:
            assert 0 < b.payment.refunded_cents < b.payment.captured_cents
        if b.payment.status is P.CAPTURED:
            assert b.payment.refunded_cents == 0
        s = b.settlement
        assert s.refunded_cents + s.commission_cents + s.payout_cents == b.payment.captured_cents
        assert s.commission_cents == expected_commission(s.kept_cents, self.setup.percent)
        assert min(s.commission_cents, s.payout_cents, s.reversal_cents) >= 0
        assert 0 <= b.payout.paid_out_cents <= s.payout_cents
        assert b.payout.reversed_cents >= 0
        # Everything transferred is either still with the caregiver or reversed.
        assert b.payout.paid_out_cents + b.payout.reversed_cents == self.transferred
        # The frozen price never changes.
        assert b.price.total_cents == self.total

    @invariant()
    def ledger_balances_and_agrees(self) -> None:
        """Every movement is in the ledger, and the ledger says what the booking says."""
        assert problems(self.entries, self.booking.expected_ledger()) == []

    @invariant()
    def history_is_consistent(self) -> None:
        b = self.booking
        if b.status is S.ACCEPTED or b.payment.status in CAPTURED_ANY:
            assert self.ever_authorized, "captured a payment that was never authorized"
        if b.payout.status in (PO.PAID, PO.REVERSED):
            assert b.status in (S.COMPLETED, S.CANCELLED)
        if b.status in (S.COMPLETED, S.DISPUTED):
            assert b.completed_at is not None and b.completed_at >= b.end
        if b.status in TERMINAL:
            if self.visited_terminal is None:
                self.visited_terminal = b.status
            assert b.status is self.visited_terminal
        else:
            assert self.visited_terminal is None, "left a terminal state"


BookingMachine.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestBookingMachine = BookingMachine.TestCase


# -- scenarios ------------------------------------------------------------------------

JUNE_START = wall(date(2026, 6, 13), time(15))  # Saturday, boarding
JUNE_END = wall(date(2026, 6, 15), time(11))  # Monday: two nights


def june_booking(
    service: Service = Service.BOARDING,
    policy: CancellationPolicy = CancellationPolicy.FLEXIBLE,
    start: datetime = JUNE_START,
    end: datetime = JUNE_END,
    now: datetime | None = None,
) -> Booking:
    created = now or start - timedelta(days=10)
    setup = Setup(
        service=service,
        policy=policy,
        pets=1,
        percent=Decimal(20),
        price=ServicePrice(service, 5_000),
        start=start,
        end=end,
        created_at=created,
    )
    booking = make_booking(setup)
    booking.pull_events()
    return booking


def test_happy_path_to_payout() -> None:
    b = june_booking()
    created = b.created_at
    assert b.price.total_cents == 10_000  # two nights at 50.00
    b.authorize(created + timedelta(minutes=5), 10_000)
    b.accept(created + timedelta(hours=2))
    assert (b.status, b.payment.status, b.payment.captured_cents) == (
        S.ACCEPTED,
        P.CAPTURED,
        10_000,
    )
    with pytest.raises(InvalidTransition):
        b.start_service(JUNE_START - timedelta(seconds=1))
    b.start_service(JUNE_START)
    with pytest.raises(InvalidTransition):
        b.complete(JUNE_END - timedelta(seconds=1))
    b.complete(JUNE_END)
    assert b.payout.status is PO.SCHEDULED
    with pytest.raises(InvalidTransition):
        b.pay_out(JUNE_END + DISPUTE_WINDOW - timedelta(seconds=1))
    assert b.pay_out(JUNE_END + DISPUTE_WINDOW) == 8_000  # 100.00 - 20% commission
    assert (b.payout.status, b.payout.paid_out_cents) == (PO.PAID, 8_000)
    # Paying twice is refused (idempotency lives in the state).
    with pytest.raises(InvalidTransition):
        b.pay_out(JUNE_END + DISPUTE_WINDOW + timedelta(hours=1))
    # The owner can no longer dispute after the payout.
    with pytest.raises(InvalidTransition):
        b.open_dispute(JUNE_END + DISPUTE_WINDOW, "late")
    events = b.pull_events()
    kinds = [type(e) for e in events if not isinstance(e, MoneyMoved)]
    assert kinds == [
        PaymentAuthorized,
        BookingAccepted,
        BookingStarted,
        BookingCompleted,
        PayoutSent,
    ]
    moved = [(e.movement, e.amount_cents) for e in events if isinstance(e, MoneyMoved)]
    assert moved == [
        ("authorization", 10_000),
        ("capture", 10_000),
        ("commission", 2_000),
        ("transfer", 8_000),
    ]


def test_accept_needs_an_authorized_payment() -> None:
    b = june_booking()
    with pytest.raises(PaymentNotAuthorized):
        b.accept(b.created_at + timedelta(minutes=1))
    b.fail_payment(b.created_at + timedelta(minutes=2))
    with pytest.raises(PaymentNotAuthorized):
        b.accept(b.created_at + timedelta(minutes=3))
    assert (b.status, b.payment.status, b.payment.captured_cents) == (S.REQUESTED, P.FAILED, 0)


def test_accept_after_24_hours_is_refused_and_the_request_expires() -> None:
    b = june_booking()
    b.authorize(b.created_at + timedelta(minutes=1), b.price.total_cents)
    with pytest.raises(InvalidTransition):
        b.expire(b.created_at + RESPONSE_WINDOW - timedelta(seconds=1))
    with pytest.raises(InvalidTransition):
        b.accept(b.created_at + RESPONSE_WINDOW)
    b.expire(b.created_at + RESPONSE_WINDOW)
    assert (b.status, b.payment.status) == (S.EXPIRED, P.CANCELED)


def test_unpaid_request_expires_after_30_minutes() -> None:
    b = june_booking()
    with pytest.raises(InvalidTransition):
        b.expire(b.created_at + PAYMENT_WINDOW - timedelta(seconds=1))
    b.expire(b.created_at + PAYMENT_WINDOW)
    assert (b.status, b.payment.status) == (S.EXPIRED, P.CANCELED)


def test_request_close_to_the_start_expires_at_the_start() -> None:
    start = JUNE_START
    b = june_booking(now=start - timedelta(hours=3))
    b.authorize(start - timedelta(hours=3), b.price.total_cents)
    with pytest.raises(InvalidTransition):
        b.accept(start)
    b.expire(start)
    assert b.status is S.EXPIRED


@pytest.mark.parametrize("command", ["accept", "decline", "expire", "cancel", "authorize"])
def test_terminal_bookings_refuse_everything(command: str) -> None:
    b = june_booking()
    b.decline(b.created_at + timedelta(minutes=1))
    before = snapshot(b)
    now = b.created_at + timedelta(days=1)
    calls: dict[str, Callable[[], object]] = {
        "accept": lambda: b.accept(now),
        "decline": lambda: b.decline(now),
        "expire": lambda: b.expire(now),
        "cancel": lambda: b.cancel(Canceller.ADMIN, now),
        "authorize": lambda: b.authorize(now, b.price.total_cents),
    }
    with pytest.raises(DomainError):
        calls[command]()
    assert snapshot(b) == before


@pytest.mark.parametrize("service", [Service.DOG_WALKING, Service.DROP_IN])
def test_walks_follow_flexible_even_when_the_caregiver_is_strict(service: Service) -> None:
    start = wall(date(2026, 6, 13), time(10))  # Saturday 10:00 CEST = 08:00 UTC
    b = june_booking(
        service=service,
        policy=CancellationPolicy.STRICT,
        start=start,
        end=start + timedelta(hours=1),
        now=start - timedelta(days=3),
    )
    assert b.cancellation_policy is CancellationPolicy.FLEXIBLE
    b.authorize(b.created_at, b.price.total_cents)
    b.accept(b.created_at + timedelta(minutes=1))
    # Friday 12 June 11:00 UTC: after noon the day before, strict would give 0%.
    refund = b.cancel(Canceller.OWNER, datetime(2026, 6, 12, 11, 0, tzinfo=UTC))
    assert refund == b.price.total_cents // 2 == 2_500


def test_owner_cancel_of_a_strict_boarding_refunds_by_the_table() -> None:
    b = june_booking(policy=CancellationPolicy.STRICT)  # created 3 June
    b.authorize(b.created_at, 10_000)
    b.accept(b.created_at + timedelta(minutes=1))
    # Saturday 6 June 10:00 UTC is noon CEST 7 days before the start day: 50% from then.
    refund = b.cancel(Canceller.OWNER, datetime(2026, 6, 6, 10, 0, tzinfo=UTC))
    assert refund == 5_000
    assert (b.payment.status, b.payment.refunded_cents) == (P.PARTIALLY_REFUNDED, 5_000)
    s = b.settlement
    assert (s.commission_cents, s.payout_cents) == (1_000, 4_000)


def test_caregiver_cancel_refunds_everything() -> None:
    b = june_booking(policy=CancellationPolicy.STRICT)
    b.authorize(b.created_at, 10_000)
    b.accept(b.created_at + timedelta(minutes=1))
    assert b.cancel(Canceller.CAREGIVER, JUNE_START - timedelta(minutes=1)) == 10_000
    assert b.payment.status is P.REFUNDED


def test_dispute_holds_then_refund_resolution() -> None:
    b = june_booking()
    b.authorize(b.created_at, 10_000)
    b.accept(b.created_at + timedelta(minutes=1))
    b.complete(JUNE_END + timedelta(minutes=5))
    with pytest.raises(InvalidInput):
        b.open_dispute(JUNE_END + timedelta(hours=1), "   ")
    b.open_dispute(JUNE_END + timedelta(hours=1), "no walks")
    assert (b.status, b.payout.status) == (S.DISPUTED, PO.HELD)
    with pytest.raises(InvalidTransition):
        b.pay_out(JUNE_END + timedelta(days=5))
    assert b.resolve_dispute(JUNE_END + timedelta(days=1), DisputeOutcome.REFUND, 2_500) == 2_500
    assert (b.status, b.payout.status) == (S.COMPLETED, PO.SCHEDULED)
    # kept 75.00: commission 15.00, payout 60.00, payable now the owner was heard
    assert b.pay_out(JUNE_END + timedelta(days=1)) == 6_000


def test_dispute_window_closes_after_48_hours() -> None:
    b = june_booking()
    b.authorize(b.created_at, 10_000)
    b.accept(b.created_at + timedelta(minutes=1))
    b.complete(JUNE_END)
    with pytest.raises(InvalidTransition):
        b.open_dispute(JUNE_END + DISPUTE_WINDOW, "too late")
    assert b.status is S.COMPLETED


def test_refund_after_payout_reverses_in_proportion() -> None:
    b = june_booking()
    b.authorize(b.created_at, 10_000)
    b.accept(b.created_at + timedelta(minutes=1))
    b.complete(JUNE_END)
    b.pay_out(JUNE_END + DISPUTE_WINDOW)
    b.refund(JUNE_END + DISPUTE_WINDOW + timedelta(days=1), 5_000)
    # kept 50.00: payout 40.00, so 40.00 of the 80.00 transfer comes back
    assert (b.payout.paid_out_cents, b.payout.reversed_cents, b.payout.status) == (
        4_000,
        4_000,
        PO.REVERSED,
    )


def test_request_rules() -> None:
    now = JUNE_START - timedelta(days=1)
    with pytest.raises(InvalidInput):
        june_booking(now=JUNE_START)  # starts now, not in the future
    with pytest.raises(InvalidInput):
        june_booking(now=JUNE_START + timedelta(hours=1))
    rate = CommissionRate(Decimal(20))
    price = quote(ServicePrice(Service.BOARDING, 5_000), 2, JUNE_START, JUNE_END, rate)
    pet: UUID = uuid4()
    for pets in [(), (pet, pet)]:
        with pytest.raises(InvalidInput):
            Booking.request(
                id=uuid4(),
                owner_id=uuid4(),
                caregiver_id=uuid4(),
                service=Service.BOARDING,
                pet_ids=pets,
                start=JUNE_START,
                end=JUNE_END,
                price=price,
                rate=rate,
                policy=CancellationPolicy.FLEXIBLE,
                now=now,
            )


def test_fully_refunded_held_payout_is_never_paid_out_as_zero() -> None:
    """A held payout that a full refund leaves at zero must not become a 0-cent transfer."""
    b = june_booking()
    b.authorize(b.created_at, 10_000)
    b.accept(b.created_at + timedelta(minutes=1))
    b.complete(JUNE_END)
    b.hold_payout(JUNE_END + timedelta(hours=1), "chargeback check")
    b.refund(JUNE_END + timedelta(hours=2), 10_000)
    assert b.settlement.payout_cents == 0
    try:
        b.release_payout(JUNE_END + timedelta(hours=3))
        b.pay_out(JUNE_END + DISPUTE_WINDOW)
    except DomainError:
        pass
    sent = [e for e in b.pull_events() if isinstance(e, PayoutSent)]
    assert not sent and b.payout.status is not PO.PAID, (
        "DOMAIN BUG: after hold_payout + full refund the payout stays HELD with 0 cents "
        f"owed; release_payout makes it SCHEDULED and pay_out records {sent} and "
        f"payout_status={b.payout.status} (bookings.py refund() only clears a SCHEDULED "
        "payout, release_payout() does not check the amount)"
    )
