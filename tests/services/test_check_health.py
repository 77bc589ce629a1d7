from __future__ import annotations

import asyncio

from tailtribe.domain.services.platform.check_health import CheckHealth
from tests.fakes.health import StaticHealthCheck


class SlowCheck:
    name = "queue"

    async def check(self) -> None:
        await asyncio.sleep(5)


async def test_all_up_is_healthy() -> None:
    report = await CheckHealth([StaticHealthCheck("database"), StaticHealthCheck("redis")])()
    assert report.healthy
    assert report.checks == {"database": "ok", "redis": "ok"}


async def test_a_failing_dependency_is_named_without_leaking_its_message() -> None:
    report = await CheckHealth(
        [StaticHealthCheck("database"), StaticHealthCheck("redis", "password=secret refused")]
    )()
    assert not report.healthy
    assert report.checks == {"database": "ok", "redis": "error: ConnectionError"}


async def test_a_hanging_dependency_times_out() -> None:
    report = await CheckHealth([SlowCheck(), StaticHealthCheck("database")], timeout=0.05)()
    assert report.checks == {"queue": "timeout", "database": "ok"}


async def test_a_single_check_is_reported_as_among_many() -> None:
    assert (await CheckHealth([StaticHealthCheck("database")])()).checks == {"database": "ok"}
    failing = await CheckHealth([StaticHealthCheck("database", "refused")])()
    assert not failing.healthy
    assert failing.checks == {"database": "error: ConnectionError"}
    hanging = await CheckHealth([SlowCheck()], timeout=0.05)()
    assert hanging.checks == {"queue": "timeout"}
