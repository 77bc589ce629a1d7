from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tailtribe.adapters.memory.cache import MemoryCache
from tailtribe.adapters.memory.login_throttle import MemoryLoginThrottle
from tailtribe.adapters.security.device_tokens import HmacDeviceTokens
from tailtribe.adapters.security.passwords import Argon2PasswordHasher
from tailtribe.adapters.security.token_secrets import HmacTokenSecrets
from tailtribe.adapters.simulated.payment_gateway import SimulatedPaymentGateway
from tailtribe.adapters.system.ids import Uuid7Generator
from tailtribe.domain.ports.limits import EMAILS_PER_ADDRESS_PER_HOUR
from tailtribe.domain.services.accounts.security_log import SecurityLog
from tailtribe.domain.services.accounts.token_issuer import TokenIssuer
from tailtribe.domain.services.audit import AuditTrail
from tailtribe.domain.services.outbox import Outbox
from tailtribe.domain.services.reactions import reactions
from tests.fakes.clock import FixedClock
from tests.fakes.unit_of_work import MemoryUnitOfWork


class World:
    """Use cases' ports, all in memory."""

    def __init__(self) -> None:
        self.uow = MemoryUnitOfWork()
        self.clock = FixedClock(datetime(2026, 3, 28, 22, 0, tzinfo=UTC))
        self.ids = Uuid7Generator()
        self.hasher = Argon2PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        self.secrets = HmacTokenSecrets("test-key")
        self.cache = MemoryCache(self.clock)
        self.outbox = Outbox(self.ids, self.clock, reactions(self.cache))
        self.tokens = TokenIssuer(self.secrets, self.outbox, self.ids)
        self.gateway = SimulatedPaymentGateway()
        self.throttle = MemoryLoginThrottle(self.clock, limit=3)
        self.email_cap = MemoryLoginThrottle(self.clock, EMAILS_PER_ADDRESS_PER_HOUR, 3600)
        self.devices = HmacDeviceTokens("test-key")
        self.security = SecurityLog(self.outbox, self.ids, self.clock)
        self.audit = AuditTrail(self.uow, self.ids, self.clock)


@pytest.fixture
def world() -> World:
    return World()
