"""`tailtribe worker`: SAQ on Redis, the scheduled jobs as cron jobs.

SAQ has no dishka integration: the container is built in startup, closed in
shutdown, and each job opens its own request scopes.
"""

from __future__ import annotations

from uuid import UUID

from dishka import AsyncContainer
from saq import CronJob, Queue, Worker
from saq.types import Context

from tailtribe.adapters.saq.task_queue import QUEUE_NAME, SaqTaskQueue
from tailtribe.config import Settings
from tailtribe.domain.services.photos.manage_photos import PROCESS_PHOTO
from tailtribe.entrypoints.worker.jobs import (
    SEND_EMAIL,
    make_variants,
    relay_and_enqueue,
    run_booking_jobs,
    run_dac7_copies,
    run_retention,
    send_email,
    sweep_documents,
)
from tailtribe.ioc import make_container

RELAY_CRON = "* * * * * */5"  # every 5 seconds (croniter's sixth field)
RETENTION_CRON = "17 3 * * *"  # daily, at a quiet hour (UTC)
DOCUMENTS_SWEEP_CRON = "47 3 * * *"  # daily: the whole ledger's missing documents
# Hourly in January (UTC; the use case itself keeps to January in Brussels): it
# reads the year's ledger, so not every minute, and the copies are due by 31 January.
DAC7_COPIES_CRON = "41 * * 1 *"


class WorkerContext(Context, total=False):
    di: AsyncContainer
    tasks: SaqTaskQueue


async def booking_jobs(ctx: WorkerContext) -> dict[str, int]:
    return await run_booking_jobs(ctx["di"])


async def retention(ctx: WorkerContext) -> dict[str, int]:
    return await run_retention(ctx["di"])


async def documents_sweep(ctx: WorkerContext) -> dict[str, int]:
    return await sweep_documents(ctx["di"])


async def dac7_copies(ctx: WorkerContext) -> dict[str, int]:
    return await run_dac7_copies(ctx["di"])


async def outbox_relay(ctx: WorkerContext) -> int:
    return await relay_and_enqueue(ctx["di"], ctx["tasks"])


async def outbox_send(ctx: WorkerContext, *, message_id: str) -> bool:
    return await send_email(ctx["di"], UUID(message_id))


async def process_photo(ctx: WorkerContext, *, photo_id: str) -> bool:
    return await make_variants(ctx["di"], UUID(photo_id))


assert outbox_send.__name__ == SEND_EMAIL  # the name the relay enqueues
assert process_photo.__name__ == PROCESS_PHOTO  # the name uploads enqueue


def make_worker(
    settings: Settings, *, concurrency: int = 4, grace_seconds: int = 30
) -> Worker[WorkerContext]:
    if settings.redis_url is None:
        raise ValueError("the worker needs REDIS_URL")
    queue = Queue.from_url(settings.redis_url, name=QUEUE_NAME)

    async def startup(ctx: WorkerContext) -> None:
        ctx["di"] = make_container(settings)
        ctx["tasks"] = SaqTaskQueue(queue)

    async def shutdown(ctx: WorkerContext) -> None:
        if "di" in ctx:
            await ctx["di"].close()

    return Worker(
        queue,
        functions=[
            booking_jobs,
            outbox_relay,
            outbox_send,
            process_photo,
            retention,
            documents_sweep,
            dac7_copies,
        ],
        # unique: with several workers, one run at a time in all.
        cron_jobs=[
            CronJob(booking_jobs, cron="* * * * *", unique=True, timeout=300),
            CronJob(outbox_relay, cron=RELAY_CRON, unique=True, timeout=60),
            CronJob(retention, cron=RETENTION_CRON, unique=True, timeout=3600),
            CronJob(documents_sweep, cron=DOCUMENTS_SWEEP_CRON, unique=True, timeout=3600),
            CronJob(dac7_copies, cron=DAC7_COPIES_CRON, unique=True, timeout=600),
        ],
        startup=startup,
        shutdown=shutdown,
        concurrency=concurrency,
        shutdown_grace_period_s=grace_seconds,
    )


async def run(settings: Settings) -> None:
    """Run until SIGINT or SIGTERM, then finish the jobs in hand (graceful)."""
    worker = make_worker(settings, grace_seconds=settings.worker_grace_seconds)
    await worker.queue.connect()
    try:
        await worker.start()
    finally:
        await worker.queue.disconnect()
