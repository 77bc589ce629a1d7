"""The TaskQueue port on SAQ: jobs go to the Redis queue the workers read."""

from __future__ import annotations

from saq import Queue

JOB_TIMEOUT_SECONDS = 60
QUEUE_NAME = "tailtribe"


class SaqTaskQueue:
    def __init__(self, queue: Queue) -> None:
        self._queue = queue

    async def enqueue(self, job: str, key: str | None = None, **kwargs: object) -> None:
        # A key already queued or running is not queued again (SAQ's own dedup);
        # retries belong to the caller (the outbox keeps its own backoff).
        await self._queue.enqueue(job, key=key, timeout=JOB_TIMEOUT_SECONDS, retries=1, **kwargs)
