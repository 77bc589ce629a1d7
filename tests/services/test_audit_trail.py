"""Each admin action leaves one audit entry: with its change when it succeeds,
alone after the rollback when it is refused."""

from __future__ import annotations

import logging
from datetime import timedelta
from uuid import UUID

import pytest

from tailtribe.domain.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from tailtribe.domain.model.audit import AuditAction, AuditEntry, AuditFilter
from tailtribe.domain.model.booking_dispute import DisputeOutcome
from tailtribe.domain.model.bookings import Booking, BookingStatus
from tailtribe.domain.model.caregivers import Caregiver, CaregiverStatus
from tailtribe.domain.model.outbox import OutboxMessage, OutboxStatus
from tailtribe.domain.model.users import Locale, Role, User
from tailtribe.domain.services.admin.review_caregivers import ReviewCaregivers, Verdict
from tailtribe.domain.services.audit import AdminAct, AuditTrail, ReadAuditTrail
from tailtribe.domain.services.notifications.manage_outbox import ManageOutbox
from tailtribe.domain.services.payments.disputes import ManageDisputes
from tests.domain.test_caregiver_state_machine import complete_caregiver
from tests.services.conftest import World
from tests.services.test_money_crashes import completed_and_captured, stored


async def an_admin(world: World, name: str = "Ada Admin") -> User:
    user = User.register(
        id=world.ids.new_id(),
        email=f"{world.ids.new_id().hex}@example.be",
        full_name=name,
        password_hash=None,
        locale=Locale.NL,
        now=world.clock.now(),
    )
    user.grant(Role.ADMIN)
    async with world.uow as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


async def a_caregiver(world: World, *, payouts_enabled: bool = True) -> Caregiver:
    caregiver = complete_caregiver(payouts_enabled=payouts_enabled)
    caregiver.submit(world.clock.now())
    caregiver.pull_events()
    async with world.uow as uow:
        await uow.caregivers.add(caregiver)
        await uow.commit()
    return caregiver


def trail(world: World) -> list[AuditEntry]:
    """What committed, oldest first."""
    return list(world.uow.audit_rows)


def review(world: World) -> ReviewCaregivers:
    return ReviewCaregivers(world.uow, world.outbox, world.clock, world.audit)


def disputes(world: World) -> ManageDisputes:
    return ManageDisputes(world.uow, world.gateway, world.outbox, world.clock, world.audit)


async def caregiver_status(world: World, caregiver_id: UUID) -> CaregiverStatus:
    async with world.uow as uow:
        found = await uow.caregivers.get(caregiver_id)
    assert found is not None
    return found.status


async def test_each_caregiver_decision_is_recorded_with_its_change(world: World) -> None:
    admin = await an_admin(world)
    caregiver = await a_caregiver(world)
    steps = [
        (Verdict.APPROVE, "  documents checked ", AuditAction.APPROVE_CAREGIVER, "approved"),
        (Verdict.SUSPEND, "complaint", AuditAction.SUSPEND_CAREGIVER, "suspended"),
        (Verdict.REINSTATE, None, AuditAction.REINSTATE_CAREGIVER, "reinstated"),
    ]
    for verdict, reason, action, outcome in steps:
        world.clock.advance(timedelta(minutes=1))
        await review(world).decide(admin.id, caregiver.id, verdict, reason)
        last = trail(world)[-1]
        assert (last.actor_id, last.action, last.object_type, last.object_id) == (
            admin.id,
            action,
            "caregiver",
            str(caregiver.id),
        )
        assert (last.at, last.outcome) == (world.clock.now(), outcome)
        assert last.reason == (reason.strip() if reason else None)
    assert len(trail(world)) == 3

    other = await a_caregiver(world)
    await review(world).decide(admin.id, other.id, Verdict.REJECT, "photo unreadable")
    assert (trail(world)[-1].action, trail(world)[-1].outcome) == (
        AuditAction.REJECT_CAREGIVER,
        "rejected",
    )


async def test_a_refused_decision_is_recorded_alone_and_changes_nothing(world: World) -> None:
    admin = await an_admin(world)
    caregiver = await a_caregiver(world, payouts_enabled=False)
    commits = world.uow.commits
    with pytest.raises(InvalidTransition):
        await review(world).decide(admin.id, caregiver.id, Verdict.APPROVE, "looks fine")
    [entry] = trail(world)
    assert entry.action is AuditAction.APPROVE_CAREGIVER and entry.refused
    assert entry.outcome == (
        "refused: caregiver in state 'pending_review' cannot be approved before payouts are enabled"
    )
    assert entry.reason == "looks fine"
    assert world.uow.commits == commits + 1  # the entry's own transaction, nothing else
    assert await caregiver_status(world, caregiver.id) is CaregiverStatus.PENDING_REVIEW
    assert not any(m.topic == "event.CaregiverApproved" for m in world.uow.outbox_rows.values())


@pytest.mark.parametrize("verdict", [Verdict.APPROVE, Verdict.REJECT, Verdict.SUSPEND])
async def test_a_decision_without_a_reason_is_refused_and_recorded(
    world: World, verdict: Verdict
) -> None:
    admin = await an_admin(world)
    caregiver = await a_caregiver(world)
    if verdict is Verdict.SUSPEND:
        await review(world).decide(admin.id, caregiver.id, Verdict.APPROVE, "ok")
    before = await caregiver_status(world, caregiver.id)
    with pytest.raises((InvalidInput, InvalidTransition)):
        await review(world).decide(admin.id, caregiver.id, verdict, "   ")
    assert await caregiver_status(world, caregiver.id) is before
    last = trail(world)[-1]
    assert last.refused and last.reason is None


