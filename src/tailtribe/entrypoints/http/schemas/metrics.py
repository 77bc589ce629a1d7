from __future__ import annotations

from datetime import date

import msgspec

from tailtribe.domain.services.admin.metrics import Report


class Registrations(msgspec.Struct):
    owners: int
    caregivers: int


class BookingCounts(msgspec.Struct):
    created: int
    accepted: int
    completed: int
    cancelled: int


class DayOut(msgspec.Struct):
    date: date
    registrations: int
    bookings_created: int
    gross_booking_value_cents: int


class MetricsOut(msgspec.Struct, rename={"from_": "from"}):
    from_: date
    to: date
    timezone: str
    registrations: Registrations
    caregiver_approval_rate: float | None
    bookings: BookingCounts
    request_to_booking_conversion: float | None
    gross_booking_value_cents: int
    commission_earned_cents: int
    payouts_sent_cents: int
    refunds_cents: int
    average_booking_value_cents: int | None
    median_hours_to_first_booking: float | None
    average_rating: float | None
    reviews: int
    payment_failure_rate: float | None
    daily: list[DayOut]

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
                DayOut(d.day, d.registrations, d.bookings_created, d.gross_booking_value_cents)
                for d in r.daily
            ],
        )
