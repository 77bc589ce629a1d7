"""Is every dependency the service needs reachable?"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from tailtribe.domain.ports.monitoring import HealthCheck

CHECK_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class HealthReport:
    checks: dict[str, str]

    @property
    def healthy(self) -> bool:
        return all(value == "ok" for value in self.checks.values())


class CheckHealth:
    """Runs every check at once, each bounded in time; a failure names itself."""

    def __init__(
        self, checks: Sequence[HealthCheck], timeout: float = CHECK_TIMEOUT_SECONDS
    ) -> None:
        self._checks = checks
        self._timeout = timeout

    async def __call__(self) -> HealthReport:
        if len(self._checks) == 1:
            # Nothing to overlap: awaited here, without gather's task and future.
            return HealthReport(dict([await self._run(self._checks[0])]))
        results = await asyncio.gather(*(self._run(check) for check in self._checks))
        return HealthReport(dict(results))

    async def _run(self, check: HealthCheck) -> tuple[str, str]:
        try:
            # A deadline on this task rather than wait_for's task of its own.
            async with asyncio.timeout(self._timeout):
                await check.check()
        except TimeoutError:
            return check.name, "timeout"
        except Exception as exc:  # any failure of the dependency is a failed check
            return check.name, f"error: {type(exc).__name__}"
        return check.name, "ok"


class CheckReadiness(CheckHealth):
    """Whether this instance should take traffic: the health checks and the
    queue's backlog (a stuck worker makes the service not ready, not dead)."""
