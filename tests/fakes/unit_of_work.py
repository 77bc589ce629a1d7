from __future__ import annotations

import copy
from types import TracebackType
from typing import Any, Self
from uuid import UUID

from tailtribe.domain.model.audit import AuditEntry
from tailtribe.domain.model.outbox import OutboxMessage
from tests.fakes.audit_repository import MemoryAuditRepository
from tests.fakes.calendar import MemoryCalendarFeedRepository
from tests.fakes.outbox_repository import MemoryOutboxRepository
from tests.fakes.privacy import MemoryPrivacyStore
from tests.fakes.repositories import (
    MemoryBookingRepository,
    MemoryCaregiverRepository,
    MemoryConversationRepository,
    MemoryDac7CopyRepository,
    MemoryDataExportRepository,
    MemoryDocumentRepository,
    MemoryFavoriteRepository,
    MemoryLedgerRepository,
    MemoryMeetAndGreetRepository,
    MemoryPetRepository,
    MemoryPhotoRepository,
    MemoryReviewRepository,
    MemorySecondFactorRepository,
    MemorySecurityEventRepository,
    MemorySeriesRepository,
    MemoryStore,
    MemoryTaxDetailsRepository,
    MemoryTaxRequestRepository,
    MemoryTokenRepository,
    MemoryUserRepository,
    MemoryWebhookEventRepository,
)


class NoRetention:
    """Retention's deletes are SQL statements, tested on SQLite and PostgreSQL
    (tests/adapters/test_retention.py); here they would test a copy of them."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy, pickle and friends look for these
            raise AttributeError(name)
        raise NotImplementedError(f"retention.{name}: use a SQL unit of work")


class MemoryUnitOfWork:
    """Works on a private copy of the store and publishes it on commit."""

    def __init__(self) -> None:
        self.store = MemoryStore()
        self.outbox_rows: dict[UUID, OutboxMessage] = {}
        self.commits = 0
        self.audit_rows: list[AuditEntry] = []

    async def __aenter__(self) -> Self:
        self._begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.rollback()

    def _begin(self) -> None:
        self._work = copy.deepcopy(self.store)
        self.outbox = MemoryOutboxRepository(copy.deepcopy(self.outbox_rows))
        self.users = MemoryUserRepository(self._work)
        self.tokens = MemoryTokenRepository(self._work)
        self.pets = MemoryPetRepository(self._work)
        self.caregivers = MemoryCaregiverRepository(self._work)
        self.webhook_events = MemoryWebhookEventRepository(self._work)
        self.bookings = MemoryBookingRepository(self._work)
        self.reviews = MemoryReviewRepository(self._work)
        self.photos = MemoryPhotoRepository(self._work)
        self.conversations = MemoryConversationRepository(self._work)
        self.ledger = MemoryLedgerRepository(self._work)
        self.retention = NoRetention()
        self.security_events = MemorySecurityEventRepository(self._work)
        self.exports = MemoryDataExportRepository(self._work)
        self.audit = MemoryAuditRepository(list(self.audit_rows))
        self.privacy = MemoryPrivacyStore(self._work, self.outbox)
        self.favorites = MemoryFavoriteRepository(self._work)
        self.calendar_feeds = MemoryCalendarFeedRepository(self._work)
        self.meet_and_greets = MemoryMeetAndGreetRepository(self._work)
        self.series = MemorySeriesRepository(self._work)
        self.second_factors = MemorySecondFactorRepository(self._work)
        self.tax_details = MemoryTaxDetailsRepository(self._work)
        self.tax_requests = MemoryTaxRequestRepository(self._work)
        self.dac7_copies = MemoryDac7CopyRepository(self._work)
        self.documents = MemoryDocumentRepository(self._work)

    async def commit(self) -> None:
        self.store = copy.deepcopy(self._work)
        self.outbox_rows = copy.deepcopy(self.outbox.rows)
        self.commits += 1
        self.audit_rows = list(self.audit.rows)

    async def rollback(self) -> None:
        self._begin()
