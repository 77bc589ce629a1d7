"""ApplyRetention's loop, with purges that answer what the test says: each
batch its own transaction, files deleted after the commit, a short batch ends
the rule, a failing rule reports FAILED and the others run."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tailtribe.domain.ports.retention import Purged
from tailtribe.domain.services.privacy.retention import (
    BATCH,
    FAILED,
    MAX_BATCHES,
    ApplyRetention,
    Rule,
)
from tests.fakes.clock import FixedClock
from tests.fakes.unit_of_work import MemoryUnitOfWork

NOW = datetime(2027, 6, 1, tzinfo=UTC)


class Files:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self.deleted: list[tuple[int, list[str]]] = []  # (commits so far, keys)
        self._uow = uow

    async def delete(self, keys: Sequence[str]) -> None:
        self.deleted.append((self._uow.commits, list(keys)))


def scripted(batches: list[int], cutoffs: list[datetime]) -> Any:
    answers = iter(batches)

    async def purge(uow: Any, cutoff: datetime, limit: int) -> Purged:
        assert limit == BATCH
        cutoffs.append(cutoff)
        n = next(answers)
        return Purged(n, [f"k{n}"] if n else [])

    return purge


# Full batches, then possibly one short one (the script's end).
batch_scripts = st.tuples(
    st.integers(min_value=0, max_value=MAX_BATCHES + 2), st.integers(min_value=0, max_value=BATCH)
)


@given(batch_scripts)
def test_a_rule_purges_batch_after_batch_until_a_short_one(script: tuple[int, int]) -> None:
    full, last = script
    batches = [BATCH] * full + [last if last < BATCH else 0]
    cutoffs: list[datetime] = []
    uow = MemoryUnitOfWork()
    files = Files(uow)
    rule = Rule("r", timedelta(days=3), scripted(batches, cutoffs))
    ran = asyncio.run(ApplyRetention(uow, files, FixedClock(NOW), [rule])())  # type: ignore[arg-type]

    expected = batches[:MAX_BATCHES]
    assert ran == {"r": sum(expected)}
    assert cutoffs == [NOW - timedelta(days=3)] * len(expected)
    assert uow.commits == len(expected)  # one transaction per batch
    # Each batch's files go once its transaction committed.
    assert files.deleted == [(i + 1, [f"k{n}"]) for i, n in enumerate(expected) if n]


def test_a_failing_rule_is_reported_and_the_others_still_run() -> None:
    uow = MemoryUnitOfWork()

    async def broken(uow: Any, cutoff: datetime, limit: int) -> int:
        raise RuntimeError("no")

    async def three(uow: Any, cutoff: datetime, limit: int) -> int:
        return 3

    rules = [Rule("a", timedelta(days=1), three), Rule("b", timedelta(days=1), broken)]
    rules.append(Rule("c", timedelta(days=1), three))
    ran = asyncio.run(ApplyRetention(uow, Files(uow), FixedClock(NOW), rules)())  # type: ignore[arg-type]
    assert ran == {"a": 3, "b": FAILED, "c": 3}
    assert uow.commits == 2
