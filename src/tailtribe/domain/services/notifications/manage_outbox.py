"""Admins see the outbox (failed emails above all) and send a failed one again."""

from __future__ import annotations

from uuid import UUID

from tailtribe.domain.errors import NotFound
from tailtribe.domain.model.audit import AuditAction, AuditObject
from tailtribe.domain.model.outbox import OutboxMessage, OutboxStatus
from tailtribe.domain.ports.storage import Page, UnitOfWork
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.audit import AdminAct, AuditTrail


class ManageOutbox:
    """The admin guard is the HTTP layer's (admins only, like every admin path).
    A retry, or its refusal, goes to the audit trail."""

    def __init__(self, uow: UnitOfWork, clock: Clock, audit: AuditTrail) -> None:
        self._uow, self._clock, self._audit = uow, clock, audit

    async def list(
        self, status: OutboxStatus | None, limit: int, offset: int
    ) -> Page[OutboxMessage]:
        async with self._uow as uow:
            return await uow.outbox.list(status, limit, offset)

    async def retry(self, admin_id: UUID | None, message_id: UUID) -> OutboxMessage:
        """A failed message gets a fresh round of attempts, from now (409 otherwise)."""
        act = AdminAct(admin_id, AuditAction.RETRY_OUTBOX, AuditObject.OUTBOX_MESSAGE, message_id)
        async with self._audit.refusals(act), self._uow as uow:
            message = await uow.outbox.get(message_id)
            if message is None:
                raise NotFound("no such outbox message")
            message.retry(self._clock.now())
            await uow.outbox.save(message)
            await self._audit.record(uow, act, "retried")
            await uow.commit()
            return message
