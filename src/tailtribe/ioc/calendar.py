"""Private calendar feeds: their sources of events and the iCalendar writer."""

from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailtribe.adapters.icalendar.feed_writer import IcalendarWriter
from tailtribe.adapters.sqlalchemy.calendar_store import SqlCalendarQueries
from tailtribe.config import Settings
from tailtribe.domain.ports.calendar import CalendarQueries, CalendarWriter
from tailtribe.domain.services.calendar.feeds import (
    BookingEvents,
    CalendarSources,
    FeedLinks,
    ManageCalendarFeed,
    MeetingEvents,
    ReadCalendarFeed,
)


class CalendarProvider(Provider):
    scope = Scope.REQUEST

    @provide(scope=Scope.APP)
    def feed_links(self, settings: Settings) -> FeedLinks:
        return FeedLinks(settings.app_url)

    @provide(scope=Scope.APP)
    def calendar_writer(self, settings: Settings) -> CalendarWriter:
        return IcalendarWriter(settings.app_url)

    @provide
    async def calendar_queries(
        self, factory: async_sessionmaker[AsyncSession]
    ) -> AsyncIterator[CalendarQueries]:
        async with factory() as session:
            yield SqlCalendarQueries(session)

    @provide
    def calendar_sources(self, queries: CalendarQueries, links: FeedLinks) -> CalendarSources:
        # Each source adds its kind of appointment to every feed.
        return CalendarSources((BookingEvents(queries, links), MeetingEvents(queries, links)))

    manage_calendar_feed = provide(ManageCalendarFeed)
    read_calendar_feed = provide(ReadCalendarFeed)
