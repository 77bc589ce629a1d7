from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec

from tailtribe.domain.services.admin.metrics import Report
from tailtribe.entrypoints.http.schemas.common import CENTS

_RATIO = "a share from 0 to 1, rounded to 4 decimals; null when nothing was counted."
_COHORT = "bookings created in the range"


def _doc(description: str) -> msgspec.Meta:
    return msgspec.Meta(description=description)


class Registrations(msgspec.Struct):
    owners: Annotated[int, _doc("Owner accounts created in the range.")]
    caregivers: Annotated[int, _doc("Caregiver profiles created in the range.")]


class BookingCounts(msgspec.Struct):
    created: Annotated[int, _doc(f"The {_COHORT}.")]
    accepted: Annotated[int, _doc(f"Of the {_COHORT}, those accepted (the card charged).")]
    completed: Annotated[int, _doc(f"Of the {_COHORT}, those completed.")]
    cancelled: Annotated[int, _doc(f"Of the {_COHORT}, those cancelled.")]


class DayOut(msgspec.Struct):
    date: Annotated[date, _doc("The day, in Europe/Brussels.")]
    registrations: Annotated[int, _doc("Owner accounts created that day.")]
    bookings_created: Annotated[int, _doc("Bookings created that day.")]
    gross_booking_value_cents: Annotated[
        int, _doc(f"What was charged for the bookings created that day, {CENTS}.")
    ]
    bookings_accepted: Annotated[int, _doc("Of the bookings created that day, those accepted.")]
    bookings_completed: Annotated[int, _doc("Of the bookings created that day, those completed.")]
    bookings_cancelled: Annotated[int, _doc("Of the bookings created that day, those cancelled.")]
    commission_earned_cents: Annotated[
        int,
        _doc(f"The platform's share of what was kept on that day's settled bookings, {CENTS}."),
    ]


class MeetAndGreetCounts(msgspec.Struct):
    requested: Annotated[int, _doc("Meet-and-greets requested in the range.")]
    led_to_booking: Annotated[
        int,
        _doc(
            "Of those, how many the pair followed with a booking that was accepted, "
            "requested within 30 days of the meet-and-greet's request."
        ),
    ]
    conversion: Annotated[float | None, _doc(f"led_to_booking / requested: {_RATIO}")]


class MetricsOut(msgspec.Struct, rename={"from_": "from"}):
    from_: Annotated[date, _doc("The first day of the range, included (Europe/Brussels).")]
    to: Annotated[date, _doc("The last day of the range, included (Europe/Brussels).")]
    timezone: Annotated[str, _doc("The time zone the days are counted in: Europe/Brussels.")]
    registrations: Annotated[Registrations, _doc("Accounts and profiles created in the range.")]
    caregiver_approval_rate: Annotated[
        float | None, _doc(f"Approvals / (approvals + rejections) decided in the range: {_RATIO}")
    ]
    bookings: Annotated[BookingCounts, _doc(f"The {_COHORT} and what became of them.")]
    request_to_booking_conversion: Annotated[
        float | None, _doc(f"Accepted / created, of the {_COHORT}: {_RATIO}")
    ]
    gross_booking_value_cents: Annotated[int, _doc(f"What was charged for the {_COHORT}, {CENTS}.")]
    commission_earned_cents: Annotated[
        int,
        _doc(f"The platform's share of what was kept on the settled {_COHORT}, {CENTS}."),
    ]
    payouts_sent_cents: Annotated[
        int, _doc(f"Paid out to caregivers for the {_COHORT} so far, net of reversals, {CENTS}.")
    ]
    refunds_cents: Annotated[int, _doc(f"Refunded to owners for the {_COHORT} so far, {CENTS}.")]
    average_booking_value_cents: Annotated[
        int | None,
        _doc(f"Gross booking value / accepted bookings, {CENTS}; null when none was accepted."),
    ]
    median_hours_to_first_booking: Annotated[
        float | None,
        _doc(
            "For owners whose first booking falls in the range, the median hours from "
            "registration to it (2 decimals); null when there is none."
        ),
    ]
    average_rating: Annotated[
        float | None,
        _doc("Mean rating (1..5, 2 decimals) of reviews written in the range; null if none."),
    ]
    reviews: Annotated[int, _doc("Reviews written in the range.")]
    payment_failure_rate: Annotated[
        float | None,
        _doc(f"Failed / (failed + authorized) card payments in the range: {_RATIO}"),
    ]
    daily: Annotated[list[DayOut], _doc("One entry per day of the range, oldest first.")]
    meet_and_greets: Annotated[
        MeetAndGreetCounts, _doc("Meet-and-greets requested in the range and what followed.")
    ]

    @classmethod
    def of(cls, r: Report) -> MetricsOut:
        t = r.totals
        return cls(
            from_=r.first,
            to=r.last,
            timezone="Europe/Brussels",
            registrations=Registrations(t.owners, t.caregivers),
            caregiver_approval_rate=r.approval_rate,
            bookings=BookingCounts(
                t.bookings_created, t.bookings_accepted, t.bookings_completed, t.bookings_cancelled
            ),
            request_to_booking_conversion=r.conversion,
            gross_booking_value_cents=t.gross_booking_value_cents,
            commission_earned_cents=t.commission_earned_cents,
            payouts_sent_cents=t.payouts_sent_cents,
            refunds_cents=t.refunds_cents,
            average_booking_value_cents=r.average_booking_value_cents,
            median_hours_to_first_booking=r.median_hours_to_first_booking,
            average_rating=t.average_rating,
            reviews=t.reviews,
            payment_failure_rate=r.payment_failure_rate,
            daily=[
                DayOut(
                    d.day,
                    d.registrations,
                    d.bookings_created,
                    d.gross_booking_value_cents,
                    d.bookings_accepted,
                    d.bookings_completed,
                    d.bookings_cancelled,
                    d.commission_earned_cents,
                )
                for d in r.daily
            ],
            meet_and_greets=MeetAndGreetCounts(
                t.meet_and_greets, t.meet_and_greets_booked, r.meet_and_greet_conversion
            ),
        )
