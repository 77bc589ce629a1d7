from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from tailtribe.domain.model.booking_dispute import DisputeOutcome
from tailtribe.domain.model.booking_payment import PaymentStatus
from tailtribe.domain.model.booking_payout import PayoutStatus
from tailtribe.domain.model.bookings import Booking, BookingStatus
from tailtribe.domain.model.cancellation import CancellationPolicy
from tailtribe.domain.model.ledger import Account, Movement
from tailtribe.domain.model.money import CURRENCY
from tailtribe.domain.model.pricing import MAX_PETS_PER_BOOKING, Quote, Service
from tailtribe.domain.model.reviews import MAX_REVIEW_TEXT, Review
from tailtribe.domain.ports.queries import BookingView
from tailtribe.domain.services.bookings.request import MAX_MESSAGE, BookingRequest
from tailtribe.domain.services.payments.ledger import BookingLedger
from tailtribe.entrypoints.http.schemas.common import Strict, text

Instant = Annotated[datetime, msgspec.Meta(tz=True)]


class Money(msgspec.Struct):
    amount_cents: int
    currency: str = CURRENCY


class BookingBody(Strict):
    caregiver_id: UUID
    service: Service
    pet_ids: Annotated[list[UUID], msgspec.Meta(min_length=1, max_length=MAX_PETS_PER_BOOKING)]
    start: Instant
    end: Instant
    message: Annotated[str, text(MAX_MESSAGE)] | None = None

    def request(self) -> BookingRequest:
        return BookingRequest(
            self.caregiver_id, self.service, tuple(self.pet_ids), self.start, self.end, self.message
        )


class PriceOut(msgspec.Struct):
    units: int
    total: Money
    commission: Money
    caregiver_payout: Money

    @classmethod
    def of(cls, q: Quote) -> PriceOut:
        return cls(
            q.units,
            Money(q.total_cents),
            Money(q.commission_cents),
            Money(q.caregiver_payout_cents),
        )


class PaymentOut(msgspec.Struct):
    payment_intent_id: str | None
    client_secret: str | None


class BookingOut(msgspec.Struct):
    id: UUID
    owner_id: UUID
    caregiver_id: UUID
    service: Service
    pet_ids: list[UUID]
    start: datetime
    end: datetime
    status: BookingStatus
    payment_status: PaymentStatus
    payout_status: PayoutStatus
    price: PriceOut
    cancellation_policy: Annotated[
        CancellationPolicy,
        msgspec.Meta(
            description="the policy this booking's refunds follow, fixed when it was requested: "
            "always flexible for dog walks and drop-ins (short visits, easily rebooked), the "
            "caregiver's policy for the other services; a later change of the profile's "
            "policy does not change it (docs/rules.md, Cancellation and refunds)"
        ),
    ]
    created_at: datetime
    message: str | None
    conversation_id: UUID | None
    refunded: Money
    paid_out: Money
    payout_not_before: datetime | None  # the end of the dispute window
    payment: PaymentOut | None = None
    refund: Money | None = None

    @classmethod
    def of(cls, b: Booking, *, for_owner: bool, refund: int | None = None) -> BookingOut:
        # The client secret confirms the card: only the owner ever sees it.
        payment = PaymentOut(b.payment.intent_id, b.payment.client_secret) if for_owner else None
        return cls(
            id=b.id,
            owner_id=b.owner_id,
            caregiver_id=b.caregiver_id,
            service=b.service,
            pet_ids=list(b.pet_ids),
            start=b.start,
            end=b.end,
            status=b.status,
            payment_status=b.payment.status,
            payout_status=b.payout.status,
            price=PriceOut.of(b.price),
            cancellation_policy=b.cancellation_policy,
            created_at=b.created_at,
            message=b.shown_message,
            conversation_id=b.conversation_id,
            refunded=Money(b.payment.refunded_cents),
            paid_out=Money(b.payout.paid_out_cents),
            payout_not_before=b.dispute.deadline,
            payment=payment,
            refund=None if refund is None else Money(refund),
        )

    @classmethod
    def of_view(cls, b: BookingView, *, for_owner: bool) -> BookingOut:
        """The same answer as `of` gives for the booking, from its read model."""
        payment = PaymentOut(b.payment_intent_id, b.client_secret) if for_owner else None
        return cls(
            id=b.id,
            owner_id=b.owner_id,
            caregiver_id=b.caregiver_id,
            service=b.service,
            pet_ids=list(b.pet_ids),
            start=b.start,
            end=b.end,
            status=b.status,
            payment_status=b.payment_status,
            payout_status=b.payout_status,
            price=PriceOut.of(b.price),
            cancellation_policy=b.cancellation_policy,
            created_at=b.created_at,
            message=b.shown_message,
            conversation_id=b.conversation_id,
            refunded=Money(b.refunded_cents),
            paid_out=Money(b.paid_out_cents),
            payout_not_before=b.dispute_deadline,
            payment=payment,
        )


class BookingList(msgspec.Struct):
    items: list[BookingOut]
    total: int
    limit: int
    offset: int


class CancelBody(Strict):
    reason: Annotated[str, text(2000)] | None = None


class DisputeBody(Strict):
    reason: Annotated[str, text(2000, 1)]


class AdminRefundBody(Strict):
    amount_cents: Annotated[int, msgspec.Meta(ge=1)]
    reason: Annotated[str, text(2000, 1)]


class ResolveDisputeBody(Strict):
    outcome: DisputeOutcome
    amount_cents: Annotated[int, msgspec.Meta(ge=1)] | None = None


class LedgerEntryOut(msgspec.Struct):
    id: UUID
    movement: Movement
    source: Account
    destination: Account
    amount: Money
    reference: str | None
    occurred_at: datetime


class LedgerOut(msgspec.Struct):
    booking_id: UUID
    entries: list[LedgerEntryOut]
    balances: dict[str, Money]
    balanced: bool
    problems: list[str]

    @classmethod
    def of(cls, ledger: BookingLedger) -> LedgerOut:
        return cls(
            booking_id=ledger.booking.id,
            entries=[
                LedgerEntryOut(
                    e.id,
                    e.movement,
                    e.source,
                    e.destination,
                    Money(e.amount_cents),
                    e.reference,
                    e.occurred_at,
                )
                for e in ledger.entries
            ],
            balances={a.value: Money(v) for a, v in ledger.balances.items()},
            balanced=not ledger.problems,
            problems=list(ledger.problems),
        )


class ReviewBody(Strict):
    rating: Annotated[int, msgspec.Meta(ge=1, le=5)]
    comment: Annotated[str, text(MAX_REVIEW_TEXT)] = ""


class ReplyBody(Strict):
    comment: Annotated[str, text(MAX_REVIEW_TEXT, 1)]


class ReviewOut(msgspec.Struct):
    id: UUID
    booking_id: UUID
    caregiver_id: UUID
    rating: int
    comment: str
    created_at: datetime
    reply: str | None
    replied_at: datetime | None

    @classmethod
    def of(cls, r: Review) -> ReviewOut:
        return cls(
            r.id,
            r.booking_id,
            r.caregiver_id,
            r.rating,
            r.comment,
            r.created_at,
            r.reply,
            r.replied_at,
        )


class ReviewList(msgspec.Struct):
    items: list[ReviewOut]
    total: int
    limit: int
    offset: int
