"""Meet-and-greets: a free meeting before a pair's first booking (docs/rules.md).

requested --accept | decline | expire (24 h) | cancel--> accepted | declined | expired | cancelled
accepted  --cancel (before the start)--> cancelled

While requested or accepted, it holds the caregiver's calendar like a dog walk.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from tailtribe.domain.errors import FieldError, InvalidInput, InvalidTransition
from tailtribe.domain.model.aggregate import Aggregate
from tailtribe.domain.model.availability import Occupancy
from tailtribe.domain.model.events import (
    MeetAndGreetAccepted,
    MeetAndGreetCancelled,
    MeetAndGreetDeclined,
    MeetAndGreetExpired,
    MeetAndGreetReminder,
    MeetAndGreetRequested,
)
from tailtribe.domain.model.masking import mask_contacts
from tailtribe.domain.model.notifications import Party
from tailtribe.domain.model.pricing import Service
from tailtribe.domain.model.time import require_aware, utc

STEP_MINUTES = 15
MIN_MINUTES = 15
MAX_MINUTES = 60
RESPONSE_WINDOW = timedelta(hours=24)
REMINDER_LEAD = timedelta(hours=2)
# The metrics count a meet-and-greet as converted when the pair's accepted
# booking was requested within this of the meet-and-greet's request.
MEET_TO_BOOKING = timedelta(days=30)
# The caregiver's time it takes, for availability and capacity: a walk's.
AS_SERVICE = Service.DOG_WALKING


class MeetStatus(enum.StrEnum):
    # The names bookings use for the same states, so one status list filters both.
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


# Statuses that hold the caregiver's calendar (and block an erasure while upcoming).
OPEN = frozenset({MeetStatus.REQUESTED, MeetStatus.ACCEPTED})

TRANSITIONS: dict[tuple[MeetStatus, str], MeetStatus] = {
    (MeetStatus.REQUESTED, "accept"): MeetStatus.ACCEPTED,
    (MeetStatus.REQUESTED, "decline"): MeetStatus.DECLINED,
    (MeetStatus.REQUESTED, "expire"): MeetStatus.EXPIRED,
    (MeetStatus.REQUESTED, "cancel"): MeetStatus.CANCELLED,
    (MeetStatus.ACCEPTED, "cancel"): MeetStatus.CANCELLED,
}


def _refuse(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, [FieldError(field, message)])


def validate_slot(start: datetime, duration_minutes: int, now: datetime) -> datetime:
    """The meeting's end; refuses a start that is not an aware instant in the
    future on a quarter hour, or a duration outside 15..60 in 15-minute steps."""
    start = utc(require_aware(start, "start_at"))
    if start <= utc(require_aware(now, "now")):
        raise _refuse("start_at", "a meet-and-greet starts in the future")
    if start.second or start.microsecond or start.minute % STEP_MINUTES:
        raise _refuse("start_at", f"a meet-and-greet starts on a {STEP_MINUTES}-minute step")
    if not MIN_MINUTES <= duration_minutes <= MAX_MINUTES or duration_minutes % STEP_MINUTES:
        raise _refuse(
            "duration_minutes",
            f"{MIN_MINUTES} to {MAX_MINUTES} minutes, in steps of {STEP_MINUTES}",
        )
    return start + timedelta(minutes=duration_minutes)


@dataclass(eq=False)
class MeetAndGreet(Aggregate):
    id: UUID
    owner_id: UUID
    caregiver_id: UUID
    start: datetime
    end: datetime
    created_at: datetime
    message: str | None = None
    status: MeetStatus = MeetStatus.REQUESTED
    conversation_id: UUID | None = None
    decided_at: datetime | None = None  # accepted, declined, expired or cancelled
    cancelled_by: Party | None = None
    reminder_sent_at: datetime | None = None

    def __post_init__(self) -> None:
        Aggregate.__init__(self)

    @classmethod
    def request(
        cls,
        *,
        id: UUID,
        owner_id: UUID,
        caregiver_id: UUID,
        start: datetime,
        duration_minutes: int,
        now: datetime,
        message: str | None = None,
    ) -> MeetAndGreet:
        end = validate_slot(start, duration_minutes, now)
        meeting = cls(
            id=id,
            owner_id=owner_id,
            caregiver_id=caregiver_id,
            start=utc(start),
            end=end,
            created_at=utc(now),
            message=message,
        )
        meeting.record(MeetAndGreetRequested(occurred_at=now, meet_and_greet_id=id))
        return meeting

    # -- derived --------------------------------------------------------
    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds()) // 60

    @property
    def occupancy(self) -> Occupancy:
        return Occupancy(AS_SERVICE, self.start, self.end, 0)

    @property
    def response_deadline(self) -> datetime:
        """The caregiver answers within 24 hours and before the start."""
        return min(self.created_at + RESPONSE_WINDOW, self.start)

    @property
    def shown_message(self) -> str | None:
        """No money ever changes hands here: contact details stay masked."""
        return None if self.message is None else mask_contacts(self.message)

    def is_open(self, now: datetime) -> bool:
        """Holds the calendar and still lies ahead."""
        return self.status in OPEN and now < self.end

    def is_due_to_expire(self, now: datetime) -> bool:
        return self.status is MeetStatus.REQUESTED and now >= self.response_deadline

    def is_due_for_reminder(self, now: datetime) -> bool:
        return (
            self.status is MeetStatus.ACCEPTED
            and self.reminder_sent_at is None
            and self.start - REMINDER_LEAD <= now < self.start
        )

    # -- commands -------------------------------------------------------
    def _move(self, command: str) -> MeetStatus:
        target = TRANSITIONS.get((self.status, command))
        if target is None:
            raise InvalidTransition("meet-and-greet", self.status, command)
        return target

    def accept(self, now: datetime) -> None:
        target = self._move("accept")
        if now >= self.response_deadline:
            raise InvalidTransition("meet-and-greet", self.status, "accept after its deadline")
        self.status, self.decided_at = target, now
        self.record(MeetAndGreetAccepted(occurred_at=now, meet_and_greet_id=self.id))

    def decline(self, now: datetime) -> None:
        self.status, self.decided_at = self._move("decline"), now
        self.record(MeetAndGreetDeclined(occurred_at=now, meet_and_greet_id=self.id))

    def expire(self, now: datetime) -> None:
        target = self._move("expire")
        if not self.is_due_to_expire(now):
            raise InvalidTransition("meet-and-greet", self.status, "expire before its deadline")
        self.status, self.decided_at = target, now
        self.record(MeetAndGreetExpired(occurred_at=now, meet_and_greet_id=self.id))

    def cancel(self, by: Party, now: datetime) -> None:
        target = self._move("cancel")
        if now >= self.start:
            raise InvalidTransition("meet-and-greet", self.status, "cancel once started")
        self.status, self.decided_at, self.cancelled_by = target, now, by
        self.record(MeetAndGreetCancelled(occurred_at=now, meet_and_greet_id=self.id, by=by.value))

    def remind(self, now: datetime) -> None:
        if not self.is_due_for_reminder(now):
            raise InvalidTransition("meet-and-greet", self.status, "be reminded now")
        self.reminder_sent_at = now
        self.record(MeetAndGreetReminder(occurred_at=now, meet_and_greet_id=self.id))
