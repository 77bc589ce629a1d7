"""Caregiver profiles and the approval state machine.

draft -> pending_review -> approved | rejected; rejected -> pending_review;
approved -> suspended -> approved. Every admin decision keeps who, when, why.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from uuid import UUID

from tailtribe.domain.errors import FieldError, InvalidInput, InvalidTransition, ProfileIncomplete
from tailtribe.domain.model.aggregate import Aggregate
from tailtribe.domain.model.availability import Availability
from tailtribe.domain.model.cancellation import CancellationPolicy
from tailtribe.domain.model.events import (
    CaregiverApproved,
    CaregiverDecision,
    CaregiverReinstated,
    CaregiverRejected,
    CaregiverSubmitted,
    CaregiverSuspended,
)
from tailtribe.domain.model.masking import mask_contacts
from tailtribe.domain.model.pets import Species
from tailtribe.domain.model.pricing import Service, ServicePrice
from tailtribe.domain.model.text import clean_name, clean_text, refuse_contacts

MIN_BIO_LENGTH = 50
MAX_BIO_LENGTH = 5000
MAX_DISPLAY_NAME = 80
MAX_CITY = 100
MAX_RADIUS_KM = 100
MAX_PETS = 20
POSTCODE_PATTERN = r"^[1-9][0-9]{3}$"  # Belgian postcodes: 1000..9999
_POSTCODE = re.compile(POSTCODE_PATTERN)


# What remains of an erased caregiver's name (a past booking, a conversation).
ERASED_DISPLAY_NAME = "Former caregiver"


class CaregiverStatus(enum.StrEnum):
    """draft -> pending_review (submitted) -> approved (found in search) or
    rejected; an approved caregiver may be suspended and reinstated. Erased
    is final: the person erased their account and the profile is gone from
    every page."""

    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    ERASED = "erased"


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


@dataclass(frozen=True, slots=True)
class ProfileDetails:
    """The editable part of a profile, validated as a whole."""

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

    def validated(self) -> ProfileDetails:
        errors: list[FieldError] = []
        if self.postcode is not None and not _POSTCODE.match(self.postcode):
            errors.append(FieldError("postcode", "a Belgian postcode, 1000..9999"))
        if (self.latitude is None) != (self.longitude is None):
            errors.append(FieldError("longitude", "latitude and longitude go together"))
        if self.latitude is not None and not -90 <= self.latitude <= 90:
            errors.append(FieldError("latitude", "-90..90"))
        if self.longitude is not None and not -180 <= self.longitude <= 180:
            errors.append(FieldError("longitude", "-180..180"))
        if not 1 <= self.service_radius_km <= MAX_RADIUS_KM:
            errors.append(FieldError("service_radius_km", f"1..{MAX_RADIUS_KM}"))
        if not 1 <= self.max_pets <= MAX_PETS:
            errors.append(FieldError("max_pets", f"1..{MAX_PETS}"))
        if errors:
            raise InvalidInput("invalid profile", errors)
        # Everything here but the payout details is public: no contact details.
        city = None if self.city is None else clean_text(self.city, "city", max_length=MAX_CITY)
        bio = clean_text(self.bio, "bio", max_length=MAX_BIO_LENGTH, multiline=True)
        return replace(
            self,
            display_name=clean_name(self.display_name, "display_name", max_length=MAX_DISPLAY_NAME),
            bio=refuse_contacts(bio, "bio"),
            city=refuse_contacts(city, "city") if city else None,
        )


def bookable(status: CaregiverStatus) -> bool:
    """Whether a caregiver in this status may be booked, and is shown to anyone."""
    return status is CaregiverStatus.APPROVED


@lru_cache(maxsize=2048)
def shown_publicly(text: str) -> str:
    """A public profile text as anyone sees it. Contact details are refused on
    write; this hides those in profiles saved before that rule. Remembered:
    every search result shows it again, and masking is a pure function of it."""
    return mask_contacts(text)


@dataclass(eq=False)
class Caregiver(Aggregate):
    id: UUID
    user_id: UUID
    # What the caregiver edits; replaced whole by `edit`, never field by field.
    profile: ProfileDetails
    services: tuple[ServicePrice, ...] = ()
    status: CaregiverStatus = CaregiverStatus.DRAFT
    stripe_account_id: str | None = None
    payouts_enabled: bool = False
    decisions: list[Decision] = field(default_factory=list)
    availability: Availability = field(default_factory=Availability)
    created_at: datetime | None = None
    # When the provider's event that last set payouts_enabled happened.
    payouts_updated_at: datetime | None = None

    def __post_init__(self) -> None:
        Aggregate.__init__(self)

    @property
    def bookable(self) -> bool:
        return bookable(self.status)

    def edit(self, details: ProfileDetails) -> None:
        """Profiles stay editable in every state; once submitted they stay complete."""
        before = self.profile
        self.profile = details.validated()
        if missing := self._missing_once_submitted():
            self.profile = before
            raise ProfileIncomplete(missing)

    def _missing_once_submitted(self) -> list[str]:
        # A profile under review or live must keep what approval was based on
        # (an erased one has lost its texts and place for good).
        if self.status in (CaregiverStatus.DRAFT, CaregiverStatus.REJECTED, CaregiverStatus.ERASED):
            return []
        return self.missing_for_submission()

    def set_services(self, prices: tuple[ServicePrice, ...]) -> None:
        services = [p.service for p in prices]
        if len(set(services)) != len(services):
            raise InvalidInput(
                "each service is listed once", [FieldError("service", "listed twice")]
            )
        before = self.services
        self.services = tuple(sorted(prices, key=lambda p: list(Service).index(p.service)))
        if missing := self._missing_once_submitted():
            self.services = before
            raise ProfileIncomplete(missing)

    def set_availability(self, availability: Availability) -> None:
        self.availability = availability

    def connect_payout_account(self, account_id: str) -> None:
        if self.stripe_account_id not in (None, account_id):
            raise InvalidTransition("caregiver", self.status, "change its payout account")
        self.stripe_account_id = account_id

    def update_payouts(self, enabled: bool, as_of: datetime) -> bool:
        """Apply the payout capability Stripe reported at `as_of`; older news is ignored."""
        if self.payouts_updated_at is not None and as_of < self.payouts_updated_at:
            return False
        self.payouts_enabled = enabled
        self.payouts_updated_at = as_of
        return True

    def price_for(self, service: Service) -> ServicePrice | None:
        return next((p for p in self.services if p.service is service), None)

    def missing_for_submission(self) -> list[str]:
        missing: list[str] = []
        p = self.profile
        if len(p.bio.strip()) < MIN_BIO_LENGTH:
            missing.append("bio")
        if not p.postcode:
            missing.append("postcode")
        if p.latitude is None or p.longitude is None:
            missing.append("coordinates")
        if not self.services:
            missing.append("services")
        if not p.accepted_species:
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

    def approve(self, admin_id: UUID, now: datetime, reason: str) -> None:
        self._move("approve")
        if missing := self.missing_for_submission():
            raise ProfileIncomplete(missing)
        if not self.payouts_enabled:
            raise InvalidTransition(
                "caregiver", self.status, "be approved before payouts are enabled"
            )
        self._decide(DecisionKind.APPROVE, admin_id, now, _required_reason(reason))

    def reject(self, admin_id: UUID, now: datetime, reason: str) -> None:
        self._move("reject")
        self._decide(DecisionKind.REJECT, admin_id, now, _required_reason(reason))

    def suspend(self, admin_id: UUID, now: datetime, reason: str) -> None:
        self._move("suspend")
        self._decide(DecisionKind.SUSPEND, admin_id, now, _required_reason(reason))

    def reinstate(self, admin_id: UUID, now: datetime, reason: str | None = None) -> None:
        self._decide(DecisionKind.REINSTATE, admin_id, now, reason)

    def erase(self) -> None:
        """The account behind the profile is erased: its texts and place go,
        bookings keep pointing at the row (by id) for the records."""
        self.profile = replace(
            self.profile,
            display_name=ERASED_DISPLAY_NAME,
            bio="",
            postcode=None,
            city=None,
            latitude=None,
            longitude=None,
        )
        self.availability = Availability()
        self.status = CaregiverStatus.ERASED

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


MAX_DECISION_REASON = 2000


def _required_reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required")
    return clean_text(reason, "reason", max_length=MAX_DECISION_REASON, multiline=True)
