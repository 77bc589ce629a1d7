"""The marketplace's terms, bookings, their timed jobs and reviews."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

from dishka import Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailtribe.adapters.sqlalchemy.queries import SqlBookingQueries
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.config import Settings
from tailtribe.domain.ports.queries import BookingQueries
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.bookings.lifecycle import BookingLifecycle
from tailtribe.domain.services.bookings.list_bookings import ListBookings
from tailtribe.domain.services.bookings.request import QuoteBooking, RequestBooking
from tailtribe.domain.services.jobs.run_due import RunDueBookingJobs, RunDueMeetAndGreetJobs
from tailtribe.domain.services.meet_and_greets.manage import (
    MeetAndGreetLifecycle,
    RequestMeetAndGreet,
)
from tailtribe.domain.services.reviews.manage_reviews import ManageReviews
from tailtribe.domain.services.series.jobs import RunDueSeriesJobs
from tailtribe.domain.services.series.manage import ManageSeries
from tailtribe.domain.services.series.request import QuoteSeries, RequestSeries
from tailtribe.domain.services.terms import MarketplaceTerms


class BookingsProvider(Provider):
    scope = Scope.REQUEST

    @provide(scope=Scope.APP)
    def terms(self, settings: Settings) -> MarketplaceTerms:
        return MarketplaceTerms(settings.commission, timedelta(hours=settings.dispute_window_hours))

    @provide
    def quote_booking(
        self, factory: async_sessionmaker[AsyncSession], terms: MarketplaceTerms, clock: Clock
    ) -> QuoteBooking:
        # A quote only reads: no transaction, no lock.
        return QuoteBooking(SqlUnitOfWork(factory, read_only=True), terms, clock)

    @provide
    def quote_series(
        self, factory: async_sessionmaker[AsyncSession], terms: MarketplaceTerms, clock: Clock
    ) -> QuoteSeries:
        return QuoteSeries(SqlUnitOfWork(factory, read_only=True), terms, clock)

    request_series = provide(RequestSeries)
    manage_series = provide(ManageSeries)
    run_due_series_jobs = provide(RunDueSeriesJobs)
    request_booking = provide(RequestBooking)
    booking_lifecycle = provide(BookingLifecycle)
    list_bookings = provide(ListBookings)
    manage_reviews = provide(ManageReviews)
    run_due_jobs = provide(RunDueBookingJobs)
    request_meet_and_greet = provide(RequestMeetAndGreet)
    meet_and_greet_lifecycle = provide(MeetAndGreetLifecycle)
    run_due_meet_jobs = provide(RunDueMeetAndGreetJobs)

    @provide
    async def booking_queries(
        self, factory: async_sessionmaker[AsyncSession]
    ) -> AsyncIterator[BookingQueries]:
        async with factory() as session:
            yield SqlBookingQueries(session)
