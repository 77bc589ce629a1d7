from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from tailtribe.domain.errors import FieldError, InvalidInput
from tailtribe.domain.model.bookings import shown_text
from tailtribe.domain.model.pricing import MAX_PETS_PER_BOOKING
from tailtribe.domain.model.series import (
    MAX_WEEKS,
    WEEKDAYS,
    BookingSeries,
    SeriesStatus,
    SetupStatus,
    WeeklyPattern,
)
from tailtribe.domain.ports.payments import SavedCard
from tailtribe.domain.services.bookings.request import MAX_MESSAGE
from tailtribe.domain.services.series.manage import SeriesView
from tailtribe.domain.services.series.request import SeriesQuote, SeriesRequest
from tailtribe.entrypoints.http.schemas.bookings import BookingOut, Money, PriceOut, Reason
from tailtribe.entrypoints.http.schemas.common import (
    INSTANT,
    PAGE_ITEMS,
    PageLimit,
    PageOffset,
    ServiceKind,
    Strict,
    Total,
    free_text,
)

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
MAX_OCCURRENCES = MAX_WEEKS * 7


class RepeatBody(Strict):
    """A weekly pattern: the same Brussels wall-clock time on the chosen
    weekdays, from `first_date`, for `count` occurrences or until `until`
    (inclusive); at most 26 weeks. Give exactly one of count and until."""

    weekdays: Annotated[
        list[Weekday],
        msgspec.Meta(
            min_length=1, max_length=7, description="Each once.", examples=[["mon", "thu"]]
        ),
    ]
    start_time: Annotated[
        str,
        msgspec.Meta(
            pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
            description="HH:MM, Brussels time; kept across DST changes (a time the "
            "spring-forward night skips moves forward by the gap).",
            examples=["08:30"],
        ),
    ]
    duration_minutes: Annotated[
        int,
        msgspec.Meta(
            ge=15,
            le=24 * 60,
            description="Each occurrence's length: 15 to 180 for walks and visits; day care "
            "ends later the same day.",
            examples=[60],
        ),
    ]
    first_date: Annotated[
        date, msgspec.Meta(description="The first day the pattern may fall on (Brussels).")
    ]
    count: (
        Annotated[
            int,
            msgspec.Meta(ge=1, le=MAX_OCCURRENCES, description="How many occurrences."),
        ]
        | None
    ) = None
    until: Annotated[date, msgspec.Meta(description="The last day (inclusive).")] | None = None

    def pattern(self) -> WeeklyPattern:
        hours, minutes = (int(part) for part in self.start_time.split(":"))
        return WeeklyPattern(
            weekdays=tuple(WEEKDAYS.index(d) for d in self.weekdays),
            start_time=time(hours, minutes),
            duration_minutes=self.duration_minutes,
            first_date=self.first_date,
            count=self.count,
            until=self.until,
        )

    @classmethod
    def of(cls, p: WeeklyPattern) -> RepeatBody:
        days: list[Weekday] = [WEEKDAYS[d] for d in p.weekdays]  # type: ignore[misc]
        return cls(
            weekdays=days,
            start_time=p.start_time.strftime("%H:%M"),
            duration_minutes=p.duration_minutes,
            first_date=p.first_date,
            count=p.count,
            until=p.until,
        )


Message = Annotated[
    str,
    free_text(MAX_MESSAGE, multiline=True),
    msgspec.Meta(
        description="To the caregiver; contact details are masked until accepted.",
        examples=["Bruno pulls a bit on the lead."],
    ),
]


