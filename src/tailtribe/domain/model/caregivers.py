"""Caregiver profiles and the approval state machine.

draft -> pending_review -> approved | rejected; rejected -> pending_review;
approved -> suspended -> approved. Every admin decision keeps who, when, why.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from tailtribe.domain.errors import InvalidInput, InvalidTransition, ProfileIncomplete
from tailtribe.domain.model.aggregate import Aggregate
from tailtribe.domain.model.cancellation import CancellationPolicy
from tailtribe.domain.model.events import (
    CaregiverApproved,
    CaregiverDecision,
    CaregiverReinstated,
    CaregiverRejected,
    CaregiverSubmitted,
    CaregiverSuspended,
)
from tailtribe.domain.model.pets import Species
from tailtribe.domain.model.pricing import Service, ServicePrice

MIN_BIO_LENGTH = 50


class CaregiverStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class DecisionKind(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"


@dataclass(frozen=True, slots=True)
class Decision:
    kind: DecisionKind
    admin_id: UUID
    at: datetime
    reason: str | None


# The approval graph; every other (state, command) pair is refused.
TRANSITIONS: dict[tuple[CaregiverStatus, str], CaregiverStatus] = {
    (CaregiverStatus.DRAFT, "submit"): CaregiverStatus.PENDING_REVIEW,
    (CaregiverStatus.REJECTED, "submit"): CaregiverStatus.PENDING_REVIEW,
    (CaregiverStatus.PENDING_REVIEW, "approve"): CaregiverStatus.APPROVED,
    (CaregiverStatus.PENDING_REVIEW, "reject"): CaregiverStatus.REJECTED,
    (CaregiverStatus.APPROVED, "suspend"): CaregiverStatus.SUSPENDED,
    (CaregiverStatus.SUSPENDED, "reinstate"): CaregiverStatus.APPROVED,
}


@dataclass(eq=False)
class Caregiver(Aggregate):
    id: UUID
    user_id: UUID
    display_name: str
    bio: str = ""
    postcode: str | None = None
    city: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    service_radius_km: int = 10
    accepted_species: frozenset[Species] = frozenset()
    max_pets: int = 1
    cancellation_policy: CancellationPolicy = CancellationPolicy.FLEXIBLE
    services: tuple[ServicePrice, ...] = ()
    status: CaregiverStatus = CaregiverStatus.DRAFT
    stripe_account_id: str | None = None
    payouts_enabled: bool = False
    decisions: list[Decision] = field(default_factory=list)

    def __post_init__(self) -> None:
        Aggregate.__init__(self)

    @property
    def bookable(self) -> bool:
        return self.status is CaregiverStatus.APPROVED

    def price_for(self, service: Service) -> ServicePrice | None:
        return next((p for p in self.services if p.service is service), None)

    def missing_for_submission(self) -> list[str]:
        missing: list[str] = []
        if len(self.bio.strip()) < MIN_BIO_LENGTH:
            missing.append("bio")
        if not self.postcode:
            missing.append("postcode")
        if self.latitude is None or self.longitude is None:
            missing.append("coordinates")
        if not self.services:
            missing.append("services")
        if not self.accepted_species:
            missing.append("accepted_species")
        return missing

    def _move(self, command: str) -> CaregiverStatus:
        target = TRANSITIONS.get((self.status, command))
        if target is None:
            raise InvalidTransition("caregiver", self.status, command)
        return target

    def submit(self, now: datetime) -> None:
        target = self._move("submit")
        if missing := self.missing_for_submission():
            raise ProfileIncomplete(missing)
        self.status = target
        self.record(CaregiverSubmitted(occurred_at=now, caregiver_id=self.id))

    def approve(self, admin_id: UUID, now: datetime, reason: str | None = None) -> None:
        self._move("approve")
        if missing := self.missing_for_submission():
            raise ProfileIncomplete(missing)
        if not self.payouts_enabled:
            raise InvalidTransition(
                "caregiver", self.status, "be approved before payouts are enabled"
            )
        self._decide(DecisionKind.APPROVE, admin_id, now, reason)

    def reject(self, admin_id: UUID, now: datetime, reason: str) -> None:
        self._move("reject")
        self._decide(DecisionKind.REJECT, admin_id, now, _required_reason(reason))

    def suspend(self, admin_id: UUID, now: datetime, reason: str) -> None:
        self._move("suspend")
        self._decide(DecisionKind.SUSPEND, admin_id, now, _required_reason(reason))

    def reinstate(self, admin_id: UUID, now: datetime, reason: str | None = None) -> None:
        self._decide(DecisionKind.REINSTATE, admin_id, now, reason)

    def _decide(
        self, kind: DecisionKind, admin_id: UUID, now: datetime, reason: str | None
    ) -> None:
        """Move along the graph, keep who decided when and why, and say so."""
        self.status = self._move(kind.value)
        self.decisions.append(Decision(kind, admin_id, now, reason))
        event = _DECISION_EVENTS[kind]
        self.record(event(occurred_at=now, caregiver_id=self.id, admin_id=admin_id, reason=reason))


_DECISION_EVENTS: dict[DecisionKind, type[CaregiverDecision]] = {
    DecisionKind.APPROVE: CaregiverApproved,
    DecisionKind.REJECT: CaregiverRejected,
    DecisionKind.SUSPEND: CaregiverSuspended,
    DecisionKind.REINSTATE: CaregiverReinstated,
}


def _required_reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required")
    return reason.strip()