async def test_an_unknown_caregiver_is_recorded_as_refused(world: World) -> None:
    admin = await an_admin(world)
    missing = world.ids.new_id()
    with pytest.raises(NotFound):
        await review(world).decide(admin.id, missing, Verdict.SUSPEND, "fraud")
    [entry] = trail(world)
    assert (entry.object_id, entry.outcome) == (str(missing), "refused: no such caregiver")


async def test_a_refund_is_recorded_with_its_amount_or_its_refusal(world: World) -> None:
    admin = await an_admin(world)
    booking = await completed_and_captured(world)
    with pytest.raises(InvalidInput):
        await disputes(world).refund(admin.id, booking.id, 1_500, " ")
    with pytest.raises(InvalidInput, match="within"):
        await disputes(world).refund(admin.id, booking.id, 10_001, "goodwill")
    assert (await stored(world, booking)).payment.refunded_cents == 0
    refused_blank, refused_too_much = trail(world)
    assert refused_blank.refused and refused_blank.reason is None
    assert refused_too_much.refused and refused_too_much.reason == "goodwill"

    await disputes(world).refund(admin.id, booking.id, 1_500, " goodwill ")
    done = trail(world)[-1]
    assert (done.action, done.object_type, done.object_id) == (
        AuditAction.REFUND_BOOKING,
        "booking",
        str(booking.id),
    )
    assert (done.outcome, done.reason, done.actor_id) == (
        "refunded 1500 cents",
        "goodwill",
        admin.id,
    )
    assert (await stored(world, booking)).payment.refunded_cents == 1_500


async def open_dispute(world: World, booking: Booking) -> None:
    async with world.uow as uow:
        b = await uow.bookings.get(booking.id)
        assert b is not None
        b.open_dispute(world.clock.now(), "Rex came back hurt")
        await uow.bookings.save(b)
        await uow.commit()


async def test_a_resolution_is_recorded_with_its_outcome_or_its_refusal(world: World) -> None:
    admin = await an_admin(world)
    booking = await completed_and_captured(world)
    with pytest.raises(InvalidTransition):  # not disputed
        await disputes(world).resolve(admin.id, booking.id, DisputeOutcome.RELEASE, None)
    [refusal] = trail(world)
    assert refusal.action is AuditAction.RESOLVE_DISPUTE and refusal.refused

    await open_dispute(world, booking)
    await disputes(world).resolve(
        admin.id, booking.id, DisputeOutcome.REFUND, 4_000, "vet bill seen"
    )
    done = trail(world)[-1]
    assert (done.outcome, done.reason) == ("refund: refunded 4000 cents", "vet bill seen")
    assert (await stored(world, booking)).status is BookingStatus.COMPLETED


async def test_a_retry_is_recorded_with_its_change_or_its_refusal(world: World) -> None:
    admin = await an_admin(world)
    now = world.clock.now()
    message = OutboxMessage(
        id=world.ids.new_id(), topic="email.welcome", payload={}, created_at=now, available_at=now
    )
    while message.status is OutboxStatus.PENDING:
        message.mark_attempt_failed(now, "provider down")
    async with world.uow as uow:
        await uow.outbox.add(message)
        await uow.commit()
    outbox = ManageOutbox(world.uow, world.clock, world.audit)
    await outbox.retry(admin.id, message.id)
    with pytest.raises(Conflict):
        await outbox.retry(None, message.id)  # the command line; pending now
    done, refusal = trail(world)
    assert (done.action, done.object_type, done.object_id, done.outcome) == (
        AuditAction.RETRY_OUTBOX,
        "outbox_message",
        str(message.id),
        "retried",
    )
    assert refusal.actor_id is None
    assert refusal.outcome == "refused: only a failed message is retried"


async def test_other_errors_are_not_refusals_and_a_lost_record_keeps_the_refusal(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    act = AdminAct(None, AuditAction.RETRY_OUTBOX, "outbox_message", "m1")
    with pytest.raises(RuntimeError):
        async with world.audit.refusals(act):
            raise RuntimeError("a bug")
    assert trail(world) == []

    class Broken(AuditTrail):
        async def record_alone(self, act: AdminAct, outcome: str) -> None:
            raise OSError("database gone")

    broken = Broken(world.uow, world.ids, world.clock)
    with caplog.at_level(logging.ERROR), pytest.raises(Conflict, match="in use"):
        async with broken.refusals(act):
            raise Conflict("in use")
    assert "could not record the refused retry_outbox of m1" in caplog.text


async def test_the_trail_names_each_actor(world: World) -> None:
    admin = await an_admin(world, "Ada Admin")
    gone = world.ids.new_id()
    for actor in (admin.id, None, gone):
        world.clock.advance(timedelta(seconds=1))
        act = AdminAct(actor, AuditAction.ERASE_ACCOUNT, "user", "u1", "asked by the user")
        await world.audit.record_alone(act, "erased")
    page = await ReadAuditTrail(world.uow)(AuditFilter(), 10, None)
    assert [line.actor for line in page.items] == [str(gone), "command line", "Ada Admin"]
    assert page.next is None
