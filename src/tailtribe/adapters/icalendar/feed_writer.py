"""A feed as an RFC 5545 document: the icalendar library writes the CRLF line
endings, the 75-octet line folding and the escaping; we choose the content."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone

from tailtribe.domain.model.calendar import CalendarEvent

TZID = "Europe/Brussels"
BRUSSELS = ZoneInfo(TZID)
PRODID = "-//TailTribe//Calendar feed//EN"


class IcalendarWriter:
    """Times in Brussels time with TZID=Europe/Brussels, and its VTIMEZONE
    covering the years of the events (whole years: both DST changes)."""

    def __init__(self, app_url: str) -> None:
        # UIDs end in the web app's host: unique to this platform, stable.
        self._host = urlsplit(app_url).hostname or "tailtribe"

    def write(self, name: str, events: Sequence[CalendarEvent], now: datetime) -> bytes:
        cal = Calendar()
        cal.add("prodid", PRODID)
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        cal.add("x-wr-calname", name)
        cal.add("x-wr-timezone", TZID)
        cal.add_component(self._timezone(events, now))
        stamp = now.astimezone(BRUSSELS)
        for e in events:
            cal.add_component(self._event(e, stamp))
        document: bytes = cal.to_ical()
        return document

    @staticmethod
    def _timezone(events: Sequence[CalendarEvent], now: datetime) -> Timezone:
        local = [now.astimezone(BRUSSELS)] + [
            t.astimezone(BRUSSELS) for e in events for t in (e.start, e.end)
        ]
        first = min(t.year for t in local) - 1
        last = max(t.year for t in local) + 1
        return Timezone.from_tzid(TZID, first_date=date(first, 1, 1), last_date=date(last, 12, 31))

    def _event(self, e: CalendarEvent, stamp: datetime) -> Event:
        event = Event()
        event.add("uid", f"{e.key}@{self._host}")
        # DTSTAMP must be UTC (RFC 5545 3.8.7.2): when this document was made.
        event.add("dtstamp", stamp.astimezone(UTC))
        event.add("dtstart", e.start.astimezone(BRUSSELS))
        event.add("dtend", e.end.astimezone(BRUSSELS))
        event.add("summary", e.summary)
        event.add("description", e.description)
        event.add("status", "CONFIRMED")
        event.add("url", e.url)
        if e.location:
            event.add("location", e.location)
        return event
