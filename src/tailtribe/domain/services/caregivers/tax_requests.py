"""The scheduled job `caregivers.tax_requests`: ask approved caregivers for
their DAC7 details, remind them twice, tell them when payouts are withheld
(rules in domain/model/tax_requests.py, docs/dac7.md)."""

from __future__ import annotations

import logging
from uuid import UUID

from tailtribe.domain.model.caregivers import CaregiverStatus
from tailtribe.domain.model.tax_requests import TaxDetailsRequest
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.outbox import Outbox

BATCH = 100
logger = logging.getLogger(__name__)


class SendTaxDetailsRequests:
    """One pass; returns how many emails it recorded.

    Each step is a transaction of its own that records the step and its
    email (an outbox row) together: a crash before the commit leaves the step
    due for the next run, after it the step is done and never repeated. Once
    the caregiver's details are saved, nothing more is sent.
    """

    def __init__(self, uow: UnitOfWork, outbox: Outbox, clock: Clock) -> None:
        self._uow, self._outbox, self._clock = uow, outbox, clock

    async def __call__(self) -> int:
        now = self._clock.now()
        async with self._uow as uow:
            new = list(await uow.tax_requests.unrequested(BATCH))
            due = list(await uow.tax_requests.due(now, BATCH))
        sent = 0
        for caregiver_id in new:
            try:
                sent += await self._ask(caregiver_id)
            except Exception:  # one caregiver must not hold up the others
                logger.exception("asking caregiver %s for tax details failed", caregiver_id)
        for caregiver_id in due:
            try:
                sent += await self._remind(caregiver_id)
            except Exception:
                logger.exception("reminding caregiver %s of tax details failed", caregiver_id)
        return sent

    async def _ask(self, caregiver_id: UUID) -> bool:
        async with self._uow as uow:
            caregiver = await uow.caregivers.get(caregiver_id)  # locked: one run asks
            if (
                caregiver is None
                or caregiver.status is not CaregiverStatus.APPROVED
                or await uow.tax_requests.get(caregiver_id) is not None
                or await uow.tax_details.get(caregiver_id) is not None
            ):
                return False
            request = TaxDetailsRequest.first(caregiver_id, self._clock.now())
            await uow.tax_requests.add(request)
            await self._outbox.publish(uow, [request])
            await uow.commit()
            return True

    async def _remind(self, caregiver_id: UUID) -> bool:
        async with self._uow as uow:
            request = await uow.tax_requests.get(caregiver_id, lock=True)
            if request is None:
                return False
            complete = await uow.tax_details.get(caregiver_id) is not None
            if request.advance(self._clock.now(), complete) is None:
                return False
            await uow.tax_requests.save(request)
            await self._outbox.publish(uow, [request])
            await uow.commit()
            return True
