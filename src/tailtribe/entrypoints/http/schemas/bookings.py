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
from tailtribe.entrypoints.http.schemas.common import Instant, Strict, free_text

Reason = Annotated[
    str,
    free_text(2000),
    msgspec.Meta(description="One line of text.", examples=["Our plans changed."]),
]
RequiredReason = Annotated[
    str,
    free_text(2000, required=True),
    msgspec.Meta(description="One line of text, not blank.", examples=["Bruno came home hurt."]),
]
AmountCents = Annotated[
    int, msgspec.Meta(ge=1, description="Integer cents (EUR).", examples=[2500])
]


class Money(msgspec.Struct):
    """An amount of money: integer cents, never a float."""

    amount_cents: Annotated[
        int, msgspec.Meta(description="Integer cents: 1500 is EUR 15.00.", examples=[1500])
    ]
    currency: Annotated[
        str, msgspec.Meta(description="ISO 4217 code; always EUR.", examples=[CURRENCY])
    ] = CURRENCY


class BookingBody(Strict):
    """A booking request (also what a quote is asked for): the owner's pets, with
    one approved caregiver, for one service, from start to end."""

    caregiver_id: Annotated[
        UUID,
        msgspec.Meta(
            description="The caregiver profile's id (as search gives it), not its user's.",
            examples=["4f7a1c2e-9b3d-4e8a-a1f0-3c5d7e9b2a64"],
        ),
    ]
    service: Service
    pet_ids: Annotated[
        list[UUID],
        msgspec.Meta(
            min_length=1,
            max_length=MAX_PETS_PER_BOOKING,
            description="The owner's own pets.",
            examples=[["8d2b5e71-3f4a-4c9e-b6d0-1a2c3e4f5a6b"]],
        ),
    ]
    start: Instant
    end: Annotated[
        datetime,
        msgspec.Meta(
            tz=True,
            description="After start; RFC 3339 with offset.",
            examples=["2027-05-03T10:00:00+02:00"],
        ),
    ]
    message: (
        Annotated[
            str,
            free_text(MAX_MESSAGE, multiline=True),
            msgspec.Meta(
                description="To the caregiver; contact details are masked until accepted.",
                examples=["Bruno pulls a bit on the lead."],
            ),
        ]
        | None
    ) = None

    def request(self) -> BookingRequest:
        return BookingRequest(
            self.caregiver_id, self.service, tuple(self.pet_ids), self.start, self.end, self.message
        )


class PriceOut(msgspec.Struct):
    units: Annotated[
        int, msgspec.Meta(description="How many walks, visits or nights the price counts.")
    ]
    total: Annotated[Money, msgspec.Meta(description="What the owner pays.")]
    commission: Annotated[Money, msgspec.Meta(description="The platform's share of the total.")]
    caregiver_payout: Annotated[
        Money, msgspec.Meta(description="The caregiver's share: total minus commission.")
    ]

    @classmethod
    def of(cls, q: Quote) -> PriceOut:
        return cls(
            q.units,
            Money(q.total_cents),
            Money(q.commission_cents),
            Money(q.caregiver_payout_cents),
        )


class PaymentOut(msgspec.Struct):
    """The Stripe PaymentIntent holding the owner's card; only the owner sees it."""

    payment_intent_id: str | None
    client_secret: Annotated[
        str | None, msgspec.Meta(description="For Stripe.js to confirm the card payment.")
    ]


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
    conversation_id: Annotated[
        UUID | None, msgspec.Meta(description="The owner and caregiver's conversation, if any.")
    ]
    refunded: Annotated[Money, msgspec.Meta(description="Refunded to the owner so far.")]
    paid_out: Annotated[Money, msgspec.Meta(description="Paid out to the caregiver so far.")]
    payout_not_before: Annotated[
        datetime | None,
        msgspec.Meta(description="The end of the dispute window: no payout before it."),
    ]
    payment: PaymentOut | None = None
    refund: Annotated[
        Money | None, msgspec.Meta(description="On a cancellation: what the owner gets back.")
    ] = None

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
    reason: Reason | None = None


class DisputeBody(Strict):
    reason: RequiredReason


class AdminRefundBody(Strict):
    amount_cents: AmountCents
    reason: RequiredReason


class ResolveDisputeBody(Strict):
    outcome: DisputeOutcome
    amount_cents: AmountCents | None = None


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
    """The owner's review of a completed booking, once."""

    rating: Annotated[int, msgspec.Meta(ge=1, le=5, description="Stars, 1..5.", examples=[5])]
    comment: Annotated[
        str,
        free_text(MAX_REVIEW_TEXT, multiline=True),
        msgspec.Meta(examples=["Sofie took great care of Bruno."]),
    ] = ""


class ReplyBody(Strict):
    """The caregiver's public reply to a review of them, once."""

    comment: Annotated[
        str,
        free_text(MAX_REVIEW_TEXT, multiline=True, required=True),
        msgspec.Meta(
            description="The reply's text, shown under the review.",
            examples=["Thank you, Bruno is welcome any time!"],
        ),
    ]


class ReviewOut(msgspec.Struct):
    id: UUID
    booking_id: UUID
    caregiver_id: UUID
    rating: int
    comment: str
    created_at: datetime
    reply: Annotated[str | None, msgspec.Meta(description="The caregiver's reply, if any.")]
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