class SeriesBody(Strict):
    """A weekly series request: the owner's pets, one approved caregiver, a
    walk, drop-in visit or day care, on a weekly pattern."""

    caregiver_id: Annotated[
        UUID, msgspec.Meta(description="The caregiver profile's id (as search gives it).")
    ]
    service: ServiceKind
    pet_ids: Annotated[
        list[UUID],
        msgspec.Meta(
            min_length=1, max_length=MAX_PETS_PER_BOOKING, description="The owner's own pets."
        ),
    ]
    repeat: Annotated[RepeatBody, msgspec.Meta(description="When the occurrences fall.")]
    message: Message | None = None

    def request(self) -> SeriesRequest:
        return SeriesRequest(
            self.caregiver_id,
            self.service,
            tuple(self.pet_ids),
            self.repeat.pattern(),
            self.message,
        )


class OccurrencePriceOut(msgspec.Struct):
    start: Annotated[datetime, msgspec.Meta(description=f"The occurrence's start; {INSTANT}.")]
    end: Annotated[datetime, msgspec.Meta(description=f"The occurrence's end; {INSTANT}.")]
    price: Annotated[PriceOut, msgspec.Meta(description="The occurrence's own price.")]


class QuoteOut(PriceOut, omit_defaults=True):
    """The price of one booking, or a series' total (each occurrence is
    charged on its own, 48 hours before it starts) with every occurrence's."""

    occurrences: Annotated[
        list[OccurrencePriceOut],
        msgspec.Meta(description="A series' occurrences by start; absent for one booking."),
    ] = msgspec.field(default_factory=list)

    @classmethod
    def of_one(cls, price: PriceOut) -> QuoteOut:
        return cls(price.units, price.total, price.commission, price.caregiver_payout)

    @classmethod
    def of_series(cls, q: SeriesQuote) -> QuoteOut:
        total = PriceOut.of(q.total)
        return cls(
            total.units,
            total.total,
            total.commission,
            total.caregiver_payout,
            [OccurrencePriceOut(o.start, o.end, PriceOut.of(o.price)) for o in q.occurrences],
        )


class CardOut(msgspec.Struct):
    """The card the owner saves for the series' off-session payments."""

    status: Annotated[
        SetupStatus,
        msgspec.Meta(
            description="pending until Stripe says the card is saved (the caregiver is asked "
            "then); failed: try again within 30 minutes of the request."
        ),
    ]
    setup_intent_id: Annotated[
        str | None, msgspec.Meta(description="Stripe's SetupIntent; only the owner sees it.")
    ] = None
    client_secret: Annotated[
        str | None,
        msgspec.Meta(
            description="Confirms the SetupIntent with Stripe.js (Payment Element); owner only."
        ),
    ] = None


class SeriesOut(msgspec.Struct):
    id: Annotated[UUID, msgspec.Meta(description="The series' id.")]
    owner_id: Annotated[UUID, msgspec.Meta(description="The owner's user id.")]
    caregiver_id: Annotated[UUID, msgspec.Meta(description="The caregiver profile's id.")]
    service: ServiceKind
    pet_ids: Annotated[list[UUID], msgspec.Meta(description="The owner's pets in the series.")]
    repeat: Annotated[RepeatBody, msgspec.Meta(description="The weekly pattern, as asked.")]
    status: Annotated[
        SeriesStatus,
        msgspec.Meta(
            description="requested (waits for the card, then the caregiver), accepted, "
            "declined, expired or cancelled (withdrawn before an answer). After acceptance "
            "each occurrence has its own status."
        ),
    ]
    created_at: Annotated[datetime, msgspec.Meta(description=f"{INSTANT}.")]
    response_deadline: Annotated[
        datetime,
        msgspec.Meta(
            description=f"The caregiver answers by then (24 h, or the first start); {INSTANT}."
        ),
    ]
    message: Annotated[
        str | None, msgspec.Meta(description="The request's message, masked until accepted.")
    ]
    conversation_id: Annotated[
        UUID | None,
        msgspec.Meta(description="The pair's conversation, the request's message in it."),
    ]
    card: Annotated[
        CardOut, msgspec.Meta(description="The card saved for the occurrences' payments.")
    ]
    total: Annotated[
        Money, msgspec.Meta(description="What the occurrences still planned cost together.")
    ]
    occurrences: Annotated[
        list[BookingOut],
        msgspec.Meta(
            description="Each occurrence as a booking (its own status, payment and payout)."
        ),
    ]
    cancelled: Annotated[
        int | None, msgspec.Meta(description="On a cancellation: how many occurrences it ended.")
    ] = None
    refund: Annotated[
        Money | None,
        msgspec.Meta(description="On a cancellation: what the owner gets back in all."),
    ] = None

    @classmethod
    def of(
        cls,
        view: SeriesView,
        *,
        for_owner: bool,
        cancelled: int | None = None,
        refund: int | None = None,
    ) -> SeriesOut:
        s: BookingSeries = view.series
        card = CardOut(
            s.setup_status,
            s.setup_intent_id if for_owner else None,
            s.setup_client_secret if for_owner and not s.card_saved else None,
        )
        message = None if s.message is None else shown_text(s.message, s.accepted)
        return cls(
            id=s.id,
            owner_id=s.owner_id,
            caregiver_id=s.caregiver_id,
            service=s.service,
            pet_ids=list(s.pet_ids),
            repeat=RepeatBody.of(s.pattern),
            status=s.status,
            created_at=s.created_at,
            response_deadline=s.response_deadline,
            message=message,
            conversation_id=s.conversation_id,
            card=card,
            total=Money(sum(b.price.total_cents for b in view.planned)),
            occurrences=[BookingOut.of(b, for_owner=for_owner) for b in view.occurrences],
            cancelled=cancelled,
            refund=None if refund is None else Money(refund),
        )


