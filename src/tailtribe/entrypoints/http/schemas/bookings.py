from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from tailtribe.domain.model.booking_dispute import DisputeOutcome
from tailtribe.domain.model.booking_payment import PaymentMethod, PaymentStatus
from tailtribe.domain.model.booking_payout import PayoutStatus
from tailtribe.domain.model.bookings import Booking, BookingStatus
from tailtribe.domain.model.cancellation import CancellationPolicy
from tailtribe.domain.model.ledger import Account, Movement
from tailtribe.domain.model.money import CURRENCY
from tailtribe.domain.model.pricing import MAX_PETS_PER_BOOKING, Quote
from tailtribe.domain.model.reviews import MAX_REVIEW_TEXT, Review
from tailtribe.domain.ports.payments import PaymentOutcome
from tailtribe.domain.ports.queries import BookingView
from tailtribe.domain.services.bookings.request import MAX_MESSAGE, BookingRequest
from tailtribe.domain.services.payments.ledger import BookingLedger
from tailtribe.entrypoints.http.schemas.common import (
    INSTANT,
    PAGE_ITEMS,
    Instant,
    PageLimit,
    PageOffset,
    ServiceKind,
    Strict,
    Total,
    free_text,
)

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
    service: ServiceKind
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

    payment_intent_id: Annotated[
        str | None,
        msgspec.Meta(description="The Stripe PaymentIntent's id; null until one is created."),
    ]
    client_secret: Annotated[
        str | None, msgspec.Meta(description="For Stripe.js to confirm the card payment.")
    ]


class BookingOut(msgspec.Struct):
    id: Annotated[UUID, msgspec.Meta(description="The booking's id.")]
    owner_id: Annotated[UUID, msgspec.Meta(description="The owner's user id.")]
    caregiver_id: Annotated[
        UUID, msgspec.Meta(description="The caregiver profile's id, not its user's.")
    ]
    service: ServiceKind
    pet_ids: Annotated[list[UUID], msgspec.Meta(description="The owner's pets in the booking.")]
    start: Annotated[datetime, msgspec.Meta(description=f"When the care starts; {INSTANT}.")]
    end: Annotated[datetime, msgspec.Meta(description=f"When the care ends; {INSTANT}.")]
    status: Annotated[
        BookingStatus,
        msgspec.Meta(
            description="requested -> accepted -> in_progress -> completed; disputed while a "
            "dispute is open; declined, expired and cancelled are final."
        ),
    ]
    payment_status: Annotated[
        PaymentStatus,
        msgspec.Meta(
            description="The owner's payment: pending, authorized (card held), captured "
            "(charged: a card on acceptance, Bancontact at once), refunded, "
            "partially_refunded, failed or canceled (hold released)."
        ),
    ]
    payout_status: Annotated[
        PayoutStatus,
        msgspec.Meta(
            description="The caregiver's share: none, scheduled (after the dispute window), "
            "held (an admin decides), withheld (due, but the caregiver's DAC7 tax details are "
            "missing after the reminders: scheduled again once given), paid or reversed."
        ),
    ]
    price: Annotated[
        PriceOut, msgspec.Meta(description="The price fixed when the booking was requested.")
    ]
    cancellation_policy: Annotated[
        CancellationPolicy,
        msgspec.Meta(
            description="the policy this booking's refunds follow, fixed when it was requested: "
            "always flexible for dog walks and drop-ins (short visits, easily rebooked), the "
            "caregiver's policy for the other services; a later change of the profile's "
            "policy does not change it (docs/rules.md, Cancellation and refunds)"
        ),
    ]
    created_at: Annotated[
        datetime, msgspec.Meta(description=f"When the booking was requested; {INSTANT}.")
    ]
    message: Annotated[
        str | None,
        msgspec.Meta(
            description="The owner's message with the request, contact details masked until "
            "the booking is accepted; null if none."
        ),
    ]
    conversation_id: Annotated[
        UUID | None, msgspec.Meta(description="The owner and caregiver's conversation, if any.")
    ]
    refunded: Annotated[Money, msgspec.Meta(description="Refunded to the owner so far.")]
    paid_out: Annotated[Money, msgspec.Meta(description="Paid out to the caregiver so far.")]
    payout_not_before: Annotated[
        datetime | None,
        msgspec.Meta(
            description=f"The end of the dispute window, no payout before it; {INSTANT}; "
            "null until it completes or is cancelled with a payout."
        ),
    ]
    payment_method: Annotated[
        PaymentMethod | None,
        msgspec.Meta(
            description="How the owner paid: card (held, captured on acceptance) or bancontact "
            "(taken at once, before acceptance; refunded in full if the request is not "
            "accepted); null before payment."
        ),
    ]
    payment: Annotated[
        PaymentOut | None,
        msgspec.Meta(description="The card payment; to the owner only, null for others."),
    ] = None
    refund: Annotated[
        Money | None, msgspec.Meta(description="On a cancellation: what the owner gets back.")
    ] = None
    series_id: Annotated[
        UUID | None,
        msgspec.Meta(description="The weekly series this booking is an occurrence of, if any."),
    ] = None
    pay_by: Annotated[
        datetime | None,
        msgspec.Meta(
            description="An accepted occurrence of a series: paid by then (off-session, 48 h "
            f"ahead), or cancelled without charge; {INSTANT}."
        ),
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
            payment_method=b.payment.method,
            payment=payment,
            refund=None if refund is None else Money(refund),
            series_id=b.series_id,
            pay_by=b.pay_by,
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
            payment_method=b.payment_method,
            payment=payment,
            series_id=b.series_id,
            pay_by=b.pay_by,
        )


