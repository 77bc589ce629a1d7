"""The one wiring point: which adapter serves which port.

Tests override providers here (another clock, a gateway that fails on cue)
instead of patching modules.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import NewType, cast
from uuid import UUID

import httpx
from advanced_alchemy.config import SQLAlchemyAsyncConfig
from dishka import AsyncContainer, Provider, Scope, make_async_container, provide
from dishka.integrations.litestar import LitestarProvider
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from redis.asyncio import Redis
from saq import Queue
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tailtribe.adapters.filesystem.mailer import FolderMailer
from tailtribe.adapters.filesystem.object_storage import FolderStorage
from tailtribe.adapters.jinja.renderer import JinjaEmailRenderer
from tailtribe.adapters.memory.cache import MemoryCache
from tailtribe.adapters.memory.login_throttle import MemoryLoginThrottle
from tailtribe.adapters.memory.task_queue import DeferredTaskQueue, InProcessTaskQueue
from tailtribe.adapters.oidc.identity_provider import OidcIdentityProvider
from tailtribe.adapters.pillow.image_processor import PillowImageProcessor
from tailtribe.adapters.redis.cache import RedisCache
from tailtribe.adapters.redis.health import RedisHealthCheck
from tailtribe.adapters.redis.login_throttle import RedisLoginThrottle
from tailtribe.adapters.resend.mailer import ResendMailer
from tailtribe.adapters.s3.object_storage import S3Storage
from tailtribe.adapters.saq.task_queue import QUEUE_NAME, SaqTaskQueue
from tailtribe.adapters.security.device_tokens import HmacDeviceTokens
from tailtribe.adapters.security.passwords import Argon2PasswordHasher
from tailtribe.adapters.security.token_secrets import HmacTokenSecrets
from tailtribe.adapters.simulated.payment_gateway import SimulatedPaymentGateway
from tailtribe.adapters.sqlalchemy.database import make_db_config
from tailtribe.adapters.sqlalchemy.health import DatabaseHealthCheck, OutboxBacklogCheck
from tailtribe.adapters.sqlalchemy.metrics_store import SqlMetricsStore
from tailtribe.adapters.sqlalchemy.operations_store import SqlOperationsStore
from tailtribe.adapters.sqlalchemy.search_store import SqlCaregiverSearchStore
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.adapters.stripe.events import StripeEventDecoder
from tailtribe.adapters.stripe.payment_gateway import StripePaymentGateway, make_stripe_client
from tailtribe.adapters.stripe.webhooks import StripeWebhookVerifier
from tailtribe.adapters.system.clock import SettableClock, SystemClock
from tailtribe.adapters.system.ids import Uuid7Generator
from tailtribe.config import Environment, Settings
from tailtribe.domain.model.conversations import SENDS_PER_MINUTE
from tailtribe.domain.ports.files import ImageProcessor, ObjectStorage, ServedMedia
from tailtribe.domain.ports.identity import (
    DeviceTokens,
    IdentityProvider,
    PasswordHasher,
    TokenSecrets,
)
from tailtribe.domain.ports.limits import (
    EMAILS_PER_ADDRESS_PER_HOUR,
    EmailCap,
    LoginThrottle,
    SendThrottle,
)
from tailtribe.domain.ports.messaging import EmailRenderer, Mailer, TaskQueue
from tailtribe.domain.ports.monitoring import HealthCheck, MetricsStore, OperationsStore
from tailtribe.domain.ports.payments import PaymentEventDecoder, PaymentGateway, WebhookVerifier
from tailtribe.domain.ports.search import CaregiverSearchStore
from tailtribe.domain.ports.storage import Cache, UnitOfWork
from tailtribe.domain.ports.time import AdjustableClock, Clock, IdGenerator
from tailtribe.domain.services.accounts.authenticate import Authenticate
from tailtribe.domain.services.accounts.create_admin import CreateAdmin
from tailtribe.domain.services.accounts.get_user import GetUser
from tailtribe.domain.services.accounts.google_sign_in import GoogleSignIn
from tailtribe.domain.services.accounts.password_reset import (
    ConfirmPasswordReset,
    RequestPasswordReset,
)
from tailtribe.domain.services.accounts.register import RegisterUser
from tailtribe.domain.services.accounts.token_issuer import TokenIssuer
from tailtribe.domain.services.accounts.verify_email import VerifyEmail
from tailtribe.domain.services.admin.metrics import BusinessMetrics
from tailtribe.domain.services.admin.review_caregivers import ReviewCaregivers
from tailtribe.domain.services.bookings.lifecycle import BookingLifecycle
from tailtribe.domain.services.bookings.request import QuoteBooking, RequestBooking
from tailtribe.domain.services.caregivers.manage_profile import ManageProfile
from tailtribe.domain.services.caregivers.payouts import StartPayoutOnboarding
from tailtribe.domain.services.caregivers.search import GetPublicProfile, SearchCaregivers
from tailtribe.domain.services.conversations.manage_conversations import ManageConversations
from tailtribe.domain.services.conversations.notify_unread import NotifyUnreadMessages
from tailtribe.domain.services.jobs.run_due import RunDueBookingJobs
from tailtribe.domain.services.notifications.manage_outbox import ManageOutbox
from tailtribe.domain.services.notifications.relay_outbox import RelayOutbox
from tailtribe.domain.services.notifications.send_email import Links, SendEmail
from tailtribe.domain.services.outbox import Outbox
from tailtribe.domain.services.payments.apply_payment_events import (
    ReceivePaymentEvent,
    RetryPaymentEvents,
)
from tailtribe.domain.services.payments.disputes import ManageDisputes
from tailtribe.domain.services.payments.ledger import ReadLedger, Reconcile
from tailtribe.domain.services.payments.payouts import PayOutDue
from tailtribe.domain.services.pets.manage_pets import ManagePets
from tailtribe.domain.services.photos.manage_photos import (
    PROCESS_PHOTO,
    DeletePet,
    ManagePhotos,
    ProcessPendingPhotos,
    ProcessPhoto,
)
from tailtribe.domain.services.platform.check_health import CheckHealth, CheckReadiness
from tailtribe.domain.services.platform.operations import ReadOperations
from tailtribe.domain.services.reactions import reactions
from tailtribe.domain.services.reviews.manage_reviews import ManageReviews
from tailtribe.domain.services.terms import MarketplaceTerms

# A hash of nothing, verified when a login names no account, to keep timing even.
TimingDummyHash = NewType("TimingDummyHash", str)


@dataclass(frozen=True, slots=True)
class RateLimitStores:
    """Litestar stores: shared through Redis when configured, in memory otherwise."""

    general: Store
    auth: Store


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
    def terms(self) -> MarketplaceTerms:
        return MarketplaceTerms(
            self._settings.commission, timedelta(hours=self._settings.dispute_window_hours)
        )

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
    def rate_limit_stores(self, redis: Redis | None) -> RateLimitStores:
        if redis is None:
            return RateLimitStores(MemoryStore(), MemoryStore())
        return RateLimitStores(
            RedisStore(redis, namespace="tailtribe:ratelimit"),
            RedisStore(redis, namespace="tailtribe:ratelimit-auth"),
        )

    @provide
    def send_throttle(self, redis: Redis | None, clock: Clock) -> SendThrottle:
        if redis is None:
            return MemoryLoginThrottle(clock, SENDS_PER_MINUTE, 60)
        return RedisLoginThrottle(redis, SENDS_PER_MINUTE, 60, name="message-sends")

    @provide
    def login_throttle(self, redis: Redis | None, clock: Clock) -> LoginThrottle:
        limit = self._settings.login_failures_per_account
        return (
            MemoryLoginThrottle(clock, limit) if redis is None else RedisLoginThrottle(redis, limit)
        )

    @provide
    def email_cap(self, redis: Redis | None, clock: Clock) -> EmailCap:
        if redis is None:
            return MemoryLoginThrottle(clock, EMAILS_PER_ADDRESS_PER_HOUR, 3600)
        return RedisLoginThrottle(redis, EMAILS_PER_ADDRESS_PER_HOUR, 3600, name="account-emails")

    @provide
    def device_tokens(self) -> DeviceTokens:
        return HmacDeviceTokens(self._settings.secret_key)

    @provide
    def password_hasher(self) -> PasswordHasher:
        return Argon2PasswordHasher()

    @provide
    async def timing_dummy(self, hasher: PasswordHasher) -> TimingDummyHash:
        return TimingDummyHash(await hasher.hash("no account has this password"))

    @provide
    def token_secrets(self) -> TokenSecrets:
        return HmacTokenSecrets(self._settings.secret_key)

    @provide
    def webhook_verifier(self) -> WebhookVerifier:
        return StripeWebhookVerifier(self._settings.webhook_secret)

    @provide
    def payment_event_decoder(self) -> PaymentEventDecoder:
        return StripeEventDecoder()

    @provide
    def outbox(self, ids: IdGenerator, clock: Clock, cache: Cache) -> Outbox:
        return Outbox(ids, clock, reactions(cache))

    @provide
    def token_issuer(self, secrets: TokenSecrets, outbox: Outbox, ids: IdGenerator) -> TokenIssuer:
        return TokenIssuer(secrets, outbox, ids)

    @provide
    async def payment_gateway(self) -> AsyncIterator[PaymentGateway]:
        settings = self._settings
        if not settings.stripe_secret_key:
            yield SimulatedPaymentGateway()
            return
        gateway = StripePaymentGateway(
            make_stripe_client(settings.stripe_secret_key, settings.stripe_api_base)
        )
        yield gateway
        await gateway.aclose()

    @provide
    def mailer(self) -> Mailer:
        settings = self._settings
        if settings.resend_api_key:
            return ResendMailer(
                settings.resend_api_key, settings.email_from, settings.resend_api_url
            )
        return FolderMailer(settings.email_dir, settings.email_from)

    @provide
    async def identity_provider(self, clock: Clock) -> AsyncIterator[IdentityProvider | None]:
        settings = self._settings
        if not (settings.google_client_id and settings.google_client_secret):
            yield None  # sign-in with Google answers 404
            return
        async with httpx.AsyncClient(timeout=10) as http:
            yield OidcIdentityProvider(
                settings.google_discovery_url,
                settings.google_client_id,
                settings.google_client_secret,
                clock,
                http,
            )

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
    def served_media(self, storage: ObjectStorage) -> ServedMedia | None:
        # The API serves only the embedded folder store's files; S3 serves its own.
        return storage if isinstance(storage, FolderStorage) else None

    @provide
    def image_processor(self) -> ImageProcessor:
        return PillowImageProcessor()

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

    @provide
    def email_renderer(self) -> EmailRenderer:
        return JinjaEmailRenderer()

    @provide
    def links(self) -> Links:
        return Links(self._settings.app_url)


class UseCaseProvider(Provider):
    """Per request or job: a fresh unit of work and the use cases around it."""

    scope = Scope.REQUEST

    @provide
    def unit_of_work(self, factory: async_sessionmaker[AsyncSession]) -> UnitOfWork:
        return SqlUnitOfWork(factory)

    @provide
    def check_health(self, checks: list[HealthCheck]) -> CheckHealth:
        return CheckHealth(checks)

    @provide
    def check_readiness(
        self, checks: list[HealthCheck], engine: AsyncEngine, clock: Clock
    ) -> CheckReadiness:
        return CheckReadiness([*checks, OutboxBacklogCheck(engine, clock)])

    register = provide(RegisterUser)
    verify_email = provide(VerifyEmail)
    request_reset = provide(RequestPasswordReset)
    confirm_reset = provide(ConfirmPasswordReset)
    create_admin = provide(CreateAdmin)
    manage_pets = provide(ManagePets)
    manage_profile = provide(ManageProfile)
    review_caregivers = provide(ReviewCaregivers)
    receive_payment_event = provide(ReceivePaymentEvent)
    retry_payment_events = provide(RetryPaymentEvents)
    pay_out_due = provide(PayOutDue)
    manage_disputes = provide(ManageDisputes)
    read_ledger = provide(ReadLedger)
    reconcile = provide(Reconcile)
    quote_booking = provide(QuoteBooking)
    request_booking = provide(RequestBooking)
    booking_lifecycle = provide(BookingLifecycle)
    manage_reviews = provide(ManageReviews)
    run_due_jobs = provide(RunDueBookingJobs)
    search_caregivers = provide(SearchCaregivers)
    relay_outbox = provide(RelayOutbox)
    send_email = provide(SendEmail)
    manage_outbox = provide(ManageOutbox)

    @provide
    def google_sign_in(
        self,
        provider: IdentityProvider | None,
        cache: Cache,
        uow: UnitOfWork,
        ids: IdGenerator,
        clock: Clock,
        links: Links,
    ) -> GoogleSignIn:
        return GoogleSignIn(provider, cache, uow, ids, clock, links.app_url)

    business_metrics = provide(BusinessMetrics)
    manage_photos = provide(ManagePhotos)
    delete_pet = provide(DeletePet)
    process_photo = provide(ProcessPhoto)
    pending_photos = provide(ProcessPendingPhotos)
    manage_conversations = provide(ManageConversations)
    read_operations = provide(ReadOperations)
    notify_unread = provide(NotifyUnreadMessages)

    @provide
    def get_user(self, factory: async_sessionmaker[AsyncSession]) -> GetUser:
        # Every authenticated request looks its user up: keep that read cheap.
        return GetUser(SqlUnitOfWork(factory, read_only=True))

    @provide
    def public_profile(self, factory: async_sessionmaker[AsyncSession]) -> GetPublicProfile:
        return GetPublicProfile(SqlUnitOfWork(factory, read_only=True))

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

    @provide
    async def search_store(
        self, factory: async_sessionmaker[AsyncSession]
    ) -> AsyncIterator[CaregiverSearchStore]:
        async with factory() as session:
            yield SqlCaregiverSearchStore(session)

    @provide
    def authenticate(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        throttle: LoginThrottle,
        dummy: TimingDummyHash,
        devices: DeviceTokens,
        clock: Clock,
    ) -> Authenticate:
        return Authenticate(uow, hasher, throttle, dummy, devices, clock)

    @provide
    def payout_onboarding(
        self, uow: UnitOfWork, gateway: PaymentGateway, settings: Settings
    ) -> StartPayoutOnboarding:
        return StartPayoutOnboarding(uow, gateway, settings.app_url)


def make_container(settings: Settings, *overrides: Provider) -> AsyncContainer:
    return make_async_container(
        InfrastructureProvider(settings), UseCaseProvider(), LitestarProvider(), *overrides
    )
