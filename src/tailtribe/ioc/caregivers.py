"""Caregiver profiles, their review by admins, search and payout onboarding."""

from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailtribe.adapters.security.second_factor import tax_details_box
from tailtribe.adapters.sqlalchemy.queries import SqlCaregiverQueries
from tailtribe.adapters.sqlalchemy.search_store import LazySqlCaregiverSearchStore
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.adapters.stdnum.tax_ids import StdnumTaxIdValidator
from tailtribe.config import Settings
from tailtribe.domain.ports.files import ObjectStorage
from tailtribe.domain.ports.payments import PaymentGateway
from tailtribe.domain.ports.queries import CaregiverQueries
from tailtribe.domain.ports.search import CaregiverSearchStore
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.tax_ids import TaxDetailsBox, TaxIdValidator
from tailtribe.domain.services.admin.review_caregivers import ReviewCaregivers
from tailtribe.domain.services.caregivers.favorites import (
    FavoriteFlags,
    ListFavorites,
    ManageFavorites,
)
from tailtribe.domain.services.caregivers.manage_profile import ManageProfile
from tailtribe.domain.services.caregivers.payouts import StartPayoutOnboarding
from tailtribe.domain.services.caregivers.search import GetPublicProfile, SearchCaregivers
from tailtribe.domain.services.caregivers.tax_details_access import (
    AdminReadTaxDetails,
    ManageTaxDetails,
    TaxDetailsRequests,
)
from tailtribe.domain.services.caregivers.tax_requests import SendTaxDetailsRequests
from tailtribe.domain.services.reviews.public_reviews import ListPublicReviews


class CaregiversProvider(Provider):
    scope = Scope.REQUEST

    manage_profile = provide(ManageProfile)
    review_caregivers = provide(ReviewCaregivers)
    search_caregivers = provide(SearchCaregivers)

    public_profile = provide(GetPublicProfile)
    public_reviews = provide(ListPublicReviews)

    @provide
    async def caregiver_queries(
        self, factory: async_sessionmaker[AsyncSession]
    ) -> AsyncIterator[CaregiverQueries]:
        async with factory() as session:
            yield SqlCaregiverQueries(session)

    @provide
    async def search_store(
        self, factory: async_sessionmaker[AsyncSession]
    ) -> AsyncIterator[CaregiverSearchStore]:
        store = LazySqlCaregiverSearchStore(factory)
        try:
            yield store
        finally:
            await store.close()

    @provide
    def payout_onboarding(
        self, uow: UnitOfWork, gateway: PaymentGateway, settings: Settings
    ) -> StartPayoutOnboarding:
        return StartPayoutOnboarding(uow, gateway, settings.app_url)

    manage_favorites = provide(ManageFavorites)

    manage_tax_details = provide(ManageTaxDetails)
    admin_read_tax_details = provide(AdminReadTaxDetails)
    send_tax_details_requests = provide(SendTaxDetailsRequests)
    tax_details_requests = provide(TaxDetailsRequests)

    @provide(scope=Scope.APP)
    def tax_id_validator(self) -> TaxIdValidator:
        return StdnumTaxIdValidator()

    @provide(scope=Scope.APP)
    def tax_box(self, settings: Settings) -> TaxDetailsBox:
        return tax_details_box(settings.secret_key)

    # Reads only: no transaction (see SqlUnitOfWork's read_only).
    @provide
    def list_favorites(
        self,
        factory: async_sessionmaker[AsyncSession],
        queries: CaregiverQueries,
        storage: ObjectStorage,
    ) -> ListFavorites:
        return ListFavorites(SqlUnitOfWork(factory, read_only=True), queries, storage)

    @provide
    def favorite_flags(self, factory: async_sessionmaker[AsyncSession]) -> FavoriteFlags:
        return FavoriteFlags(SqlUnitOfWork(factory, read_only=True))
