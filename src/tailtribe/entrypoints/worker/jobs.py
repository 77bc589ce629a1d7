"""The scheduled work, shared by the SAQ worker and the embedded runner."""

from __future__ import annotations

import logging

from dishka import AsyncContainer

from tailtribe.domain.ports import DueWork
from tailtribe.domain.services.jobs.run_due import RunDueBookingJobs

logger = logging.getLogger(__name__)


async def run_booking_jobs(container: AsyncContainer) -> dict[str, int]:
    """Expire, start, complete and remind whatever is due; each job idempotent."""
    ran: dict[str, int] = {}
    for work in DueWork:
        # A scope per job: one failing kind does not stop the others.
        async with container() as scope:
            try:
                ran[f"bookings.{work.value}"] = await (await scope.get(RunDueBookingJobs))(work)
            except Exception:
                logger.exception("scheduled job bookings.%s failed", work.value)
                ran[f"bookings.{work.value}"] = -1
    return ran
