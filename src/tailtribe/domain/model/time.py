"""Brussels local time: the calendar that days, nights and cut-offs follow."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tailtribe.domain.errors import InvalidInput

BRUSSELS = ZoneInfo("Europe/Brussels")
# Far outside anything a booking or a holiday needs, and inside what every
# datetime conversion can represent.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def require_aware(value: datetime, name: str = "instant") -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"{name} must carry a timezone offset")
    return value


def utc(value: datetime) -> datetime:
    """The same instant in UTC.

    Python compares and subtracts two datetimes that share a tzinfo by their
    wall clocks, so Brussels-aware values would measure a DST night as 24
    hours; in UTC every difference is elapsed time.
    """
    try:
        instant = require_aware(value).astimezone(UTC)
    except OverflowError as exc:
        raise InvalidInput("that instant is out of range") from exc
    if not EARLIEST <= instant <= LATEST:
        raise InvalidInput("instants lie between the years 2000 and 2200")
    return instant


def local(value: datetime) -> datetime:
    return require_aware(value).astimezone(BRUSSELS)


def local_date(value: datetime) -> date:
    return local(value).date()


def at_local(day: date, clock_time: time) -> datetime:
    """The instant of a Brussels wall-clock time (DST gaps resolve forward)."""
    naive = datetime.combine(day, clock_time)
    aware = naive.replace(tzinfo=BRUSSELS)
    # A wall time inside the spring-forward gap does not exist: round-tripping
    # through UTC moves it to the first real instant after the gap.
    return aware.astimezone(UTC).astimezone(BRUSSELS)


def local_noon(day: date) -> datetime:
    """Noon in Brussels on `day`, as a UTC instant."""
    return at_local(day, time(12, 0)).astimezone(UTC)


def days_before(day: date, n: int) -> date:
    return day - timedelta(days=n)


def utc_offsets(start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """Brussels' offset from UTC, in seconds, from each instant on, over [start, end):
    the offset at `start`, then one entry per DST change. Lets a store bucket
    instants by Brussels day without a time zone database of its own."""
    start, end = utc(start), utc(end)

    def offset(at: datetime) -> int:
        delta = at.astimezone(BRUSSELS).utcoffset()
        return int(delta.total_seconds()) if delta else 0

    changes = [(start, offset(start))]
    day = start
    while day < end:
        following = min(day + timedelta(days=1), end)
        if offset(following) != offset(day):
            low, high = day, following  # the change lies in (low, high]: find the minute
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if offset(middle) == offset(low) else (low, middle)
            changes.append((high.replace(second=0, microsecond=0), offset(following)))
        day = following
    return changes
