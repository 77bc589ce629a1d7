"""Settings, clock, ids, the database, Redis, storage and the task queue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import cast
from uuid import UUID

from advanced_alchemy.config import SQLAlchemyAsyncConfig
from dishka import AsyncContainer, Provider, Scope, provide
from redis.asyncio import Redis
from saq import Queue
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tailtribe.adapters.filesystem.object_storage import FolderStorage
from tailtribe.adapters.memory.cache import MemoryCache
from tailtribe.adapters.memory.task_queue import DeferredTaskQueue, InProcessTaskQueue
from tailtribe.adapters.redis.cache import RedisCache
from tailtribe.adapters.s3.object_storage import S3Storage
from tailtribe.adapters.saq.task_queue import QUEUE_NAME, SaqTaskQueue
from tailtribe.adapters.sqlalchemy.database import make_db_config
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.adapters.system.clock import SettableClock, SystemClock
from tailtribe.adapters.system.ids import Uuid7Generator
from tailtribe.config import Environment, Settings
from tailtribe.domain.ports.files import ObjectStorage, ServedMedia
from tailtribe.domain.ports.messaging import TaskQueue
from tailtribe.domain.ports.storage import Cache, UnitOfWork
from tailtribe.domain.ports.time import AdjustableClock, Clock, IdGenerator
from tailtribe.domain.services.photos.manage_photos import PROCESS_PHOTO, ProcessPhoto


class InfrastructureProvider(Provider):
    """Long-lived clients, one per process, and the per-request unit of work."""

    scope = Scope.APP

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self._settings = settings

    @provide
    def settings(self) -> Settings:
        return self._settings

    @provide
    def settable_clock(self) -> SettableClock:
        return SettableClock()

    @provide
    def clock(self, settable: SettableClock) -> Clock:
        # Only test mode may move time; everywhere else it is the real clock.
        return settable if self._settings.env is Environment.TEST else SystemClock()

    @provide
    def adjustable_clock(self, settable: SettableClock) -> AdjustableClock:
        return settable

    @provide
    def ids(self) -> IdGenerator:
        return Uuid7Generator()

    @provide
    async def db_config(self) -> AsyncIterator[SQLAlchemyAsyncConfig]:
        s = self._settings
        config = make_db_config(
            s.database_url,
            pool_size=s.db_pool_size,
            max_overflow=s.db_max_overflow,
            pool_timeout=s.db_pool_timeout_seconds,
        )
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
    def served_media(self, storage: ObjectStorage) -> ServedMedia | None:
        # The API serves only the embedded folder store's files; S3 serves its own.
        return storage if isinstance(storage, FolderStorage) else None

    @provide
    def object_storage(self) -> ObjectStorage:
        s = self._settings
        if s.s3_bucket:
            return S3Storage(
                s.s3_bucket,
                endpoint_url=s.s3_endpoint_url,
                media_base_url=s.media_base_url,
                access_key=s.s3_access_key_id,
                secret_key=s.s3_secret_access_key,
                region=s.s3_region,
            )
        return FolderStorage(s.media_dir, s.media_base_url or "/media", s.secret_key)

    @provide
    async def task_queue(self, container: AsyncContainer) -> AsyncIterator[TaskQueue]:
        settings = self._settings
        if settings.env is Environment.TEST:
            yield DeferredTaskQueue()  # jobs run on the test-mode endpoint
        elif settings.redis_url is not None:
            queue = Queue.from_url(settings.redis_url, name=QUEUE_NAME)
            yield SaqTaskQueue(queue)
            await queue.disconnect()
        else:

            async def process(photo_id: str) -> bool:
                async with container() as scope:
                    return await (await scope.get(ProcessPhoto))(UUID(photo_id))

            local = InProcessTaskQueue({PROCESS_PHOTO: process})
            yield local
            await local.drain()

    @provide(scope=Scope.REQUEST)
    def unit_of_work(self, factory: async_sessionmaker[AsyncSession]) -> UnitOfWork:
        return SqlUnitOfWork(factory)
