"""The embedded runner: without Redis, the API process runs the scheduled jobs itself."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from dishka import AsyncContainer

from tailtribe.entrypoints.worker.jobs import (
    deliver_outbox,
    run_booking_jobs,
    run_dac7_copies,
    run_retention,
    sweep_documents,
)

logger = logging.getLogger(__name__)
INTERVAL_SECONDS = 60.0
OUTBOX_INTERVAL_SECONDS = 2.0
RETENTION_INTERVAL_SECONDS = 24 * 3600.0
DAC7_INTERVAL_SECONDS = 3600.0


@contextlib.asynccontextmanager
async def embedded_scheduler(
    container: AsyncContainer,
    interval: float = INTERVAL_SECONDS,
    outbox_interval: float = OUTBOX_INTERVAL_SECONDS,
    retention_interval: float = RETENTION_INTERVAL_SECONDS,
) -> AsyncIterator[None]:
    """Run the due jobs every `interval` seconds, send the outbox's emails
    every `outbox_interval`, and apply retention once at start and then every
    `retention_interval` (a day), issuing then the documents the whole ledger
    owes, and send the sellers' DAC7 copies at start and then hourly, for as
    long as the app runs."""

    async def jobs() -> None:
        while True:
            await run_booking_jobs(container)
            await asyncio.sleep(interval)

    async def outbox() -> None:
        while True:
            try:
                await deliver_outbox(container)
            except Exception:  # the database may be briefly away: try again
                logger.exception("outbox delivery failed")
            await asyncio.sleep(outbox_interval)

    async def retention() -> None:
        while True:
            try:
                await run_retention(container)
            except Exception:  # the database may be away: tomorrow's run catches up
                logger.exception("retention failed")
            try:
                await sweep_documents(container)
            except Exception:  # likewise
                logger.exception("documents sweep failed")
            await asyncio.sleep(retention_interval)

    async def dac7_copies() -> None:
        while True:
            try:
                await run_dac7_copies(container)
            except Exception:  # the database may be away: the next hour catches up
                logger.exception("dac7 copies failed")
            await asyncio.sleep(DAC7_INTERVAL_SECONDS)

    tasks = [
        asyncio.create_task(jobs(), name="tailtribe-embedded-jobs"),
        asyncio.create_task(outbox(), name="tailtribe-embedded-outbox"),
        asyncio.create_task(retention(), name="tailtribe-embedded-retention"),
        asyncio.create_task(dac7_copies(), name="tailtribe-embedded-dac7"),
    ]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
