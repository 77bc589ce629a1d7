"""The booking aggregate and its lifecycle.

requested --accept--> accepted --start--> in_progress --end--> completed
requested --decline | expire | cancel--> declined | expired | cancelled
accepted  --cancel--> cancelled
completed --dispute (in window)--> disputed --resolve--> completed

The booking keeps the lifecycle and coordinates its parts: the payment
(booking_payment.py), the payout (booking_payout.py) and the dispute window
(booking_dispute.py) each hold their own state and rules. Money is tracked in
cents so that refunded + commission + payout always equals what was captured.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from tailtribe.domain.errors import InvalidInput, InvalidTransition, PaymentNotAuthorized
from tailtribe.domain.model.aggregate import Aggregate
from tailtribe.domain.model.availability import Occupancy
from tailtribe.domain.model.booking_dispute import (
    DEFAULT_DISPUTE_WINDOW,
    BookingDispute,
    DisputeOutcome,
)
from tailtribe.domain.model.booking_payment import BookingPayment, PaymentMethod, PaymentStatus
from tailtribe.domain.model.booking_payout import (
    BookingPayout,
    PayoutStatus,
)
from tailtribe.domain.model.cancellation import (
    CancellationPolicy,
    Canceller,
    Settlement,
    effective_policy,
    owner_refund_cents,
    settle,
)
from tailtribe.domain.model.events import (
    BookingAccepted,
    BookingCancelled,
    BookingCompleted,
    BookingDeclined,
    BookingExpired,
    BookingReminder,
    BookingRequested,
    BookingStarted,
    ChargebackOpened,
    DisputeOpened,
    DisputeResolved,
    MoneyMoved,
    OccurrenceAccepted,
    OccurrenceEnded,
    OccurrenceLapsed,
    OccurrencePaymentAuthorized,
    OccurrencePaymentNeeded,
    PaymentAuthorized,
    PaymentFailed,
    PayoutFailed,
    PayoutHeld,
    PayoutSent,
    RefundIssued,
)
from tailtribe.domain.model.ledger import Expected, Movement
from tailtribe.domain.model.masking import mask_contacts
from tailtribe.domain.model.money import CommissionRate
from tailtribe.domain.model.pricing import Quote, Service, validate_period
from tailtribe.domain.model.series import CHARGE_LEAD
from tailtribe.domain.model.series import pay_by as series_pay_by
from tailtribe.domain.model.time import require_aware, utc

PAYMENT_WINDOW = timedelta(minutes=30)
RESPONSE_WINDOW = timedelta(hours=24)
REMINDER_LEAD = timedelta(hours=24)


class BookingStatus(enum.StrEnum):
    """requested (waits for the card and the caregiver) -> accepted -> in_progress
    (from the start) -> completed (from the end); disputed while an owner's
    dispute is open; declined, expired and cancelled are final."""

    REQUESTED = "requested"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    DISPUTED = "disputed"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


# Statuses that hold the caregiver's calendar.
ACTIVE = frozenset({BookingStatus.REQUESTED, BookingStatus.ACCEPTED, BookingStatus.IN_PROGRESS})


# The status graph; guards on time and payment come on top of it.
TRANSITIONS: dict[tuple[BookingStatus, str], BookingStatus] = {
    (BookingStatus.REQUESTED, "accept"): BookingStatus.ACCEPTED,
    (BookingStatus.REQUESTED, "decline"): BookingStatus.DECLINED,
    (BookingStatus.REQUESTED, "expire"): BookingStatus.EXPIRED,
    (BookingStatus.REQUESTED, "cancel"): BookingStatus.CANCELLED,
    (BookingStatus.ACCEPTED, "cancel"): BookingStatus.CANCELLED,
    (BookingStatus.ACCEPTED, "start"): BookingStatus.IN_PROGRESS,
    (BookingStatus.ACCEPTED, "complete"): BookingStatus.COMPLETED,
    (BookingStatus.IN_PROGRESS, "complete"): BookingStatus.COMPLETED,
    (BookingStatus.COMPLETED, "dispute"): BookingStatus.DISPUTED,
    (BookingStatus.DISPUTED, "resolve"): BookingStatus.COMPLETED,
}

# Settled bookings whose kept money is paid out: a completed one, and one the
# owner cancelled late (the kept share is the new total, docs/rules.md).
SETTLED = frozenset({BookingStatus.COMPLETED, BookingStatus.CANCELLED})

# Commands that change money or payment state without moving the status.
_MONEY_COMMANDS: dict[str, frozenset[BookingStatus]] = {
    "authorize": frozenset({BookingStatus.REQUESTED}),
    "fail_payment": frozenset({BookingStatus.REQUESTED}),
    "cancel_payment": frozenset({BookingStatus.REQUESTED}),
    "refund": frozenset(
        {
            BookingStatus.ACCEPTED,
            BookingStatus.IN_PROGRESS,
            BookingStatus.COMPLETED,
            BookingStatus.DISPUTED,
            BookingStatus.CANCELLED,
        }
    ),
    "hold_payout": SETTLED | {BookingStatus.DISPUTED},
    "release_payout": SETTLED,
    "pay_out": SETTLED,
}


# Statuses a booking only reaches through acceptance.
ACCEPTED_ONCE = frozenset(
    {
        BookingStatus.ACCEPTED,
        BookingStatus.IN_PROGRESS,
        BookingStatus.COMPLETED,
        BookingStatus.DISPUTED,
    }
)


def was_accepted(
    status: BookingStatus, captured_cents: int, refunded_cents: int, method: PaymentMethod | None
) -> bool:
    """Whether the caregiver accepted. A card is captured only on acceptance;
    Bancontact is captured at once, so its capture says nothing: a cancelled
    one counts when something was kept (a cancellation before acceptance
    refunds all; one after it refunding all stays masked, the safe side)."""
    if method is not PaymentMethod.BANCONTACT:
        return captured_cents > 0
    if status is BookingStatus.CANCELLED:
        return refunded_cents < captured_cents
    return status in ACCEPTED_ONCE


def shown_text(text: str, accepted: bool) -> str:
    """A party's text as the other sees it: contact details stay masked until
    the booking was accepted (docs/rules.md, Conversations)."""
    return text if accepted else mask_contacts(text)


@dataclass(eq=False)
class Booking(Aggregate):
    id: UUID
    owner_id: UUID
    caregiver_id: UUID
    service: Service
    pet_ids: tuple[UUID, ...]
    start: datetime
    end: datetime
    price: Quote
    commission_percent: Decimal
    cancellation_policy: CancellationPolicy
    created_at: datetime
    message: str | None = None
    status: BookingStatus = BookingStatus.REQUESTED
    payment: BookingPayment = field(default_factory=BookingPayment)
    payout: BookingPayout = field(default_factory=BookingPayout)
    dispute: BookingDispute = field(default_factory=BookingDispute)
    completed_at: datetime | None = None
    cancelled_by: Canceller | None = None
    reason: str | None = None
    reminder_sent_at: datetime | None = None
    conversation_id: UUID | None = None  # the pair's; None only for bookings made before
    # An occurrence of a weekly series (series.py): asked and answered with it,
    # paid off-session before its start, by `pay_by` once accepted.
    series_id: UUID | None = None
    pay_by: datetime | None = None

    def __post_init__(self) -> None:
        Aggregate.__init__(self)

    @property
    def shown_message(self) -> str | None:
        """The request's message as the parties see it: contact details stay
        masked until the booking is accepted (docs/rules.md, Conversations)."""
        return None if self.message is None else self.shown_text(self.message)

    def shown_text(self, text: str) -> str:
        """A party's text (the message, a name) as the other sees it for this booking."""
        if self.series_id is not None:  # accepted with its series, paid or not
            return shown_text(text, self.pay_by is not None)
        accepted = was_accepted(
            self.status,
            self.payment.captured_cents,
            self.payment.refunded_cents,
            self.payment.method,
        )
        return shown_text(text, accepted)

    @property
    def occupancy(self) -> Occupancy:
        return Occupancy(self.service, self.start, self.end, len(self.pet_ids))

    def attach_payment(self, payment_intent_id: str, client_secret: str) -> None:
        if not self.payment.can_attach(payment_intent_id):
            raise self._refuse("change its payment")
        self.payment.attach(payment_intent_id, client_secret)

    @property
    def awaits_payment(self) -> bool:
        """An accepted occurrence of a series not paid yet: it neither starts
        nor is reminded of; charged 48 h ahead, cancelled when still unpaid
        at `pay_by`."""
        return self.series_id is not None and self.payment.captured_cents == 0

    def is_due_to_start(self, now: datetime) -> bool:
        return (
            self.status is BookingStatus.ACCEPTED and now >= self.start and not self.awaits_payment
        )

    def is_due_to_complete(self, now: datetime) -> bool:
        return (
            self.status in (BookingStatus.ACCEPTED, BookingStatus.IN_PROGRESS)
            and now >= self.end
            and not self.awaits_payment
        )

    def is_due_for_reminder(self, now: datetime) -> bool:
        return (
            self.status is BookingStatus.ACCEPTED
            and self.reminder_sent_at is None
            and self.start - REMINDER_LEAD <= now < self.start
            and not self.awaits_payment
        )

    def remind(self, now: datetime) -> None:
        if not self.is_due_for_reminder(now):
            raise self._refuse("be reminded now")
        self.reminder_sent_at = now
        self.record(BookingReminder(occurred_at=now, booking_id=self.id))

    # -- creation -------------------------------------------------------
    @classmethod
    def request(
        cls,
        *,
        id: UUID,
        owner_id: UUID,
        caregiver_id: UUID,
        service: Service,
        pet_ids: tuple[UUID, ...],
        start: datetime,
        end: datetime,
        price: Quote,
        rate: CommissionRate,
        policy: CancellationPolicy,
        now: datetime,
        message: str | None = None,
        series_id: UUID | None = None,
    ) -> Booking:
        validate_period(service, start, end)
        start, end, now = utc(start), utc(end), utc(require_aware(now, "now"))
        if start <= now:
            raise InvalidInput("a booking starts in the future")
        if len(set(pet_ids)) != len(pet_ids) or not pet_ids:
            raise InvalidInput("a booking names each of its pets once")
        booking = cls(
            id=id,
            owner_id=owner_id,
            caregiver_id=caregiver_id,
            service=service,
            pet_ids=pet_ids,
            start=start,
            end=end,
            price=price,
            commission_percent=rate.percent,
            cancellation_policy=effective_policy(service, policy),
            created_at=now,
            message=message,
            series_id=series_id,
        )
        booking.record(BookingRequested(occurred_at=now, booking_id=id))
        return booking

    # -- derived --------------------------------------------------------
    @property
    def rate(self) -> CommissionRate:
        return CommissionRate(self.commission_percent)

    @property
    def payment_deadline(self) -> datetime:
        """Unpaid requests free the calendar after this."""
        return self.created_at + PAYMENT_WINDOW

    @property
    def response_deadline(self) -> datetime:
        """The caregiver answers within 24 hours and before the start."""
        return min(self.created_at + RESPONSE_WINDOW, self.start)

    @property
    def settlement(self) -> Settlement:
        return settle(
            self.payment.captured_cents,
            self.payment.refunded_cents,
            self.payout.paid_out_cents,
            self.rate,
        )

    @property
    def paid_ahead(self) -> bool:
        """A request paid before acceptance (Bancontact: taken at once, no hold)."""
        return self.status is BookingStatus.REQUESTED and self.payment.captured_cents > 0

    @property
    def is_paid(self) -> bool:
        """The caregiver may accept: the card is held, or the payment is taken."""
        return self.payment.is_authorized or self.paid_ahead

    def is_due_to_expire(self, now: datetime) -> bool:
        if self.status is not BookingStatus.REQUESTED or self.series_id is not None:
            return False  # an occurrence expires with its series
        unpaid = not self.is_paid
        return now >= self.response_deadline or (unpaid and now >= self.payment_deadline)

    # -- guards ---------------------------------------------------------
    def _move(self, command: str) -> BookingStatus:
        target = TRANSITIONS.get((self.status, command))
        if target is None:
            raise InvalidTransition("booking", self.status, command)
        return target

    def _allow(self, command: str) -> None:
        if self.status not in _MONEY_COMMANDS[command]:
            raise InvalidTransition("booking", self.status, command)

    def _refuse(self, command: str) -> InvalidTransition:
        return InvalidTransition("booking", self.status, command)

    def _release_hold(self, now: datetime) -> None:
        if self.payment.release_hold():
            self._post(now, Movement.AUTHORIZATION_RELEASE, self.price.total_cents)

    def _refund_unaccepted(self, now: datetime, reason: str) -> int:
        """A request paid ahead that will not be accepted gives everything back."""
        if not self.paid_ahead:
            return 0
        refund = self.payment.remaining_cents
        self._apply_refund(now, refund)
        self.record(
            RefundIssued(
                occurred_at=now,
                booking_id=self.id,
                amount_cents=refund,
                reversal_cents=0,
                reason=reason,
            )
        )
        return refund

    # -- ledger ---------------------------------------------------------
    def _post(
        self, now: datetime, movement: Movement, amount_cents: int, reference: str | None = None
    ) -> None:
        if amount_cents > 0:
            self.record(
                MoneyMoved(
                    occurred_at=now,
                    booking_id=self.id,
                    movement=movement.value,
                    amount_cents=amount_cents,
                    reference=reference,
                )
            )

    @property
    def commission_taken(self) -> bool:
        """The platform took its commission when the caregiver was paid."""
        return self.payout.commission_taken

    def expected_ledger(self) -> Expected:
        """What the ledger must hold for this booking."""
        authorized = self.payment.is_authorized
        return Expected(
            authorized_cents=self.price.total_cents if authorized else 0,
            captured_cents=self.payment.captured_cents,
            refunded_cents=self.payment.refunded_cents,
            paid_out_cents=self.payout.paid_out_cents,
            commission_cents=self.settlement.commission_cents if self.commission_taken else 0,
            fee_cents=self.payment.stripe_fee_cents,
        )

    # -- payment --------------------------------------------------------
    def authorize(self, now: datetime, amount_cents: int) -> None:
        self._allow("authorize")
        if not self.payment.may_authorize():
            raise self._refuse("authorize")
        if amount_cents != self.price.total_cents:
            raise InvalidInput("the authorized amount differs from the booking total")
        self.payment.status = PaymentStatus.AUTHORIZED
        self.record(
            PaymentAuthorized(occurred_at=now, booking_id=self.id, amount_cents=amount_cents)
        )
        self._post(now, Movement.AUTHORIZATION, amount_cents)

    def pay(self, now: datetime, amount_cents: int, method: PaymentMethod) -> None:
        """The payment was taken at once, without a hold (Bancontact): captured
        before acceptance; the caregiver is told as of an authorization."""
        self._allow("authorize")
        if not self.payment.may_authorize():
            raise self._refuse("be paid")
        if amount_cents != self.price.total_cents:
            raise InvalidInput("the paid amount differs from the booking total")
        self.payment.capture(amount_cents)
        self.payment.method = method
        self.record(
            PaymentAuthorized(occurred_at=now, booking_id=self.id, amount_cents=amount_cents)
        )
        self._post(now, Movement.IMMEDIATE_CAPTURE, amount_cents, self.payment.intent_id)

    def fail_payment(self, now: datetime) -> None:
        self._allow("fail_payment")
        if self.payment.status is not PaymentStatus.PENDING:
            raise self._refuse("fail_payment")
        self.payment.status = PaymentStatus.FAILED
        self.record(PaymentFailed(occurred_at=now, booking_id=self.id))

    def cancel_payment(self, now: datetime) -> None:
        """Stripe canceled the PaymentIntent of a request: nothing is held any
        more, so it cannot be accepted; the expiry job frees the slot."""
        self._allow("cancel_payment")
        if self.payment.status is PaymentStatus.CANCELED:
            raise self._refuse("cancel a canceled payment")
        self._release_hold(now)

    def record_capture(self, now: datetime, charge_id: str | None, fee_cents: int | None) -> None:
        """What Stripe said of the capture: its charge, and its fee when known."""
        if self.payment.captured_cents == 0:
            raise self._refuse("record a capture it never made")
        new_fee = self.payment.note_capture(charge_id, fee_cents)
        self._post(now, Movement.STRIPE_FEE, new_fee, self.payment.charge_id)

    # -- lifecycle ------------------------------------------------------
    # -- occurrences of a series ------------------------------------------
    def _series(self) -> UUID:
        if self.series_id is None:
            raise self._refuse("act as an occurrence of a series")
        return self.series_id

    def accept_occurrence(self, now: datetime, accepted_at: datetime) -> None:
        """Accepted with its series: nothing is held yet; paid by `pay_by`."""
        series_id = self._series()
        self.status = self._move("accept")
        self.pay_by = series_pay_by(self.start, accepted_at)
        self.record(OccurrenceAccepted(occurred_at=now, booking_id=self.id, series_id=series_id))

    def end_with_series(self, now: datetime, command: str) -> None:
        """Declined or expired with its series (nothing was paid yet)."""
        series_id = self._series()
        if command not in ("decline", "expire"):
            raise self._refuse(command)
        self.status = self._move(command)
        self._release_hold(now)
        self.record(
            OccurrenceEnded(
                occurred_at=now, booking_id=self.id, series_id=series_id, status=self.status
            )
        )

    def is_due_for_charge(self, now: datetime) -> bool:
        """Accepted, not held yet (or held and not taken), 48 h before its start."""
        return (
            self.series_id is not None
            and self.status is BookingStatus.ACCEPTED
            and (
                (self.payment.status is PaymentStatus.PENDING and self.payment.intent_id is None)
                or self.payment.is_authorized
            )
            and now >= self.start - CHARGE_LEAD
        )

    def authorize_occurrence(self, now: datetime, amount_cents: int) -> None:
        """The off-session payment (or the owner's confirmation of it) holds the card."""
        series_id = self._series()
        if self.status is not BookingStatus.ACCEPTED or not self.payment.may_authorize():
            raise self._refuse("authorize")
        if amount_cents != self.price.total_cents:
            raise InvalidInput("the authorized amount differs from the booking total")
        self.payment.status = PaymentStatus.AUTHORIZED
        self.payment.method = PaymentMethod.CARD
        self.record(
            OccurrencePaymentAuthorized(
                occurred_at=now, booking_id=self.id, series_id=series_id, amount_cents=amount_cents
            )
        )
        self._post(now, Movement.AUTHORIZATION, amount_cents)

    def capture_occurrence(self, now: datetime) -> None:
        """Take the held amount: the caregiver accepted long ago (as a booking
        is captured on acceptance)."""
        self._series()
        if self.status is not BookingStatus.ACCEPTED or not self.payment.is_authorized:
            raise self._refuse("capture")
        self.payment.capture(self.price.total_cents)
        self._post(now, Movement.CAPTURE, self.payment.captured_cents, self.payment.intent_id)

    def need_payment(self, now: datetime, reason: str) -> None:
        """The off-session payment failed: the owner is asked to confirm it."""
        series_id = self._series()
        if self.status is not BookingStatus.ACCEPTED or not self.payment.may_authorize():
            raise self._refuse("ask for its payment")
        self.payment.status = PaymentStatus.FAILED
        self.record(
            OccurrencePaymentNeeded(
                occurred_at=now,
                booking_id=self.id,
                series_id=series_id,
                reason=reason,
                pay_by=self.pay_by or self.start,
            )
        )

    def is_due_to_lapse(self, now: datetime) -> bool:
        return (
            self.series_id is not None
            and self.status is BookingStatus.ACCEPTED
            and self.payment.status in (PaymentStatus.PENDING, PaymentStatus.FAILED)
            and now >= (self.pay_by or self.start)
        )

    def lapse(self, now: datetime) -> None:
        """Still unpaid at `pay_by`: cancelled without charge."""
        series_id = self._series()
        if not self.is_due_to_lapse(now):
            raise self._refuse("lapse before its payment deadline")
        self.status = self._move("cancel")
        self._release_hold(now)
        self.reason = "unpaid"
        self.record(OccurrenceLapsed(occurred_at=now, booking_id=self.id, series_id=series_id))

    def accept(self, now: datetime) -> None:
        """Needs an authorized payment and an answer within the deadline; captures it."""
        target = self._move("accept")
        if self.series_id is not None:
            raise self._refuse("be accepted but with its series")
        if not self.is_paid:
            raise PaymentNotAuthorized("the payment for this booking is not authorized yet")
        if now >= self.response_deadline:
            raise self._refuse("accept after its response deadline")
        if self.paid_ahead:  # taken already: nothing to capture
            self.status = target
            captured = self.payment.captured_cents
            self.record(
                BookingAccepted(occurred_at=now, booking_id=self.id, captured_cents=captured)
            )
            return
        self._capture(now, target)

    def _capture(self, now: datetime, target: BookingStatus) -> None:
        self.status = target
        self.payment.capture(self.price.total_cents)
        captured = self.payment.captured_cents
        self.record(BookingAccepted(occurred_at=now, booking_id=self.id, captured_cents=captured))
        self._post(now, Movement.CAPTURE, captured, self.payment.intent_id)

    def recover_capture(self, now: datetime) -> None:
        """Stripe captured the payment, but the acceptance that asked for it was
        not committed (a crash in between): the caregiver did accept, so the
        booking is accepted now, whatever the response deadline says."""
        target = self._move("accept")
        if not self.payment.is_authorized:
            raise PaymentNotAuthorized("the payment for this booking is not authorized")
        self._capture(now, target)

    def decline(self, now: datetime) -> None:
        target = self._move("decline")
        if self.series_id is not None:
            raise self._refuse("be declined but with its series")
        self._refund_unaccepted(now, "declined")
        self.status = target
        self._release_hold(now)
        self.record(BookingDeclined(occurred_at=now, booking_id=self.id))

    def expire(self, now: datetime) -> None:
        target = self._move("expire")
        if not self.is_due_to_expire(now):
            raise self._refuse("expire before its deadline")
        authorized = self.is_paid
        self._refund_unaccepted(now, "expired")
        self.status = target
        self._release_hold(now)
        self.record(BookingExpired(occurred_at=now, booking_id=self.id, authorized=authorized))

    def cancel(
        self,
        by: Canceller,
        now: datetime,
        reason: str | None = None,
        payout_delay: timedelta = DEFAULT_DISPUTE_WINDOW,
        quiet: bool = False,
    ) -> int:
        """Cancel; returns the refund in cents (zero before capture).

        What the owner does not get back is the new total: the caregiver's
        share of it is paid out once `payout_delay` has passed.
        """
        target = self._move("cancel")
        # Paid ahead and never accepted: everything goes back.
        refund = self.payment.remaining_cents if self.paid_ahead else 0
        if self.status is BookingStatus.ACCEPTED:
            remaining = self.payment.remaining_cents
            if by is Canceller.OWNER:
                # The policy's share is what the owner gets back in all: a refund
                # made before (an admin's, or this cancellation's own whose
                # commit was lost) counts towards it.
                policy_share = owner_refund_cents(
                    self.cancellation_policy,
                    self.service,
                    self.start,
                    now,
                    self.payment.captured_cents,
                )
                refund = min(remaining, max(0, policy_share - self.payment.refunded_cents))
            else:
                refund = remaining
        self.status = target
        self._release_hold(now)
        reversal = self._apply_refund(now, refund)
        self.cancelled_by = by
        self.reason = reason
        if self.payment.captured_cents and self.settlement.payout_cents > 0:
            self.dispute.open_window(now, payout_delay)
            self.payout.schedule_if_none()  # a chargeback's hold stays
        if quiet and self.series_id is not None:  # the series' email tells of it
            self.record(
                OccurrenceEnded(
                    occurred_at=now,
                    booking_id=self.id,
                    series_id=self.series_id,
                    status=self.status,
                    refund_cents=refund,
                    reversal_cents=reversal,
                )
            )
            return refund
        self.record(
            BookingCancelled(
                occurred_at=now,
                booking_id=self.id,
                by=by,
                refund_cents=refund,
                reversal_cents=reversal,
            )
        )
        return refund

    def start_service(self, now: datetime) -> None:
        target = self._move("start")
        if now < self.start:
            raise self._refuse("start before its start time")
        if self.awaits_payment:
            raise self._refuse("start before it is paid")
        self.status = target
        self.record(BookingStarted(occurred_at=now, booking_id=self.id))

    def complete(self, now: datetime, dispute_window: timedelta = DEFAULT_DISPUTE_WINDOW) -> None:
        target = self._move("complete")
        if now < self.end:
            raise self._refuse("complete before its end time")
        if self.awaits_payment:  # it lapses unpaid instead
            raise self._refuse("complete before it is paid")
        self.status = target
        self.completed_at = now
        self.dispute.open_window(now, dispute_window)
        # A payout held before the end (a chargeback) stays held.
        if self.settlement.payout_cents > 0:
            self.payout.schedule_if_none()
        self.record(BookingCompleted(occurred_at=now, booking_id=self.id))

    # -- disputes -------------------------------------------------------
    def open_dispute(self, now: datetime, reason: str) -> None:
        target = self._move("dispute")
        if not self.dispute.is_open(now):
            raise self._refuse("be disputed after the dispute window")
        if self.payout.commission_taken:
            raise self._refuse("be disputed after the payout")
        if not reason.strip():
            raise InvalidInput("a dispute needs a reason")
        self.status = target
        if self.payout.is_scheduled:
            self.payout.hold()
        self.reason = reason.strip()
        self.record(DisputeOpened(occurred_at=now, booking_id=self.id, reason=self.reason))

    def resolve_dispute(
        self, now: datetime, outcome: DisputeOutcome, refund_cents: int | None = None
    ) -> int:
        """Release the payout, or refund (all that remains by default). Returns the refund.

        Resolves an owner's dispute, and also a payout held otherwise (a
        chargeback, a transfer that kept failing): the status stays then.
        """
        disputed = self.status is BookingStatus.DISPUTED
        if disputed:
            target = self._move("resolve")
        elif self.status in SETTLED and self.payout.is_held:
            target = self.status
        else:
            raise self._refuse("resolve a dispute")
        if outcome is DisputeOutcome.RELEASE and refund_cents is not None:
            raise InvalidInput("a release refunds nothing: leave amount_cents out")
        refund = 0
        if outcome is DisputeOutcome.REFUND:
            remaining = self.payment.remaining_cents
            refund = remaining if refund_cents is None else refund_cents
            if not 0 < refund <= remaining:
                raise InvalidInput(f"the refund must be within 1..{remaining} cents")
        self.status = target
        reversal = self._apply_refund(now, refund)
        self.payout.reschedule(self.settlement.payout_cents > 0)
        # The owner has been heard: the payout need not wait for the window.
        # A hold of another kind (a chargeback) leaves the owner's window as it was.
        if disputed:
            self.dispute.close(now)
        self.record(
            DisputeResolved(
                occurred_at=now, booking_id=self.id, outcome=outcome, refund_cents=refund
            )
        )
        if refund:  # the owner hears of it like of any refund
            self.record(
                RefundIssued(
                    occurred_at=now,
                    booking_id=self.id,
                    amount_cents=refund,
                    reversal_cents=reversal,
                    reason="dispute resolved",
                )
            )
        return refund

    # -- money after capture --------------------------------------------
    def refund(self, now: datetime, amount_cents: int, reason: str | None = None) -> Settlement:
        """An admin refund of part or all of what remains captured."""
        self._allow("refund")
        remaining = self.payment.remaining_cents
        if not 0 < amount_cents <= remaining:
            raise InvalidInput(f"the refund must be within 1..{remaining} cents")
        reversal = self._apply_refund(now, amount_cents)
        if self.settlement.payout_cents == 0:
            self.payout.drop()
        self.record(
            RefundIssued(
                occurred_at=now,
                booking_id=self.id,
                amount_cents=amount_cents,
                reversal_cents=reversal,
                reason=reason,
            )
        )
        return self.settlement

    def _apply_refund(self, now: datetime, amount_cents: int) -> int:
        """Book a refund; returns how much of a past transfer must be reversed."""
        if amount_cents == 0:
            return 0
        commission_before = self.settlement.commission_cents
        self.payment.add_refund(amount_cents)
        reversal = self.settlement.reversal_cents
        if reversal:
            self.payout.reverse(reversal)
        if self.commission_taken:
            # After the payout the refund comes back from both who were paid.
            self._post(now, Movement.REVERSAL, reversal, self.payout.transfer_id)
            self._post(
                now,
                Movement.COMMISSION_RETURN,
                commission_before - self.settlement.commission_cents,
            )
        self._post(now, Movement.REFUND, amount_cents)
        return reversal

    def hold_payout(self, now: datetime, reason: str) -> None:
        self._allow("hold_payout")
        if not (self.payout.is_scheduled or self.payout.is_withheld):
            raise self._refuse("hold a payout that is not scheduled")
        self.payout.hold()
        self.record(PayoutHeld(occurred_at=now, booking_id=self.id, reason=reason))

    def open_chargeback(self, now: datetime, dispute_id: str, amount_cents: int) -> None:
        """The bank disputes the charge: hold whatever is not paid out yet, tell admins."""
        if self.payment.captured_cents == 0:
            raise self._refuse("be charged back before a capture")
        # A request paid ahead (Bancontact) may still be accepted and completed:
        # its payout must wait for the chargeback too.
        hold = (
            self.payout.is_scheduled
            or self.payout.is_withheld
            or (
                self.payout.status is PayoutStatus.NONE
                and (
                    self.paid_ahead
                    or self.status in (BookingStatus.ACCEPTED, BookingStatus.IN_PROGRESS)
                )
            )
        )
        if hold:
            self.payout.hold()
        self.record(
            ChargebackOpened(
                occurred_at=now,
                booking_id=self.id,
                dispute_id=dispute_id,
                amount_cents=amount_cents,
                payout_held=hold,
            )
        )

    def release_payout(self, now: datetime) -> None:
        self._allow("release_payout")
        if not self.payout.is_held:
            raise self._refuse("release a payout that is not held")
        self.payout.reschedule(anything_to_pay=True)

    def withhold_payout(self, now: datetime) -> None:
        """The payout is due, but the caregiver's tax details are missing after
        the reminders (domain/model/tax_requests.py): it waits, no attempt counted."""
        self._allow("pay_out")
        if not self.is_payout_due(now):
            raise self._refuse("withhold a payout that is not due")
        self.payout.withhold()

    def release_withheld_payout(self) -> None:
        """The caregiver gave their tax details: the next payout run pays it."""
        if not self.payout.is_withheld:
            raise self._refuse("release a payout that is not withheld")
        self.payout.unwithhold()

    def is_payout_due(self, now: datetime) -> bool:
        return self.status in SETTLED and self.payout.is_scheduled and self.dispute.has_passed(now)

    def claim_payout(self, now: datetime) -> int:
        """Count an attempt before the transfer is made, and keep other runs
        away until it may be retried; returns the attempt's number."""
        self._allow("pay_out")
        if not self.is_payout_due(now):
            raise self._refuse("pay out before the dispute window has passed")
        if not self.payout.may_retry(now):
            raise self._refuse("retry a payout before its backoff")
        return self.payout.claim(now)

    def fail_payout(self, now: datetime, error: str) -> bool:
        """A transfer attempt failed; True when that was the last and the payout is held."""
        self._allow("pay_out")
        if not self.payout.is_scheduled:
            raise self._refuse("fail a payout that is not scheduled")
        if not self.payout.exhausted:
            return False
        self.payout.hold()
        self.record(
            PayoutFailed(
                occurred_at=now, booking_id=self.id, attempts=self.payout.attempts, error=error
            )
        )
        return True

    def pay_out(self, now: datetime, transfer_id: str | None = None) -> int:
        """Record the transfer of the caregiver's share; returns its amount.

        The platform takes its commission from the kept money at the same time.
        """
        self._allow("pay_out")
        if not self.is_payout_due(now):
            raise self._refuse("pay out before the dispute window has passed")
        return self._paid_out(now, transfer_id)

    def record_lost_payout(self, now: datetime, transfer_id: str) -> int:
        """Stripe made the transfer of a payout attempt whose commit or answer
        was lost: recorded as paid even if the payout was held since (its
        later attempts failed, or a chargeback came): the money has gone, and
        a held payout is never sent again. Returns its amount."""
        self._allow("pay_out")
        if self.payout.attempts == 0 or not self.payout.is_unsent or self.dispute.deadline is None:
            raise self._refuse("record a payout it never attempted")
        return self._paid_out(now, transfer_id)

    def _paid_out(self, now: datetime, transfer_id: str | None) -> int:
        amount = self.settlement.payout_cents
        if amount <= 0:
            raise self._refuse("pay out nothing")
        self.payout.paid(amount, transfer_id)
        self._post(now, Movement.COMMISSION, self.settlement.commission_cents)
        self._post(now, Movement.TRANSFER, amount, transfer_id)
        self.record(PayoutSent(occurred_at=now, booking_id=self.id, amount_cents=amount))
        return amount
