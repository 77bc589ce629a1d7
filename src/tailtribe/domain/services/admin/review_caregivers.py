"""Admins review caregivers: list, look at one, approve, reject, suspend, reinstate."""

from __future__ import annotations

import enum
from uuid import UUID

from tailtribe.domain.errors import NotFound
from tailtribe.domain.model.audit import AuditAction, AuditObject
from tailtribe.domain.model.caregivers import Caregiver, CaregiverStatus
from tailtribe.domain.ports.storage import Page, UnitOfWork
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.audit import AdminAct, AuditTrail
from tailtribe.domain.services.outbox import Outbox


class Verdict(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"


_AUDIT: dict[Verdict, tuple[AuditAction, str]] = {
    Verdict.APPROVE: (AuditAction.APPROVE_CAREGIVER, "approved"),
    Verdict.REJECT: (AuditAction.REJECT_CAREGIVER, "rejected"),
    Verdict.SUSPEND: (AuditAction.SUSPEND_CAREGIVER, "suspended"),
    Verdict.REINSTATE: (AuditAction.REINSTATE_CAREGIVER, "reinstated"),
}


class ReviewCaregivers:
    """Every decision records the admin, the time and the reason.

    - approve needs `pending_review`, a complete profile and payouts enabled;
    - approve, reject and suspend need a reason;
    - each decision, and each refused one, goes to the audit trail;
    - suspending leaves accepted bookings as they are (decided one by one);
    - a decision refreshes cached search results after commit (a reaction to
      its event: see `reactions.py`), so a suspended caregiver vanishes at once.
    """

    def __init__(self, uow: UnitOfWork, outbox: Outbox, clock: Clock, audit: AuditTrail) -> None:
        self._uow, self._outbox, self._clock, self._audit = uow, outbox, clock, audit

    async def list(
        self, status: CaregiverStatus | None, limit: int, offset: int
    ) -> Page[Caregiver]:
        async with self._uow as uow:
            return await uow.caregivers.list(status, limit, offset)

    async def get(self, caregiver_id: UUID) -> Caregiver:
        """One caregiver in any status, for the reviewer to look at."""
        async with self._uow as uow:
            caregiver = await uow.caregivers.find(caregiver_id)
        if caregiver is None:
            raise NotFound("no such caregiver")
        return caregiver

    async def decide(
        self, admin_id: UUID, caregiver_id: UUID, verdict: Verdict, reason: str | None
    ) -> Caregiver:
        now = self._clock.now()
        action, outcome = _AUDIT[verdict]
        act = AdminAct(admin_id, action, AuditObject.CAREGIVER, caregiver_id, reason)
        async with self._audit.refusals(act), self._uow as uow:
            caregiver = await uow.caregivers.get(caregiver_id)
            if caregiver is None:
                raise NotFound("no such caregiver")
            if verdict is Verdict.APPROVE:
                caregiver.approve(admin_id, now, reason or "")
            elif verdict is Verdict.REJECT:
                caregiver.reject(admin_id, now, reason or "")
            elif verdict is Verdict.SUSPEND:
                caregiver.suspend(admin_id, now, reason or "")
            else:
                caregiver.reinstate(admin_id, now, reason)
            await uow.caregivers.save(caregiver)
            await self._audit.record(uow, act, outcome)
            await self._outbox.commit(uow, [caregiver])
        return caregiver
