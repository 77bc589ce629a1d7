"""Weekly series of bookings (docs/series.md).

An owner asks for the same walk, drop-in visit or day care every week:
weekdays, a Brussels wall-clock time, a duration, a first date, and a count
or an end date within 26 weeks. Each occurrence is a booking of its own
(its price, cancellation policy, lifecycle and payout); the series is asked,
answered and ended as a whole:

requested --accept | decline | expire | cancel--> accepted | declined | expired | cancelled

An accepted series has no state of its own beyond that: its occurrences
live their lives. Payment is per occurrence: the owner saves a card when
asking (a SetupIntent), and each occurrence is charged off-session 48 hours
before its start.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from tailtribe.domain.errors import FieldError, InvalidInput, InvalidTransition
from tailtribe.domain.model.aggregate import Aggregate
from tailtribe.domain.model.events import (
    SeriesAccepted,
    SeriesCancelled,
    SeriesDeclined,
    SeriesExpired,
    SeriesPaymentMethodSaved,
    SeriesRequested,
    SeriesSetupFailed,
)
from tailtribe.domain.model.pricing import Service, validate_period
from tailtribe.domain.model.time import EARLIEST, LATEST, at_local, require_aware, utc

SERIES_SERVICES = frozenset({Service.DOG_WALKING, Service.DROP_IN, Service.DAY_CARE})
MAX_WEEKS = 26
# The owner saves a card within this, or the request lapses (as a booking's payment).
SETUP_WINDOW = timedelta(minutes=30)
RESPONSE_WINDOW = timedelta(hours=24)
# Card holds last days, not weeks: each occurrence is held this long before it starts.
CHARGE_LEAD = timedelta(hours=48)
# An occurrence still unpaid this long before its start is cancelled without charge...
UNPAID_LEAD = timedelta(hours=24)
# ...but the owner always has this long after the acceptance to confirm a payment.
CONFIRM_GRACE = timedelta(hours=2)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _refuse(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, [FieldError(field, message)])


@dataclass(frozen=True, slots=True)
class WeeklyPattern:
    """When the occurrences fall. `weekdays` are 0 (Monday) to 6 (Sunday);
    `start_time` is a Brussels wall-clock time, kept across DST changes."""

    weekdays: tuple[int, ...]
    start_time: time
    duration_minutes: int
    first_date: date
    count: int | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if not self.weekdays or len(set(self.weekdays)) != len(self.weekdays):
            raise _refuse("repeat.weekdays", "name each weekday once, at least one")
        if any(not 0 <= d <= 6 for d in self.weekdays):
            raise _refuse("repeat.weekdays", "weekdays are mon..sun")
        if self.start_time.tzinfo is not None or self.start_time.second:
            raise _refuse("repeat.start_time", "a wall-clock time in minutes, without offset")
        if not EARLIEST.date() <= self.first_date <= LATEST.date() - timedelta(weeks=MAX_WEEKS):
            raise _refuse("repeat.first_date", "a date between the years 2000 and 2200")
        if (self.count is None) == (self.until is None):
            raise _refuse("repeat", "give either count or until")
        if self.until is not None and not self.first_date <= self.until <= self.last_allowed:
            raise _refuse("repeat.until", "on or after first_date, within 26 weeks of it")
        if self.count is not None and not 1 <= self.count <= MAX_WEEKS * len(self.weekdays):
            raise _refuse("repeat.count", "at most 26 weeks of the weekdays")

    @property
    def last_allowed(self) -> date:
        return self.first_date + timedelta(weeks=MAX_WEEKS, days=-1)

    def dates(self) -> list[date]:
        """The local dates of the occurrences, in order."""
        days = set(self.weekdays)
        out: list[date] = []
        end = self.until if self.until is not None else self.last_allowed
        day = self.first_date
        while day <= end and (self.count is None or len(out) < self.count):
            if day.weekday() in days:
                out.append(day)
            day += timedelta(days=1)
        if not out:
            raise _refuse("repeat", "no weekday of the pattern falls in that period")
        return out

    def periods(self, service: Service) -> list[tuple[datetime, datetime]]:
        """Each occurrence's [start, end) in UTC. The start keeps its wall-clock
        time every week, on both sides of a DST change; a time that does not
        exist that day (the spring-forward gap) moves forward by the gap. The
        duration is elapsed time."""
        if service not in SERIES_SERVICES:
            raise _refuse("service", "a series is of walks, drop-in visits or day care")
        if self.duration_minutes <= 0:
            raise _refuse("repeat.duration_minutes", "a positive number of minutes")
        length = timedelta(minutes=self.duration_minutes)
        out: list[tuple[datetime, datetime]] = []
        for day in self.dates():
            start = at_local(day, self.start_time).astimezone(UTC)
            end = start + length
            try:
                validate_period(service, start, end)
            except InvalidInput as exc:
                raise _refuse("repeat.duration_minutes", exc.detail) from exc
            out.append((start, end))
        return out


class SeriesStatus(enum.StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class SetupStatus(enum.StrEnum):
    """The owner's saved card: pending until Stripe says the SetupIntent succeeded."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


