"""Caregiver approval (docs/rules.md, "Caregiver approval").

draft -> pending_review -> approved | rejected; rejected -> pending_review;
approved -> suspended -> approved. A state machine edits the profile, toggles
payouts_enabled and sends random admin commands; an independent model of the
graph says which must succeed.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tailtribe.domain.errors import (
    DomainError,
    InvalidInput,
    InvalidTransition,
    ProfileIncomplete,
)
from tailtribe.domain.model.caregivers import (
    Caregiver,
    CaregiverStatus,
    DecisionKind,
    ProfileDetails,
)
from tailtribe.domain.model.events import (
    CaregiverApproved,
    CaregiverDecision,
    CaregiverEvent,
    CaregiverReinstated,
    CaregiverRejected,
    CaregiverSubmitted,
    CaregiverSuspended,
)
from tailtribe.domain.model.pets import Species
from tailtribe.domain.model.pricing import Service, ServicePrice

C = CaregiverStatus
GRAPH: dict[tuple[CaregiverStatus, str], CaregiverStatus] = {
    (C.DRAFT, "submit"): C.PENDING_REVIEW,
    (C.REJECTED, "submit"): C.PENDING_REVIEW,
    (C.PENDING_REVIEW, "approve"): C.APPROVED,
    (C.PENDING_REVIEW, "reject"): C.REJECTED,
    (C.APPROVED, "suspend"): C.SUSPENDED,
    (C.SUSPENDED, "reinstate"): C.APPROVED,
}
EVENT_OF = {
    "submit": CaregiverSubmitted,
    "approve": CaregiverApproved,
    "reject": CaregiverRejected,
    "suspend": CaregiverSuspended,
    "reinstate": CaregiverReinstated,
}
KIND_OF = {
    "approve": DecisionKind.APPROVE,
    "reject": DecisionKind.REJECT,
    "suspend": DecisionKind.SUSPEND,
    "reinstate": DecisionKind.REINSTATE,
}

GOOD_BIO = "I have walked and boarded dogs and cats in Ghent for eight years now."
# Candidate values of each profile field, and whether each one counts as filled in.
BIOS = [
    (GOOD_BIO, True),
    ("b" * 50, True),  # exactly the minimum
    ("b" * 49, False),
    ("   " + "b" * 49 + "   ", False),  # 55 characters, 49 once stripped
    ("", False),
]
POSTCODES = [("9000", True), ("1000", True), ("", False), (None, False)]
COORDINATES = [
    ((51.05, 3.72), True),
    ((0.0, 0.0), True),  # zero is a coordinate, not a missing one
    ((None, 3.72), False),
    ((51.05, None), False),
    ((None, None), False),
]
SERVICES = [
    ((ServicePrice(Service.DOG_WALKING, 1500),), True),
    ((ServicePrice(Service.BOARDING, 3000, 500), ServicePrice(Service.DROP_IN, 1200)), True),
    ((), False),
]
SPECIES = [
    (frozenset({Species.DOG}), True),
    (frozenset({Species.CAT, Species.RABBIT}), True),
    (frozenset(), False),
]
FIELDS: dict[str, list[tuple[Any, bool]]] = {
    "bio": BIOS,
    "postcode": POSTCODES,
    "coordinates": COORDINATES,
    "services": SERVICES,
    "accepted_species": SPECIES,
}
REASONS = [None, "", "   ", "documents are missing", "  complaints from owners  "]


def apply(caregiver: Caregiver, name: str, value: Any) -> None:
    if name == "services":
        caregiver.services = value
    elif name == "coordinates":
        latitude, longitude = value
        caregiver.profile = dataclasses.replace(
            caregiver.profile, latitude=latitude, longitude=longitude
        )
    else:
        caregiver.profile = dataclasses.replace(caregiver.profile, **{name: value})


def norm(reason: str | None) -> str | None:
    """An optional reason, compared without surrounding blanks."""
    return (reason or "").strip() or None


def snapshot(caregiver: Caregiver) -> dict[str, Any]:
    values = {f.name: getattr(caregiver, f.name) for f in dataclasses.fields(caregiver)}
    values["decisions"] = list(values["decisions"])
    return values


class CaregiverMachine(RuleBasedStateMachine):
    @initialize(
        choices=st.fixed_dictionaries({k: st.sampled_from(v) for k, v in FIELDS.items()}),
        payouts=st.booleans(),
    )
    def create(self, choices: dict[str, tuple[Any, bool]], payouts: bool) -> None:
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        self.caregiver = Caregiver(
            id=uuid4(), user_id=uuid4(), profile=ProfileDetails(display_name="Lotte")
        )
        self.caregiver.payouts_enabled = payouts
        assert self.caregiver.status is C.DRAFT
        self.filled: dict[str, bool] = {}
        for name, (value, filled) in choices.items():
            apply(self.caregiver, name, value)
            self.filled[name] = filled
        self.status = C.DRAFT  # the model
        self.decisions: list[tuple[DecisionKind, UUID, datetime, str | None]] = []

    @property
    def missing(self) -> set[str]:
        return {name for name, filled in self.filled.items() if not filled}

    @rule(name=st.sampled_from(sorted(FIELDS)), data=st.data())
    def edit(self, name: str, data: st.DataObject) -> None:
        value, filled = data.draw(st.sampled_from(FIELDS[name]))
        apply(self.caregiver, name, value)
        self.filled[name] = filled

    @rule(enabled=st.booleans())
    def account_updated(self, enabled: bool) -> None:
        self.caregiver.payouts_enabled = enabled

    @rule(minutes=st.integers(0, 60 * 24 * 3))
    def tick(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule()
    def complete_profile(self) -> None:
        """Fill in every field (editing one at a time rarely gets there)."""
        for name, choices in FIELDS.items():
            value, filled = choices[0]
            assert filled
            apply(self.caregiver, name, value)
            self.filled[name] = True

    def command(self, name: str, reason: str | None = None) -> None:
        c = self.caregiver
        before = snapshot(c)
        admin = uuid4()
        calls = {
            "submit": lambda: c.submit(self.now),
            "approve": lambda: c.approve(admin, self.now, reason),  # type: ignore[arg-type]
            "reject": lambda: c.reject(admin, self.now, reason),  # type: ignore[arg-type]
            "suspend": lambda: c.suspend(admin, self.now, reason),  # type: ignore[arg-type]
            "reinstate": lambda: c.reinstate(admin, self.now, reason),
        }
        in_graph = (self.status, name) in GRAPH
        has_reason = reason is not None and reason.strip() != ""
        complete = not self.missing
        expected_ok = (
            in_graph
            and {
                "submit": complete,
                "approve": complete and c.payouts_enabled and has_reason,
                "reject": has_reason,
                "suspend": has_reason,
                "reinstate": True,
            }[name]
        )
        error: DomainError | None = None
        try:
            calls[name]()
        except DomainError as exc:  # anything else is a bug and fails the test
            error = exc
        if error is not None:
            assert not expected_ok, f"{name} refused in {self.status}: {error!r}"
            assert snapshot(c) == before, f"refused {name} changed the caregiver"
            assert c.pull_events() == []
            if not in_graph:
                assert isinstance(error, InvalidTransition)
            elif name in ("submit", "approve") and not complete:
                assert isinstance(error, ProfileIncomplete)
                assert set(error.missing) == self.missing
                assert len(error.missing) == len(self.missing)
                assert {e.field for e in error.errors} == self.missing
            elif name in ("reject", "suspend") or (name == "approve" and c.payouts_enabled):
                assert isinstance(error, InvalidInput)
            return
        assert expected_ok, f"{name} succeeded in {self.status} (missing={self.missing})"
        target = GRAPH[(self.status, name)]
        assert c.status is target
        self.status = target
        events = c.pull_events()
        assert [type(e) for e in events] == [EVENT_OF[name]]
        event = events[0]
        assert isinstance(event, CaregiverEvent)
        assert event.caregiver_id == c.id and event.occurred_at == self.now
        if name == "submit":
            assert c.decisions == before["decisions"]
            return
        stored_reason = reason.strip() if has_reason else reason  # type: ignore[union-attr]
        if name in ("approve", "reject", "suspend"):
            assert stored_reason
        assert isinstance(event, CaregiverDecision)
        assert event.admin_id == admin
        assert norm(event.reason) == norm(stored_reason)
        self.decisions.append((KIND_OF[name], admin, self.now, stored_reason))
        last = c.decisions[-1]
        assert (last.kind, last.admin_id, last.at) == (KIND_OF[name], admin, self.now)
        assert norm(last.reason) == norm(stored_reason)

    @rule()
    def submit(self) -> None:
        self.command("submit")

    @rule(reason=st.sampled_from(REASONS))
    def approve(self, reason: str | None) -> None:
        self.command("approve", reason)

    @rule(reason=st.sampled_from(REASONS))
    def reject(self, reason: str | None) -> None:
        self.command("reject", reason)

    @rule(reason=st.sampled_from(REASONS))
    def suspend(self, reason: str | None) -> None:
        self.command("suspend", reason)

    @rule(reason=st.sampled_from(REASONS))
    def reinstate(self, reason: str | None) -> None:
        self.command("reinstate", reason)

    @invariant()
    def follows_the_model(self) -> None:
        c = self.caregiver
        event(f"reached {c.status}")
        assert c.status is self.status
        assert c.bookable is (self.status is C.APPROVED)
        assert len(c.decisions) == len(self.decisions)
        for got, (kind, admin, at, reason) in zip(c.decisions, self.decisions, strict=True):
            assert (got.kind, got.admin_id, got.at) == (kind, admin, at)
            assert norm(got.reason) == norm(reason)
            if kind in (DecisionKind.REJECT, DecisionKind.SUSPEND):
                assert got.reason and got.reason.strip()
        # Decision times never go backwards.
        times = [d.at for d in c.decisions]
        assert times == sorted(times)
        assert set(c.missing_for_submission()) == self.missing


CaregiverMachine.TestCase.settings = settings(
    max_examples=300, stateful_step_count=30, deadline=None
)
TestCaregiverMachine = CaregiverMachine.TestCase


# -- examples ------------------------------------------------------------------------


PROFILE_FIELDS = [f.name for f in dataclasses.fields(ProfileDetails)]


def complete_caregiver(**changes: Any) -> Caregiver:
    values: dict[str, Any] = {
        "id": uuid4(),
        "user_id": uuid4(),
        "display_name": "Lotte",
        "bio": GOOD_BIO,
        "postcode": "9000",
        "latitude": 51.05,
        "longitude": 3.72,
        "services": (ServicePrice(Service.DOG_WALKING, 1500),),
        "accepted_species": frozenset({Species.DOG}),
        "payouts_enabled": True,
    }
    values.update(changes)
    profile = {name: values.pop(name) for name in PROFILE_FIELDS if name in values}
    return Caregiver(profile=ProfileDetails(**profile), **values)


NOW = datetime(2026, 2, 2, 10, 0, tzinfo=UTC)


def test_full_approval_path_records_every_decision() -> None:
    c = complete_caregiver()
    admin = uuid4()
    c.submit(NOW)
    c.reject(admin, NOW + timedelta(hours=1), "  photos missing ")
    c.submit(NOW + timedelta(days=1))
    c.approve(admin, NOW + timedelta(days=2), " documents checked ")
    c.suspend(admin, NOW + timedelta(days=3), "complaint")
    c.reinstate(admin, NOW + timedelta(days=4), "resolved")
    assert c.status is C.APPROVED
    got = [(d.kind, d.admin_id, d.at, d.reason) for d in c.decisions]
    assert got == [
        (DecisionKind.REJECT, admin, NOW + timedelta(hours=1), "photos missing"),
        (DecisionKind.APPROVE, admin, NOW + timedelta(days=2), "documents checked"),
        (DecisionKind.SUSPEND, admin, NOW + timedelta(days=3), "complaint"),
        (DecisionKind.REINSTATE, admin, NOW + timedelta(days=4), "resolved"),
    ]
    assert [e.name for e in c.pull_events()] == [
        "CaregiverSubmitted",
        "CaregiverRejected",
        "CaregiverSubmitted",
        "CaregiverApproved",
        "CaregiverSuspended",
        "CaregiverReinstated",
    ]


def test_approve_needs_payouts_enabled() -> None:
    c = complete_caregiver(payouts_enabled=False)
    c.submit(NOW)
    with pytest.raises(DomainError):
        c.approve(uuid4(), NOW, "ok")
    # A tuple, not `is`: mypy would keep the narrowed status past approve().
    assert (c.status, c.decisions) == (C.PENDING_REVIEW, [])
    c.payouts_enabled = True
    c.approve(uuid4(), NOW, "ok")
    assert c.status is C.APPROVED


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_approve_reject_and_suspend_need_a_reason(reason: str | None) -> None:
    c = complete_caregiver()
    c.submit(NOW)
    with pytest.raises(InvalidInput):
        c.reject(uuid4(), NOW, reason)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        c.approve(uuid4(), NOW, reason)  # type: ignore[arg-type]
    assert c.status is C.PENDING_REVIEW
    c.approve(uuid4(), NOW, "ok")
    with pytest.raises(InvalidInput):
        c.suspend(uuid4(), NOW, reason)  # type: ignore[arg-type]
    assert c.status in {C.APPROVED}  # `is` would compare with the type narrowed above


def test_submit_lists_exactly_what_is_missing() -> None:
    c = Caregiver(
        id=uuid4(), user_id=uuid4(), profile=ProfileDetails(display_name="Lotte", bio="short")
    )
    with pytest.raises(ProfileIncomplete) as info:
        c.submit(NOW)
    assert set(info.value.missing) == {
        "bio",
        "postcode",
        "coordinates",
        "services",
        "accepted_species",
    }
    assert c.status is C.DRAFT
    c2 = complete_caregiver(latitude=None, accepted_species=frozenset())
    with pytest.raises(ProfileIncomplete) as info:
        c2.submit(NOW)
    assert set(info.value.missing) == {"coordinates", "accepted_species"}


@pytest.mark.parametrize(
    ("status", "command"),
    [
        (C.DRAFT, "approve"),
        (C.DRAFT, "reject"),
        (C.PENDING_REVIEW, "submit"),
        (C.APPROVED, "submit"),
        (C.APPROVED, "approve"),
        (C.APPROVED, "reinstate"),
        (C.REJECTED, "approve"),
        (C.SUSPENDED, "approve"),
        (C.SUSPENDED, "suspend"),
        (C.SUSPENDED, "submit"),
        (C.DRAFT, "suspend"),
    ],
)
def test_moves_outside_the_graph_are_refused(status: CaregiverStatus, command: str) -> None:
    c = complete_caregiver(status=status)
    admin = uuid4()
    calls = {
        "submit": lambda: c.submit(NOW),
        "approve": lambda: c.approve(admin, NOW, "ok"),
        "reject": lambda: c.reject(admin, NOW, "no"),
        "suspend": lambda: c.suspend(admin, NOW, "no"),
        "reinstate": lambda: c.reinstate(admin, NOW, "ok"),
    }
    with pytest.raises(InvalidTransition):
        calls[command]()
    assert c.status is status and c.decisions == []


def test_profile_edits_refuse_a_blank_or_foreign_postcode() -> None:
    """A blank postcode would pass missing_for_submission (`not self.postcode`), so the
    edit path must refuse it; docs/rules.md asks for a postcode before submitting."""
    c = complete_caregiver()
    for postcode in ["   ", "", "0999", "75001", "abcd"]:
        with pytest.raises(InvalidInput):
            c.edit(dataclasses.replace(c.profile, postcode=postcode))
        assert c.profile.postcode == "9000"
    c.edit(ProfileDetails(display_name="Lotte", bio=GOOD_BIO, postcode="1000"))
    assert c.profile.postcode == "1000"
