"""The embedded task runner: jobs run in this process, in the background."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

logger = logging.getLogger(__name__)

Job = Callable[..., Awaitable[object]]


class InProcessTaskQueue:
    def __init__(self, jobs: Mapping[str, Job]) -> None:
        self._jobs = dict(jobs)
        self._running: dict[str, asyncio.Task[object]] = {}
        self._tasks: set[asyncio.Task[object]] = set()

    async def enqueue(self, job: str, key: str | None = None, **kwargs: object) -> None:
        if job not in self._jobs:
            raise LookupError(f"unknown job {job!r}")
        if key is not None and key in self._running:
            return
        task: asyncio.Task[object] = asyncio.create_task(self._run(job, kwargs))
        self._tasks.add(task)
        if key is not None:
            self._running[key] = task
        task.add_done_callback(lambda t: self._done(t, key))

    async def _run(self, job: str, kwargs: Mapping[str, object]) -> object:
        try:
            return await self._jobs[job](**kwargs)
        except Exception:
            logger.exception("job %s failed", job)
            raise

    def _done(self, task: asyncio.Task[object], key: str | None) -> None:
        self._tasks.discard(task)
        if key is not None:
            self._running.pop(key, None)

    async def drain(self) -> None:
        """Wait for every job in flight (shutdown and tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


class DeferredTaskQueue:
    """Test mode: jobs are not run in the background; the test-mode endpoint
    runs what is pending, so tests see one thing happen at a time."""

    def __init__(self) -> None:
        self.enqueued: list[tuple[str, str | None, dict[str, object]]] = []

    async def enqueue(self, job: str, key: str | None = None, **kwargs: object) -> None:
        self.enqueued.append((job, key, kwargs))
