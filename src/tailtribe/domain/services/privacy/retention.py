"""Retention: personal data is deleted once its purpose has passed.

A daily job (the worker's cron, the embedded runner, `tailtribe retention
run`) applies every rule of `RULES`; docs/retention.md gives each rule's
reason. Each rule purges in batches, each batch a transaction of its own
through its port method; a purge finds nothing more to do when run again,
and a rule that fails is logged and leaves the others to run.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tailtribe.domain.model.security import RETENTION as SECURITY_EVENTS_KEPT
from tailtribe.domain.ports.files import ObjectStorage
from tailtribe.domain.ports.monitoring import PAYMENT_AUTHORIZED_TOPICS, PAYMENT_FAILED_TOPICS
from tailtribe.domain.ports.retention import Purged
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock

logger = logging.getLogger(__name__)

BATCH = 500
# A day's run stops a rule after this many batches; the rest goes the next day.
MAX_BATCHES = 200
FAILED = -1  # a rule's count when it failed (after any batches it committed)

# The outbox rows the business metrics count (the payment failure rate, and the
# Prometheus counters that must only grow): kept whole when sent rows go. Their
# payload is a booking id, an amount in cents and a time: nothing personal.
KEPT_TOPICS = frozenset(PAYMENT_AUTHORIZED_TOPICS + PAYMENT_FAILED_TOPICS)

Purge = Callable[[UnitOfWork, datetime, int], Awaitable[int | Purged]]


@dataclass(frozen=True, slots=True)
class Rule:
    """`purge(uow, cutoff, limit)` removes at most about `limit` items older
    than `cutoff` (now minus `period`) and says how many (and which files)."""

    name: str
    period: timedelta
    purge: Purge


# Every period, in one place. Adding a rule is adding one entry.
RULES: tuple[Rule, ...] = (
    Rule(
        "unverified_accounts",
        timedelta(days=30),
        lambda uow, cutoff, n: uow.retention.purge_unverified_accounts(cutoff, n),
    ),
    Rule(
        "failed_photos",
        timedelta(days=7),
        lambda uow, cutoff, n: uow.retention.purge_failed_photos(cutoff, n),
    ),
    Rule(
        "deleted_pets",
        timedelta(days=30),
        lambda uow, cutoff, n: uow.retention.purge_deleted_pets(cutoff, n),
    ),
    Rule(
        "spent_tokens",
        timedelta(days=30),
        lambda uow, cutoff, n: uow.retention.purge_spent_tokens(cutoff, n),
    ),
    Rule(
        "webhook_payloads",
        timedelta(days=90),
        lambda uow, cutoff, n: uow.retention.clear_webhook_payloads(cutoff, n),
    ),
    Rule(
        "sent_outbox",
        timedelta(days=90),
        lambda uow, cutoff, n: uow.retention.purge_sent_outbox(cutoff, KEPT_TOPICS, n),
    ),
    Rule(
        "security_events",
        SECURITY_EVENTS_KEPT,
        lambda uow, cutoff, n: uow.security_events.purge_before(cutoff, n),
    ),
)


class ApplyRetention:
    """Apply every rule at the clock's now; returns how many items each rule
    removed (FAILED for a rule that failed)."""

    def __init__(
        self,
        uow: UnitOfWork,
        storage: ObjectStorage,
        clock: Clock,
        rules: Sequence[Rule] = RULES,
    ) -> None:
        self._uow, self._storage, self._clock, self._rules = uow, storage, clock, rules

    async def __call__(self) -> dict[str, int]:
        now = self._clock.now()
        counts: dict[str, int] = {}
        for rule in self._rules:
            try:
                counts[rule.name] = await self._apply(rule, now - rule.period)
            except Exception:  # this rule only: the next ones still run
                logger.exception("retention rule %s failed", rule.name)
                counts[rule.name] = FAILED
        return counts

    async def _apply(self, rule: Rule, cutoff: datetime) -> int:
        total = 0
        for _ in range(MAX_BATCHES):
            async with self._uow as uow:
                result = await rule.purge(uow, cutoff, BATCH)
                await uow.commit()
            purged = result if isinstance(result, Purged) else Purged(result)
            # After the commit: a failed commit never leaves a row without its files.
            if purged.files:
                await self._storage.delete(purged.files)
            total += purged.count
            if purged.count < BATCH:
                break
        return total
