"""An admin applies one stored provider event again (one the scheduled retry gave up on)."""

from __future__ import annotations

from uuid import UUID

from tailtribe.domain.errors import Conflict, DomainError, NotFound
from tailtribe.domain.model.audit import AuditAction, AuditObject
from tailtribe.domain.services.audit import AdminAct, AuditTrail
from tailtribe.domain.services.payments.apply_payment_events import ReceivePaymentEvent


class RetryPaymentEvent:
    """Runs the event through `ReceivePaymentEvent.process`, the path every
    delivery and scheduled retry takes: applied once in effect, under its row
    lock. Audited: applied, or "failed again" with the error (409), or refused
    when no such event waits (404)."""

    def __init__(self, handle: ReceivePaymentEvent, audit: AuditTrail) -> None:
        self._handle, self._audit = handle, audit

    async def __call__(self, admin_id: UUID | None, event_id: str) -> None:
        act = AdminAct(
            admin_id, AuditAction.RETRY_PAYMENT_EVENT, AuditObject.PAYMENT_EVENT, event_id
        )
        async with self._audit.refusals(act):
            try:
                applied = await self._handle.process(event_id)
            except DomainError:
                raise
            except Exception as exc:  # counted on the event by process()
                error = f"{type(exc).__name__}: {exc}"
                raise Conflict(f"applying the event failed again ({error})") from exc
            if not applied:
                raise NotFound("no payment event with this id waits to be applied")
            await self._audit.record_alone(act, "applied")
