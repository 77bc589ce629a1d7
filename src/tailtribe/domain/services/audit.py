"""Recording admin actions in the audit trail, and reading it.

An action's entry is written through the action's own unit of work, so it
commits with the change or not at all. An action the domain refuses rolls
back; `AuditTrail.refusals` then writes its "refused: ..." entry in a
transaction of its own, after that rollback.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from uuid import UUID

from tailtribe.domain.errors import DomainError
from tailtribe.domain.model.audit import (
    COMMAND_LINE,
    MAX_OBJECT_ID,
    MAX_OUTCOME,
    MAX_REASON,
    AuditAction,
    AuditCursor,
    AuditEntry,
    AuditFilter,
    bounded,
    refused,
)
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock, IdGenerator

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AdminAct:
    """What an admin (None: the command line) asks to do, before knowing how it ends."""

    actor_id: UUID | None
    action: AuditAction
    object_type: str
    object_id: UUID | str
    reason: str | None = None


class AuditTrail:
    def __init__(self, uow: UnitOfWork, ids: IdGenerator, clock: Clock) -> None:
        self._uow, self._ids, self._clock = uow, ids, clock

    def entry(self, act: AdminAct, outcome: str) -> AuditEntry:
        return AuditEntry(
            id=self._ids.new_id(),
            at=self._clock.now(),
            actor_id=act.actor_id,
            action=act.action,
            object_type=act.object_type,
            object_id=str(act.object_id)[:MAX_OBJECT_ID],
            reason=bounded(act.reason, MAX_REASON),
            outcome=bounded(outcome, MAX_OUTCOME) or "done",
        )

    async def record(self, uow: UnitOfWork, act: AdminAct, outcome: str) -> None:
        """In the caller's transaction: it commits with the action."""
        await uow.audit.add(self.entry(act, outcome))

    async def record_alone(self, act: AdminAct, outcome: str) -> None:
        """In a transaction of its own (after a read, or a refusal's rollback)."""
        async with self._uow as uow:
            await self.record(uow, act, outcome)
            await uow.commit()

    @asynccontextmanager
    async def refusals(self, act: AdminAct) -> AsyncIterator[None]:
        """Wrap the action's whole unit of work: a domain error it raises is
        recorded as refused, once that work has rolled back, and raised again.
        A failure to record it is logged, never put in the refusal's place."""
        try:
            yield
        except DomainError as exc:
            try:
                await self.record_alone(act, refused(exc.detail))
            except Exception:
                log.exception("could not record the refused %s of %s", act.action, act.object_id)
            raise


@dataclass(frozen=True, slots=True)
class AuditLine:
    entry: AuditEntry
    actor: str  # the admin's name, "command line", or the id of an account gone


@dataclass(frozen=True, slots=True)
class AuditLines:
    items: Sequence[AuditLine]
    next: AuditCursor | None


class ReadAuditTrail:
    """The trail, newest first, with each actor's name as it is now."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(
        self, criteria: AuditFilter, limit: int, after: AuditCursor | None
    ) -> AuditLines:
        async with self._uow as uow:
            page = await uow.audit.list(criteria, limit, after)
            names: dict[UUID, str] = {}
            for actor_id in {e.actor_id for e in page.items if e.actor_id is not None}:
                user = await uow.users.get(actor_id)
                if user is not None:
                    names[actor_id] = user.full_name
        return AuditLines([AuditLine(e, _shown(e.actor_id, names)) for e in page.items], page.next)


def _shown(actor_id: UUID | None, names: Mapping[UUID, str]) -> str:
    if actor_id is None:
        return COMMAND_LINE
    return names.get(actor_id, str(actor_id))
