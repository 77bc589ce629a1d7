"""Health, rate limits, business metrics and the operations view."""

from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, provide
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tailtribe.adapters.redis.health import RedisHealthCheck
from tailtribe.adapters.sqlalchemy.health import DatabaseHealthCheck, OutboxBacklogCheck
from tailtribe.adapters.sqlalchemy.metrics_store import SqlMetricsStore
from tailtribe.adapters.sqlalchemy.operations_store import SqlOperationsStore
from tailtribe.domain.ports.files import ObjectStorage
from tailtribe.domain.ports.monitoring import HealthCheck, MetricsStore, OperationsStore
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.admin.metrics import BusinessMetrics
from tailtribe.domain.services.audit import AuditTrail, ReadAuditTrail
from tailtribe.domain.services.platform.check_health import CheckHealth, CheckReadiness
from tailtribe.domain.services.platform.operations import ReadOperations
from tailtribe.domain.services.privacy.export import (
    BuildExports,
    ExpireExports,
    ReadExport,
    RequestExport,
)
from tailtribe.domain.services.privacy.retention import ApplyRetention


class PlatformProvider(Provider):
    scope = Scope.REQUEST

    @provide(scope=Scope.APP)
    def health_checks(self, engine: AsyncEngine, redis: Redis | None) -> list[HealthCheck]:
        checks: list[HealthCheck] = [DatabaseHealthCheck(engine)]
        if redis is not None:
            checks.append(RedisHealthCheck(redis))
        return checks

    @provide(scope=Scope.APP)
    def rate_limiter(self, redis: Redis | None) -> MovingWindowRateLimiter:
        """The per-client request counters: shared through Redis when configured
        (on the app's own connection pool), in this process's memory otherwise."""
        storage: Storage
        if redis is None:
            storage = MemoryStorage()
        else:
            storage = RedisStorage(
                "async+redis://",
                implementation="redispy",
                key_prefix="tailtribe:ratelimit",
                connection_pool=redis.connection_pool,  # type: ignore[arg-type]
            )
        return MovingWindowRateLimiter(storage)

    # Stateless over the process's clients: built once, not per probe.
    @provide(scope=Scope.APP)
    def check_health(self, checks: list[HealthCheck]) -> CheckHealth:
        return CheckHealth(checks)

    @provide(scope=Scope.APP)
    def check_readiness(
        self, checks: list[HealthCheck], engine: AsyncEngine, clock: Clock
    ) -> CheckReadiness:
        return CheckReadiness([*checks, OutboxBacklogCheck(engine, clock)])

    business_metrics = provide(BusinessMetrics)

    @provide
    def apply_retention(
        self, uow: UnitOfWork, storage: ObjectStorage, clock: Clock
    ) -> ApplyRetention:
        return ApplyRetention(uow, storage, clock)  # every rule of RULES

    read_operations = provide(ReadOperations)
    audit_trail = provide(AuditTrail)
    read_audit_trail = provide(ReadAuditTrail)

    @provide
    async def metrics_store(
        self, factory: async_sessionmaker[AsyncSession]
    ) -> AsyncIterator[MetricsStore]:
        async with factory() as session:
            yield SqlMetricsStore(session)

    @provide
    async def operations_store(
        self, factory: async_sessionmaker[AsyncSession]
    ) -> AsyncIterator[OperationsStore]:
        async with factory() as session:
            yield SqlOperationsStore(session)

    # Personal data exports.
    request_export = provide(RequestExport)
    read_export = provide(ReadExport)
    build_exports = provide(BuildExports)
    expire_exports = provide(ExpireExports)
