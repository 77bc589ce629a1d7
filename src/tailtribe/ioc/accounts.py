"""Sign-up, sign-in, password resets and the secrets behind them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import NewType

import httpx
from dishka import Provider, Scope, provide
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailtribe.adapters.memory.login_throttle import MemoryLoginThrottle
from tailtribe.adapters.oidc.identity_provider import OidcIdentityProvider
from tailtribe.adapters.redis.login_throttle import RedisLoginThrottle
from tailtribe.adapters.security.device_tokens import HmacDeviceTokens
from tailtribe.adapters.security.passwords import Argon2PasswordHasher
from tailtribe.adapters.security.token_secrets import HmacTokenSecrets
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.config import Settings
from tailtribe.domain.ports.identity import (
    DeviceTokens,
    IdentityProvider,
    PasswordHasher,
    TokenSecrets,
)
from tailtribe.domain.ports.limits import EMAILS_PER_ADDRESS_PER_HOUR, EmailCap, LoginThrottle
from tailtribe.domain.ports.storage import Cache, UnitOfWork
from tailtribe.domain.ports.time import Clock, IdGenerator
from tailtribe.domain.services.accounts.authenticate import Authenticate
from tailtribe.domain.services.accounts.create_admin import CreateAdmin
from tailtribe.domain.services.accounts.get_user import GetUser, RecentUsers
from tailtribe.domain.services.accounts.google_sign_in import GoogleSignIn
from tailtribe.domain.services.accounts.password_reset import (
    ConfirmPasswordReset,
    RequestPasswordReset,
)
from tailtribe.domain.services.accounts.register import RegisterUser
from tailtribe.domain.services.accounts.security_log import (
    ListSecurityEvents,
    SecurityLog,
)
from tailtribe.domain.services.accounts.token_issuer import TokenIssuer
from tailtribe.domain.services.accounts.verify_email import VerifyEmail
from tailtribe.domain.services.notifications.send_email import Links
from tailtribe.domain.services.outbox import Outbox

# A hash of nothing, verified when a login names no account, to keep timing even.
TimingDummyHash = NewType("TimingDummyHash", str)


class AccountsProvider(Provider):
    scope = Scope.REQUEST

    @provide(scope=Scope.APP)
    def login_throttle(
        self, settings: Settings, redis: Redis | None, clock: Clock
    ) -> LoginThrottle:
        limit = settings.login_failures_per_account
        return (
            MemoryLoginThrottle(clock, limit) if redis is None else RedisLoginThrottle(redis, limit)
        )

    @provide(scope=Scope.APP)
    def email_cap(self, redis: Redis | None, clock: Clock) -> EmailCap:
        if redis is None:
            return MemoryLoginThrottle(clock, EMAILS_PER_ADDRESS_PER_HOUR, 3600)
        return RedisLoginThrottle(redis, EMAILS_PER_ADDRESS_PER_HOUR, 3600, name="account-emails")

    @provide(scope=Scope.APP)
    def device_tokens(self, settings: Settings) -> DeviceTokens:
        return HmacDeviceTokens(settings.secret_key)

    @provide(scope=Scope.APP)
    def password_hasher(self) -> PasswordHasher:
        return Argon2PasswordHasher()

    @provide(scope=Scope.APP)
    async def timing_dummy(self, hasher: PasswordHasher) -> TimingDummyHash:
        return TimingDummyHash(await hasher.hash("no account has this password"))

    @provide(scope=Scope.APP)
    def token_secrets(self, settings: Settings) -> TokenSecrets:
        return HmacTokenSecrets(settings.secret_key)

    @provide(scope=Scope.APP)
    def token_issuer(self, secrets: TokenSecrets, outbox: Outbox, ids: IdGenerator) -> TokenIssuer:
        return TokenIssuer(secrets, outbox, ids)

    @provide(scope=Scope.APP)
    async def identity_provider(
        self, settings: Settings, clock: Clock
    ) -> AsyncIterator[IdentityProvider | None]:
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

    register = provide(RegisterUser)
    verify_email = provide(VerifyEmail)
    request_reset = provide(RequestPasswordReset)
    confirm_reset = provide(ConfirmPasswordReset)
    create_admin = provide(CreateAdmin)

    @provide
    def google_sign_in(
        self,
        provider: IdentityProvider | None,
        cache: Cache,
        uow: UnitOfWork,
        ids: IdGenerator,
        clock: Clock,
        links: Links,
        security: SecurityLog,
    ) -> GoogleSignIn:
        return GoogleSignIn(provider, cache, uow, ids, clock, links.app_url, security)

    @provide(scope=Scope.APP)
    def recent_users(self, settings: Settings, clock: Clock) -> RecentUsers:
        return RecentUsers(clock, timedelta(seconds=settings.user_cache_seconds))

    @provide
    def get_user(self, factory: async_sessionmaker[AsyncSession]) -> GetUser:
        # Every authenticated request looks its user up: keep that read cheap.
        return GetUser(SqlUnitOfWork(factory, read_only=True))

    @provide
    def authenticate(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        throttle: LoginThrottle,
        dummy: TimingDummyHash,
        devices: DeviceTokens,
        clock: Clock,
        security: SecurityLog,
    ) -> Authenticate:
        return Authenticate(uow, hasher, throttle, dummy, devices, clock, security)

    @provide(scope=Scope.APP)
    def security_log(self, outbox: Outbox, ids: IdGenerator, clock: Clock) -> SecurityLog:
        return SecurityLog(outbox, ids, clock)

    list_security_events = provide(ListSecurityEvents)
