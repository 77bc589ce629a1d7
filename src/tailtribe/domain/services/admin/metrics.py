"""Business metrics for a range of Brussels dates (docs/rules.md, Metrics).

What each figure counts:
- registrations: owner accounts created in the range (owners; the daily
  series counts the same), caregiver profiles created in the range;
- approval rate: approvals / (approvals + rejections) decided in the range;
- bookings: those created in the range, as a cohort, and what became of
  them: accepted (the card was charged), completed, cancelled; conversion is
  accepted / created; gross booking value is what was charged for them;
  commission earned is the platform's share of what was kept (charged minus
  refunded) on the settled ones (completed or cancelled); payouts sent (net
  of reversals) and refunds are what went out for them so far;
- median time to first booking: for owners whose first booking falls in the
  range, from their registration to it;
- average rating: reviews written in the range;
- payment failure rate: failed / (failed + authorized) card payments in the
  range, from the domain events the outbox keeps;
- meet-and-greets: those requested in the range, and how many the pair
  followed with a booking that was accepted, requested within 30 days of the
  meet-and-greet's request (model.meet_and_greets.MEET_TO_BOOKING); the conversion divides them.
The stores compute each figure with aggregates; this module only divides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from tailtribe.domain.errors import FieldError, InvalidInput
from tailtribe.domain.model.time import EARLIEST, LATEST, at_local, local_date, utc, utc_offsets
from tailtribe.domain.ports.monitoring import Day, MetricsStore, Totals
from tailtribe.domain.ports.time import Clock

MAX_DAYS = 366
DEFAULT_DAYS = 30


def _ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


@dataclass(frozen=True, slots=True)
class Report:
    first: date
    last: date
    totals: Totals
    daily: list[Day]

    @property
    def approval_rate(self) -> float | None:
        t = self.totals
        return _ratio(t.approvals, t.approvals + t.rejections)

    @property
    def conversion(self) -> float | None:
        return _ratio(self.totals.bookings_accepted, self.totals.bookings_created)

    @property
    def average_booking_value_cents(self) -> int | None:
        t = self.totals
        if t.bookings_accepted == 0:
            return None
        return round(t.gross_booking_value_cents / t.bookings_accepted)

    @property
    def median_hours_to_first_booking(self) -> float | None:
        seconds = self.totals.median_seconds_to_first_booking
        return None if seconds is None else round(seconds / 3600, 2)

    @property
    def meet_and_greet_conversion(self) -> float | None:
        return _ratio(self.totals.meet_and_greets_booked, self.totals.meet_and_greets)

    @property
    def payment_failure_rate(self) -> float | None:
        t = self.totals
        return _ratio(t.payments_failed, t.payments_failed + t.payments_authorized)


class BusinessMetrics:
    """Admins only (the HTTP layer's guard). Dates are Brussels days, both
    included; without them, the last 30 days up to today."""

    def __init__(self, store: MetricsStore, clock: Clock) -> None:
        self._store, self._clock = store, clock

    async def __call__(self, first: date | None, last: date | None) -> Report:
        for name, day in (("from", first), ("to", last)):
            if day is not None and not EARLIEST.date() < day < LATEST.date():
                raise InvalidInput(
                    f"{name} is out of range", [FieldError(name, "a date from 2000 to 2199")]
                )
        last = last or local_date(self._clock.now())
        first = first or last - timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            raise InvalidInput("from is after to", [FieldError("from", "after to")])
        if (last - first).days + 1 > MAX_DAYS:
            raise InvalidInput(
                f"at most {MAX_DAYS} days at once", [FieldError("to", f"{MAX_DAYS} days at most")]
            )
        start = utc(at_local(first, time(0)))
        end = utc(at_local(last + timedelta(days=1), time(0)))
        totals = await self._store.totals(start, end)
        found = {d.day: d for d in await self._store.daily(start, end, utc_offsets(start, end))}
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        return Report(first, last, totals, [found.get(d, Day(d)) for d in days])