TRANSITIONS: dict[tuple[SeriesStatus, str], SeriesStatus] = {
    (SeriesStatus.REQUESTED, "accept"): SeriesStatus.ACCEPTED,
    (SeriesStatus.REQUESTED, "decline"): SeriesStatus.DECLINED,
    (SeriesStatus.REQUESTED, "expire"): SeriesStatus.EXPIRED,
    (SeriesStatus.REQUESTED, "cancel"): SeriesStatus.CANCELLED,
}


def pay_by(start: datetime, accepted_at: datetime) -> datetime:
    """When an accepted occurrence must be paid, or it is cancelled without
    charge: a day before its start, but never sooner than two hours after the
    acceptance (an occurrence close to it), and never after the start."""
    return min(start, max(start - UNPAID_LEAD, accepted_at + CONFIRM_GRACE))


@dataclass(eq=False)
class BookingSeries(Aggregate):
    id: UUID
    owner_id: UUID
    caregiver_id: UUID
    service: Service
    pet_ids: tuple[UUID, ...]
    pattern: WeeklyPattern
    first_start: datetime
    created_at: datetime
    message: str | None = None
    status: SeriesStatus = SeriesStatus.REQUESTED
    customer_id: str | None = None
    setup_intent_id: str | None = None
    setup_client_secret: str | None = None
    setup_status: SetupStatus = SetupStatus.PENDING
    payment_method_id: str | None = None
    decided_at: datetime | None = None  # accepted, declined, expired or cancelled
    conversation_id: UUID | None = None

    def __post_init__(self) -> None:
        Aggregate.__init__(self)

    @classmethod
    def request(
        cls,
        *,
        id: UUID,
        owner_id: UUID,
        caregiver_id: UUID,
        service: Service,
        pet_ids: tuple[UUID, ...],
        pattern: WeeklyPattern,
        first_start: datetime,
        occurrences: int,
        now: datetime,
        message: str | None = None,
    ) -> BookingSeries:
        now = utc(require_aware(now, "now"))
        series = cls(
            id=id,
            owner_id=owner_id,
            caregiver_id=caregiver_id,
            service=service,
            pet_ids=pet_ids,
            pattern=pattern,
            first_start=utc(first_start),
            created_at=now,
            message=message,
        )
        series.record(SeriesRequested(occurred_at=now, series_id=id, occurrences=occurrences))
        return series

    # -- derived --------------------------------------------------------
    @property
    def response_deadline(self) -> datetime:
        """The caregiver answers within 24 hours and before the first occurrence."""
        return min(self.created_at + RESPONSE_WINDOW, self.first_start)

    @property
    def setup_deadline(self) -> datetime:
        return self.created_at + SETUP_WINDOW

    @property
    def card_saved(self) -> bool:
        return self.setup_status is SetupStatus.SUCCEEDED and self.payment_method_id is not None

    @property
    def accepted(self) -> bool:
        return self.status is SeriesStatus.ACCEPTED

    def is_due_to_expire(self, now: datetime) -> bool:
        if self.status is not SeriesStatus.REQUESTED:
            return False
        return now >= self.response_deadline or (not self.card_saved and now >= self.setup_deadline)

    def _move(self, command: str) -> SeriesStatus:
        target = TRANSITIONS.get((self.status, command))
        if target is None:
            raise InvalidTransition("series", self.status, command)
        return target

    # -- the saved card -------------------------------------------------
    def attach_setup(self, customer_id: str, setup_intent_id: str, client_secret: str) -> None:
        if self.setup_intent_id not in (None, setup_intent_id):
            raise InvalidTransition("series", self.status, "change its card setup")
        self.customer_id = customer_id
        self.setup_intent_id = setup_intent_id
        self.setup_client_secret = client_secret

    def save_card(self, now: datetime, payment_method_id: str) -> bool:
        """Stripe says the SetupIntent succeeded; True when this is news.
        The caregiver is asked from now on (as a booking's once its card is held)."""
        if self.card_saved and self.payment_method_id == payment_method_id:
            return False
        if self.status not in (SeriesStatus.REQUESTED, SeriesStatus.ACCEPTED):
            return False
        first = not self.card_saved
        self.setup_status = SetupStatus.SUCCEEDED
        self.payment_method_id = payment_method_id
        if first and self.status is SeriesStatus.REQUESTED:
            self.record(SeriesPaymentMethodSaved(occurred_at=now, series_id=self.id))
        return True

    def fail_setup(self, now: datetime) -> bool:
        if self.card_saved or self.status is not SeriesStatus.REQUESTED:
            return False
        if self.setup_status is SetupStatus.FAILED:
            return False
        self.setup_status = SetupStatus.FAILED
        self.record(SeriesSetupFailed(occurred_at=now, series_id=self.id))
        return True

    # -- the answer -----------------------------------------------------
    def accept(self, now: datetime, occurrences: int) -> None:
        target = self._move("accept")
        if not self.card_saved:
            raise InvalidTransition("series", self.status, "be accepted before a card is saved")
        if now >= self.response_deadline:
            raise InvalidTransition("series", self.status, "accept after its response deadline")
        self.status = target
        self.decided_at = now
        self.record(
            SeriesAccepted(
                occurred_at=now,
                series_id=self.id,
                owner_id=self.owner_id,
                caregiver_id=self.caregiver_id,
                occurrences=occurrences,
            )
        )

    def decline(self, now: datetime) -> None:
        self.status = self._move("decline")
        self.decided_at = now
        self.record(SeriesDeclined(occurred_at=now, series_id=self.id))

    def expire(self, now: datetime) -> None:
        target = self._move("expire")
        if not self.is_due_to_expire(now):
            raise InvalidTransition("series", self.status, "expire before its deadline")
        self.status = target
        self.decided_at = now
        self.record(SeriesExpired(occurred_at=now, series_id=self.id, asked=self.card_saved))

    def withdraw(self, now: datetime) -> None:
        """The owner withdraws the request before the caregiver answered."""
        self.status = self._move("cancel")
        self.decided_at = now

    def record_cancellation(
        self,
        now: datetime,
        by: str,
        from_date: date,
        cancelled: int,
        refund_cents: int,
        asked: bool = True,
    ) -> None:
        """One email for the occurrences cancelled together (each keeps its own refund)."""
        self.record(
            SeriesCancelled(
                occurred_at=now,
                series_id=self.id,
                by=by,
                from_date=from_date.isoformat(),
                cancelled=cancelled,
                refund_cents=refund_cents,
                asked=asked,
            )
        )
