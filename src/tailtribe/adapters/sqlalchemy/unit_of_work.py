"""One SQL transaction per use case: repositories share its session."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from tailtribe.adapters.sqlalchemy.audit_repository import SqlAuditRepository
from tailtribe.adapters.sqlalchemy.booking_repository import SqlBookingRepository
from tailtribe.adapters.sqlalchemy.calendar_store import SqlCalendarFeedRepository
from tailtribe.adapters.sqlalchemy.caregiver_repository import SqlCaregiverRepository
from tailtribe.adapters.sqlalchemy.conversation_repository import SqlConversationRepository
from tailtribe.adapters.sqlalchemy.dac7_copy_repository import SqlDac7CopyRepository
from tailtribe.adapters.sqlalchemy.document_repository import SqlDocumentRepository
from tailtribe.adapters.sqlalchemy.export_repository import SqlDataExportRepository
from tailtribe.adapters.sqlalchemy.favorite_repository import SqlFavoriteRepository
from tailtribe.adapters.sqlalchemy.ledger_repository import SqlLedgerRepository
from tailtribe.adapters.sqlalchemy.meet_and_greet_repository import SqlMeetAndGreetRepository
from tailtribe.adapters.sqlalchemy.outbox_repository import SqlOutboxRepository
from tailtribe.adapters.sqlalchemy.pet_repository import SqlPetRepository
from tailtribe.adapters.sqlalchemy.photo_repository import SqlPhotoRepository
from tailtribe.adapters.sqlalchemy.privacy_store import SqlPrivacyStore
from tailtribe.adapters.sqlalchemy.retention_repository import SqlRetentionRepository
from tailtribe.adapters.sqlalchemy.review_repository import SqlReviewRepository
from tailtribe.adapters.sqlalchemy.second_factor_repository import SqlSecondFactorRepository
from tailtribe.adapters.sqlalchemy.security_event_repository import SqlSecurityEventRepository
from tailtribe.adapters.sqlalchemy.series_repository import SqlSeriesRepository
from tailtribe.adapters.sqlalchemy.tax_details_repository import SqlTaxDetailsRepository
from tailtribe.adapters.sqlalchemy.tax_request_repository import SqlTaxRequestRepository
from tailtribe.adapters.sqlalchemy.user_repository import SqlTokenRepository, SqlUserRepository
from tailtribe.adapters.sqlalchemy.webhook_event_repository import SqlWebhookEventRepository
from tailtribe.domain.errors import Conflict


class SqlUnitOfWork:
    """`read_only` is for use cases that only read (a lookup per request, a
    public page): on PostgreSQL their statements run without BEGIN and
    ROLLBACK, two round trips fewer. SQLite keeps its transactions, whose
    BEGIN costs no round trip there."""

    # Any maker of sessions: an async_sessionmaker, or advanced_alchemy's
    # create_session_maker(), which is typed as a plain callable.
    def __init__(
        self, session_factory: Callable[[], AsyncSession], *, read_only: bool = False
    ) -> None:
        self._factory = session_factory
        self._read_only = read_only
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside `async with`")
        return self._session

    async def __aenter__(self) -> Self:
        session = self._session = self._factory()
        if self._read_only and session.bind.dialect.name == "postgresql":
            await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        self.outbox = SqlOutboxRepository(session)
        self.users = SqlUserRepository(session)
        self.tokens = SqlTokenRepository(session)
        self.pets = SqlPetRepository(session)
        self.caregivers = SqlCaregiverRepository(session)
        self.webhook_events = SqlWebhookEventRepository(session)
        self.bookings = SqlBookingRepository(session)
        self.reviews = SqlReviewRepository(session)
        self.photos = SqlPhotoRepository(session)
        self.conversations = SqlConversationRepository(session)
        self.ledger = SqlLedgerRepository(session)
        self.retention = SqlRetentionRepository(session)
        self.security_events = SqlSecurityEventRepository(session)
        self.exports = SqlDataExportRepository(session)
        self.audit = SqlAuditRepository(session)
        self.privacy = SqlPrivacyStore(session)
        self.favorites = SqlFavoriteRepository(session)
        self.calendar_feeds = SqlCalendarFeedRepository(session)
        self.meet_and_greets = SqlMeetAndGreetRepository(session)
        self.series = SqlSeriesRepository(session)
        self.second_factors = SqlSecondFactorRepository(session)
        self.tax_details = SqlTaxDetailsRepository(session)
        self.tax_requests = SqlTaxRequestRepository(session)
        self.dac7_copies = SqlDac7CopyRepository(session)
        self.documents = SqlDocumentRepository(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self.session, None
        try:
            await session.rollback()  # no-op after a commit; discards anything else
        finally:
            await session.close()

    async def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work does not commit")
        try:
            await self.session.commit()
        except StaleDataError as exc:
            raise Conflict("this was changed by another request; try again") from exc

    async def rollback(self) -> None:
        await self.session.rollback()