class BookingList(msgspec.Struct):
    items: Annotated[list[BookingOut], msgspec.Meta(description=PAGE_ITEMS)]
    total: Total
    limit: PageLimit
    offset: PageOffset


class CancelBody(Strict):
    reason: Reason | None = None


class DisputeBody(Strict):
    reason: RequiredReason


class AdminRefundBody(Strict):
    amount_cents: AmountCents
    reason: RequiredReason


class ResolveDisputeBody(Strict):
    outcome: Annotated[
        DisputeOutcome,
        msgspec.Meta(
            description="release: pay the caregiver, refund nothing; refund: refund amount_cents "
            "(default: all that remains) and pay out the rest."
        ),
    ]
    amount_cents: AmountCents | None = None
    reason: Reason | None = None


LedgerAccount = Annotated[
    Account,
    msgspec.Meta(
        description="owner, card_hold, escrow, platform, caregiver or stripe_fees: "
        "where money sits."
    ),
]


class LedgerEntryOut(msgspec.Struct):
    id: Annotated[UUID, msgspec.Meta(description="The ledger entry's id.")]
    movement: Annotated[
        Movement,
        msgspec.Meta(description="What moved the money; each movement always goes the same way."),
    ]
    source: Annotated[LedgerAccount, msgspec.Meta(description="The account the money left.")]
    destination: Annotated[
        LedgerAccount, msgspec.Meta(description="The account the money went to.")
    ]
    amount: Annotated[Money, msgspec.Meta(description="How much moved from source to destination.")]
    reference: Annotated[
        str | None,
        msgspec.Meta(description="The Stripe object's id behind the entry; null if none."),
    ]
    occurred_at: Annotated[datetime, msgspec.Meta(description=f"When the money moved; {INSTANT}.")]


class LedgerOut(msgspec.Struct):
    booking_id: Annotated[UUID, msgspec.Meta(description="The booking this ledger is of.")]
    entries: Annotated[
        list[LedgerEntryOut], msgspec.Meta(description="Every money movement of the booking.")
    ]
    balances: Annotated[
        dict[str, Money],
        msgspec.Meta(description="Each account's balance from the entries, keyed by account."),
    ]
    balanced: Annotated[bool, msgspec.Meta(description="True when problems is empty.")]
    problems: Annotated[
        list[str],
        msgspec.Meta(
            description="Where the entries do not balance or disagree with the booking; "
            "empty when all is well."
        ),
    ]

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
        msgspec.Meta(
            description="The review's text, shown publicly; may be empty.",
            examples=["Sofie took great care of Bruno."],
        ),
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
    id: Annotated[UUID, msgspec.Meta(description="The review's id.")]
    booking_id: Annotated[UUID, msgspec.Meta(description="The completed booking reviewed.")]
    caregiver_id: Annotated[
        UUID, msgspec.Meta(description="The caregiver profile's id the review is of.")
    ]
    rating: Annotated[int, msgspec.Meta(description="Stars, 1..5.")]
    comment: Annotated[str, msgspec.Meta(description="The owner's text; may be empty.")]
    created_at: Annotated[
        datetime, msgspec.Meta(description=f"When the review was written; {INSTANT}.")
    ]
    reply: Annotated[str | None, msgspec.Meta(description="The caregiver's reply, if any.")]
    replied_at: Annotated[
        datetime | None,
        msgspec.Meta(description=f"When the caregiver replied; {INSTANT}; null if not yet."),
    ]

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
    items: Annotated[list[ReviewOut], msgspec.Meta(description=PAGE_ITEMS)]
    total: Total
    limit: PageLimit
    offset: PageOffset


class SimulatedPaymentBody(Strict):
    outcome: Annotated[
        PaymentOutcome,
        msgspec.Meta(
            description="succeeded: the card is held (authorized; captured when the caregiver "
            "accepts); failed: the card is refused (the owner may pay again within the "
            "payment window); abandoned: the payment is canceled and the request can no "
            "longer be accepted; bancontact: paid by Bancontact, taken at once (captured "
            "before acceptance, refunded in full if the request is not accepted)"
        ),
    ]
