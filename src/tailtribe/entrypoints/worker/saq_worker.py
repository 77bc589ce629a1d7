"""`tailtribe worker`: SAQ on Redis, the scheduled jobs as cron jobs.

SAQ has no dishka integration: the container is built in startup, closed in
shutdown, and each job opens its own request scopes.
"""

from __future__ import annotations

from dishka import AsyncContainer
from saq import CronJob, Queue, Worker
from saq.types import Context

from tailtribe.config import Settings
from tailtribe.entrypoints.worker.jobs import run_booking_jobs
from tailtribe.ioc import make_container

QUEUE_NAME = "tailtribe"


class WorkerContext(Context, total=False):
    di: AsyncContainer


async def booking_jobs(ctx: WorkerContext) -> dict[str, int]:
    return await run_booking_jobs(ctx["di"])


def make_worker(
    settings: Settings, *, concurrency: int = 4, grace_seconds: int = 30
) -> Worker[WorkerContext]:
    if settings.redis_url is None:
        raise ValueError("the worker needs REDIS_URL")
    queue = Queue.from_url(settings.redis_url, name=QUEUE_NAME)

    async def startup(ctx: WorkerContext) -> None:
        ctx["di"] = make_container(settings)

    async def shutdown(ctx: WorkerContext) -> None:
        if "di" in ctx:
            await ctx["di"].close()

    return Worker(
        queue,
        functions=[booking_jobs],
        # unique: with several workers, one run a minute in all.
        cron_jobs=[CronJob(booking_jobs, cron="* * * * *", unique=True, timeout=300)],
        startup=startup,
        shutdown=shutdown,
        concurrency=concurrency,
        shutdown_grace_period_s=grace_seconds,
    )


async def run(settings: Settings) -> None:
    """Run until SIGINT or SIGTERM, then finish the jobs in hand (graceful)."""
    worker = make_worker(settings)
    await worker.queue.connect()
    try:
        await worker.start()
    finally:
        await worker.queue.disconnect()