class SeriesList(msgspec.Struct):
    items: Annotated[list[SeriesOut], msgspec.Meta(description=PAGE_ITEMS)]
    total: Total
    limit: PageLimit
    offset: PageOffset


class SeriesCancelBody(Strict):
    from_date: (
        Annotated[
            date,
            msgspec.Meta(
                description="Cancel every occurrence on or after this day (Brussels); "
                "default: every occurrence not started yet."
            ),
        ]
        | None
    ) = None
    reason: Reason | None = None


class SimulatedCardBody(Strict):
    card: Annotated[
        SavedCard,
        msgspec.Meta(
            description="Stripe's test cards: pm_card_visa pays every occurrence; "
            "pm_card_authenticationRequired asks the owner to confirm each payment; "
            "pm_card_chargeDeclined is refused (the owner pays with another card)."
        ),
    ] = SavedCard.SUCCEEDS


OneBookingInstant = Annotated[
    datetime, msgspec.Meta(tz=True, description=f"For one booking: {INSTANT}.")
]


class QuoteBody(Strict):
    """A quote: one booking (start and end) or a weekly series (repeat)."""

    caregiver_id: Annotated[
        UUID, msgspec.Meta(description="The caregiver profile's id (as search gives it).")
    ]
    service: ServiceKind
    pet_ids: Annotated[
        list[UUID],
        msgspec.Meta(
            min_length=1, max_length=MAX_PETS_PER_BOOKING, description="The owner's own pets."
        ),
    ]
    start: (
        Annotated[datetime, msgspec.Meta(tz=True, description=f"One booking: {INSTANT}.")] | None
    ) = None
    end: (
        Annotated[datetime, msgspec.Meta(tz=True, description=f"One booking: {INSTANT}.")] | None
    ) = None
    repeat: (
        Annotated[RepeatBody, msgspec.Meta(description="A weekly series instead of start and end.")]
        | None
    ) = None
    message: Message | None = None

    def shape(self) -> tuple[datetime, datetime] | None:
        """start and end for one booking, None for a series; refuses a mix."""
        if self.repeat is not None:
            if self.start is not None or self.end is not None:
                raise _refuse("repeat", "give either start and end, or repeat")
            return None
        if self.start is None or self.end is None:
            field = "start" if self.start is None else "end"
            raise _refuse(field, "one booking needs start and end (or a series: repeat)")
        return self.start, self.end


def _refuse(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, [FieldError(field, message)])
