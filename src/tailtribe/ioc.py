"""The one wiring point: which adapter serves which port.

Tests override providers here (another clock, a gateway that fails on cue)
instead of patching modules.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import cast

from advanced_alchemy.config import SQLAlchemyAsyncConfig
from dishka import AsyncContainer, Provider, Scope, make_async_container, provide
from dishka.integrations.litestar import LitestarProvider
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tailtribe.adapters.filesystem.mailer import FolderMailer
from tailtribe.adapters.memory.cache import MemoryCache
from tailtribe.adapters.redis.cache import RedisCache
from tailtribe.adapters.redis.health import RedisHealthCheck
from tailtribe.adapters.simulated.payment_gateway import SimulatedPaymentGateway
from tailtribe.adapters.sqlalchemy.database import make_db_config
from tailtribe.adapters.sqlalchemy.health import DatabaseHealthCheck
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.adapters.system.clock import SettableClock, SystemClock
from tailtribe.adapters.system.ids import Uuid7Generator
from tailtribe.config import Environment, Settings
from tailtribe.domain.ports import (
    Cache,
    Clock,
    HealthCheck,
    IdGenerator,
    Mailer,
    PaymentGateway,
    UnitOfWork,
)
from tailtribe.domain.services.platform.check_health import CheckHealth


class InfrastructureProvider(Provider):
    """Long-lived clients: one per process."""

    scope = Scope.APP

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self._settings = settings

    @provide
    def settings(self) -> Settings:
        return self._settings

    @provide
    def clock(self) -> Clock:
        # Only test mode may move time; everywhere else it is the real clock.
        return SettableClock() if self._settings.env is Environment.TEST else SystemClock()

    @provide
    def ids(self) -> IdGenerator:
        return Uuid7Generator()

    @provide
    async def db_config(self) -> AsyncIterator[SQLAlchemyAsyncConfig]:
        config = make_db_config(self._settings.database_url)
        yield config
        await config.get_engine().dispose()

    @provide
    def engine(self, config: SQLAlchemyAsyncConfig) -> AsyncEngine:
        return config.get_engine()

    @provide
    def session_factory(self, config: SQLAlchemyAsyncConfig) -> async_sessionmaker[AsyncSession]:
        return cast("async_sessionmaker[AsyncSession]", config.create_session_maker())

    @provide
    async def redis(self) -> AsyncIterator[Redis | None]:
        if self._settings.redis_url is None:
            yield None
            return
        client = Redis.from_url(
            self._settings.redis_url, socket_timeout=2, socket_connect_timeout=2
        )
        yield client
        await client.aclose()

    @provide
    def cache(self, redis: Redis | None, clock: Clock) -> Cache:
        return MemoryCache(clock) if redis is None else RedisCache(redis)

    @provide
    def health_checks(self, engine: AsyncEngine, redis: Redis | None) -> list[HealthCheck]:
        checks: list[HealthCheck] = [DatabaseHealthCheck(engine)]
        if redis is not None:
            checks.append(RedisHealthCheck(redis))
        return checks

    @provide
    def payment_gateway(self) -> PaymentGateway:
        return SimulatedPaymentGateway()

    @provide
    def mailer(self) -> Mailer:
        return FolderMailer(self._settings.email_dir, self._settings.email_from)


class UseCaseProvider(Provider):
    """Per request or job: a fresh unit of work and the use cases around it."""

    scope = Scope.REQUEST

    @provide
    def unit_of_work(self, factory: async_sessionmaker[AsyncSession]) -> UnitOfWork:
        return SqlUnitOfWork(factory)

    @provide
    def check_health(self, checks: list[HealthCheck]) -> CheckHealth:
        return CheckHealth(checks)


def make_container(settings: Settings, *overrides: Provider) -> AsyncContainer:
    return make_async_container(
        InfrastructureProvider(settings), UseCaseProvider(), LitestarProvider(), *overrides
    )
