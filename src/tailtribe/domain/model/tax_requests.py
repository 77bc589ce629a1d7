"""Asking caregivers for their DAC7 due-diligence data, reminding them, and
withholding their payouts while it is missing (docs/dac7.md).

The directive (Annex V to Directive 2011/16/EU, as DAC7 added it) lets an
operator withhold a seller's consideration after two reminders following its
first request, not earlier than 60 days after that request.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from tailtribe.domain.model.aggregate import Aggregate
from tailtribe.domain.model.events import (
    PayoutsWithheld,
    TaxDetailsReminded,
    TaxDetailsRequested,
)

# Counted from the first request; each step is due at its instant (>=).
FIRST_REMINDER_AFTER = timedelta(days=20)
SECOND_REMINDER_AFTER = timedelta(days=40)
WITHHOLD_AFTER = timedelta(days=60)


class TaxRequestStep(enum.StrEnum):
    """What the scheduled job does next for a caregiver whose data is missing."""

    FIRST_REMINDER = "first_reminder"
    SECOND_REMINDER = "second_reminder"
    WITHHOLD_NOTICE = "withhold_notice"


def withhold_from(requested_at: datetime, second_reminder_at: datetime) -> datetime:
    """The later of 60 days after the first request and the second reminder."""
    return max(requested_at + WITHHOLD_AFTER, second_reminder_at)


@dataclass(eq=False)
class TaxDetailsRequest(Aggregate):
    """The first request for a caregiver's data, and the reminders sent since.

    `complete` (the caregiver saved valid details) is not kept here: the
    details' own row says so, and every rule takes it as an argument.
    """

    caregiver_id: UUID
    requested_at: datetime
    first_reminder_at: datetime | None = None
    second_reminder_at: datetime | None = None
    # When the "payouts withheld" email went out (withholding had started).
    withheld_notice_at: datetime | None = None

    def __post_init__(self) -> None:
        Aggregate.__init__(self)

    @classmethod
    def first(cls, caregiver_id: UUID, now: datetime) -> TaxDetailsRequest:
        """The first request: made now, its email recorded with it."""
        request = cls(caregiver_id=caregiver_id, requested_at=now)
        request.record(TaxDetailsRequested(occurred_at=now, caregiver_id=caregiver_id))
        return request

    @property
    def withholding_from(self) -> datetime | None:
        """From when payouts are withheld while the data is missing; None
        before the second reminder is sent."""
        if self.second_reminder_at is None:
            return None
        return withhold_from(self.requested_at, self.second_reminder_at)

    def withholds(self, now: datetime, complete: bool) -> bool:
        """Payouts wait: the data is missing and the withholding instant has come."""
        start = self.withholding_from
        return not complete and start is not None and now >= start

    def next_step(self, now: datetime, complete: bool) -> TaxRequestStep | None:
        """The one step due now, if any: never more than one per run, never
        once the data is complete."""
        if complete:
            return None
        if self.first_reminder_at is None:
            due = now >= self.requested_at + FIRST_REMINDER_AFTER
            return TaxRequestStep.FIRST_REMINDER if due else None
        if self.second_reminder_at is None:
            due = now >= self.requested_at + SECOND_REMINDER_AFTER
            return TaxRequestStep.SECOND_REMINDER if due else None
        if self.withheld_notice_at is None and self.withholds(now, complete):
            return TaxRequestStep.WITHHOLD_NOTICE
        return None

    def advance(self, now: datetime, complete: bool) -> TaxRequestStep | None:
        """Take the step due now, recording its email; returns it (None: nothing due)."""
        step = self.next_step(now, complete)
        if step is TaxRequestStep.FIRST_REMINDER:
            self.first_reminder_at = now
            self.record(
                TaxDetailsReminded(
                    occurred_at=now, caregiver_id=self.caregiver_id, reminder=1, withhold_from=None
                )
            )
        elif step is TaxRequestStep.SECOND_REMINDER:
            self.second_reminder_at = now
            self.record(
                TaxDetailsReminded(
                    occurred_at=now,
                    caregiver_id=self.caregiver_id,
                    reminder=2,
                    withhold_from=withhold_from(self.requested_at, now),
                )
            )
        elif step is TaxRequestStep.WITHHOLD_NOTICE:
            self.withheld_notice_at = now
            self.record(PayoutsWithheld(occurred_at=now, caregiver_id=self.caregiver_id))
        return step


@dataclass(frozen=True, slots=True)
class TaxDetailsStatus:
    """What the caregiver and admins see of the requests: when the details
    were asked for and reminded of, and whether payouts wait for them."""

    complete: bool
    requested_at: datetime | None
    first_reminder_at: datetime | None
    second_reminder_at: datetime | None
    # From when payouts are (or will be) withheld; None once complete or
    # before the second reminder.
    withholding_from: datetime | None
    withheld: bool
    # Given once, but sealed under a secret key since rotated: they count as
    # missing and are to be given again.
    unreadable: bool = False

    @classmethod
    def of(
        cls,
        request: TaxDetailsRequest | None,
        complete: bool,
        now: datetime,
        *,
        unreadable: bool = False,
    ) -> TaxDetailsStatus:
        if request is None:
            return cls(complete, None, None, None, None, False, unreadable)
        return cls(
            complete=complete,
            requested_at=request.requested_at,
            first_reminder_at=request.first_reminder_at,
            second_reminder_at=request.second_reminder_at,
            withholding_from=None if complete else request.withholding_from,
            withheld=request.withholds(now, complete),
            unreadable=unreadable,
        )
