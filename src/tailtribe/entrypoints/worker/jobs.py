"""The scheduled work, shared by the SAQ worker and the embedded runner."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import TypeVar
from uuid import UUID

from dishka import AsyncContainer

from tailtribe.domain.ports.messaging import TaskQueue
from tailtribe.domain.ports.storage import DueWork
from tailtribe.domain.services.caregivers.tax_requests import SendTaxDetailsRequests
from tailtribe.domain.services.conversations.notify_unread import NotifyUnreadMessages
from tailtribe.domain.services.documents.issue import (
    IssueDocuments,
    IssueStatements,
    SendDocuments,
)
from tailtribe.domain.services.jobs.run_due import (
    MEET_WORK,
    RunDueBookingJobs,
    RunDueMeetAndGreetJobs,
)
from tailtribe.domain.services.notifications.relay_outbox import RelayOutbox
from tailtribe.domain.services.notifications.send_email import SendEmail
from tailtribe.domain.services.payments.apply_payment_events import RetryPaymentEvents
from tailtribe.domain.services.payments.payouts import PayOutDue
from tailtribe.domain.services.photos.manage_photos import ProcessPendingPhotos, ProcessPhoto
from tailtribe.domain.services.privacy.erase import PurgeErasedPhotos
from tailtribe.domain.services.privacy.export import BuildExports, ExpireExports
from tailtribe.domain.services.privacy.retention import ApplyRetention
from tailtribe.domain.services.reports.dac7 import SendDac7Copies
from tailtribe.domain.services.series.jobs import SERIES_WORK, RunDueSeriesJobs
from tailtribe.entrypoints.export_archive import write_archive

SEND_EMAIL = "outbox_send"
R = TypeVar("R")

logger = logging.getLogger(__name__)


async def in_scope(
    container: AsyncContainer, use_case: type[Callable[..., Awaitable[R]]], *args: object
) -> R:
    """One use case, in a request scope (and so a unit of work) of its own."""
    async with container() as scope:
        run: Callable[..., Awaitable[R]] = await scope.get(use_case)
        return await run(*args)


BOOKING_WORK = (DueWork.EXPIRE, DueWork.START, DueWork.COMPLETE, DueWork.REMIND)


async def run_booking_jobs(container: AsyncContainer) -> dict[str, int]:
    """Expire, start, complete and remind whatever is due (meet-and-greets
    too), ask caregivers for their DAC7 details and remind them, pay caregivers out,
    apply Stripe events whose processing failed, process photos whose job was
    lost, email about unread messages, build and expire personal data exports,
    issue money documents and store their files, and delete erased accounts'
    photos; each job idempotent."""
    ran: dict[str, int] = {}
    for work in BOOKING_WORK:
        # A scope per job: one failing kind does not stop the others.
        try:
            ran[f"bookings.{work.value}"] = await in_scope(container, RunDueBookingJobs, work)
        except Exception:
            logger.exception("scheduled job bookings.%s failed", work.value)
            ran[f"bookings.{work.value}"] = -1
    for work in MEET_WORK:
        try:
            ran[f"meets.{work.value}"] = await in_scope(container, RunDueMeetAndGreetJobs, work)
        except Exception:
            logger.exception("scheduled job meets.%s failed", work.value)
            ran[f"meets.{work.value}"] = -1
    for work in SERIES_WORK:
        try:
            ran[f"series.{work.value}"] = await in_scope(container, RunDueSeriesJobs, work)
        except Exception:
            logger.exception("scheduled job series.%s failed", work.value)
            ran[f"series.{work.value}"] = -1
    jobs: tuple[tuple[str, type[Callable[..., Awaitable[int]]]], ...] = (
        # Before the payouts: a caregiver whose withholding starts is told first.
        ("caregivers.tax_requests", SendTaxDetailsRequests),
        ("payments.payouts", PayOutDue),
        ("webhooks.retry", RetryPaymentEvents),
    )
    for name, use_case in jobs:
        try:
            ran[name] = await in_scope(container, use_case)
        except Exception:
            logger.exception("scheduled job %s failed", name)
            ran[name] = -1
    try:
        ran["photos.pending"] = await pending_photos(container, timedelta(minutes=5))
    except Exception:
        logger.exception("scheduled job photos.pending failed")
        ran["photos.pending"] = -1
    try:
        ran["messages.unread"] = await in_scope(container, NotifyUnreadMessages)
    except Exception:
        logger.exception("scheduled job messages.unread failed")
        ran["messages.unread"] = -1
    ran |= await export_jobs(container)
    ran |= await document_jobs(container)
    try:  # what an erasure's own deletion left (a crash after its commit)
        ran["photos.erased"] = await in_scope(container, PurgeErasedPhotos)
    except Exception:
        logger.exception("scheduled job photos.erased failed")
        ran["photos.erased"] = -1
    return ran


async def export_jobs(container: AsyncContainer) -> dict[str, int]:
    """Build pending personal data exports, delete those past their day."""
    ran: dict[str, int] = {}
    try:
        ran["exports.built"] = await in_scope(container, BuildExports, write_archive)
    except Exception:
        logger.exception("scheduled job exports.built failed")
        ran["exports.built"] = -1
    try:
        ran["exports.expired"] = await in_scope(container, ExpireExports)
    except Exception:
        logger.exception("scheduled job exports.expired failed")
        ran["exports.expired"] = -1
    return ran


async def document_jobs(container: AsyncContainer) -> dict[str, int]:
    """Issue the money documents the ledger owes and the statements of the
    month that last ended, then store their files and tell their recipients
    (docs/documents.md)."""
    ran: dict[str, int] = {}
    steps: tuple[tuple[str, type[IssueDocuments | IssueStatements | SendDocuments]], ...] = (
        ("documents.issued", IssueDocuments),
        ("documents.statements", IssueStatements),
        ("documents.sent", SendDocuments),
    )
    for name, use_case in steps:
        try:
            ran[name] = await in_scope(container, use_case)
        except Exception:
            logger.exception("scheduled job %s failed", name)
            ran[name] = -1
    return ran


async def backfill_documents(container: AsyncContainer) -> dict[str, int]:
    """Issue and send every document the whole ledger owes, round after round
    until a round does nothing; a second backfill finds nothing to do."""
    total = {"documents.issued": 0, "documents.statements": 0, "documents.sent": 0}
    while True:
        issued = await in_scope(container, IssueDocuments, True)
        async with container() as scope:
            stated = await (await scope.get(IssueStatements)).backfill()
        sent = await in_scope(container, SendDocuments)
        total["documents.issued"] += issued
        total["documents.statements"] += stated
        total["documents.sent"] += sent
        if issued == 0 and stated == 0 and sent == 0:
            return total


async def sweep_documents(container: AsyncContainer) -> dict[str, int]:
    """Daily: the documents owed for movements of the whole ledger (the
    every-minute run looks at the last 7 days only), and the statements of
    every ended month (the every-minute run issues the last month's only)."""
    swept = await in_scope(container, IssueDocuments, True)
    async with container() as scope:
        stated = await (await scope.get(IssueStatements)).backfill()
    return {"documents.swept": swept, "documents.statements_swept": stated}


async def run_retention(container: AsyncContainer) -> dict[str, int]:
    """The daily purge of personal data kept past its need (docs/retention.md)."""
    return await in_scope(container, ApplyRetention)


async def run_dac7_copies(container: AsyncContainer) -> dict[str, int]:
    """In January (Brussels), each reportable seller's copy of last year's DAC7 figures
    (docs/dac7.md), once; hourly, as the year's ledger is read each time."""
    return {"dac7.copies": await in_scope(container, SendDac7Copies)}


async def make_variants(container: AsyncContainer, photo_id: UUID) -> bool:
    return await in_scope(container, ProcessPhoto, photo_id)


async def pending_photos(container: AsyncContainer, min_age: timedelta) -> int:
    return await in_scope(container, ProcessPendingPhotos, min_age)


async def relay_outbox(container: AsyncContainer) -> Sequence[UUID]:
    """Expand due events into email rows; the email rows due now."""
    return await in_scope(container, RelayOutbox)


async def send_email(container: AsyncContainer, message_id: UUID) -> bool:
    return await in_scope(container, SendEmail, message_id)


async def relay_and_enqueue(container: AsyncContainer, queue: TaskQueue) -> int:
    """The worker's relay: one send job per due email (a queued one is not queued twice)."""
    due = await relay_outbox(container)
    for message_id in due:
        await queue.enqueue(SEND_EMAIL, key=f"email:{message_id}", message_id=str(message_id))
    return len(due)


async def deliver_outbox(container: AsyncContainer) -> dict[str, int]:
    """Relay and send in this process, one email after the other (embedded, test mode)."""
    due = await relay_outbox(container)
    sent = 0
    for message_id in due:
        try:
            sent += await send_email(container, message_id)
        except Exception:
            logger.exception("sending outbox message %s failed", message_id)
    return {"outbox.due": len(due), "outbox.sent": sent}
