"""The embedded runner: without Redis, the API process runs the scheduled jobs itself."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from dishka import AsyncContainer

from tailtribe.entrypoints.worker.jobs import run_booking_jobs

logger = logging.getLogger(__name__)
INTERVAL_SECONDS = 60.0


@contextlib.asynccontextmanager
async def embedded_scheduler(
    container: AsyncContainer, interval: float = INTERVAL_SECONDS
) -> AsyncIterator[None]:
    """Run the due jobs every `interval` seconds for as long as the app runs."""

    async def loop() -> None:
        while True:
            await run_booking_jobs(container)
            await asyncio.sleep(interval)

    task = asyncio.create_task(loop(), name="tailtribe-embedded-jobs")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
