"""Weekly availability, blocked periods, and capacity.

Availability is in Brussels wall-clock time. Capacity is counted apart:
- visits and house sitting take the caregiver away: at most one at a time,
  and house sitting excludes hosting pets at home as well;
- boarding and day care host pets at the caregiver's home: at any instant
  the pets hosted never exceed `max_pets`. A walk or drop-in may overlap
  hosting (the caregiver's own judgement, managed with blocked periods).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from tailtribe.domain.errors import FieldError, InvalidInput
from tailtribe.domain.model.pricing import UNIT_OF, Service, Unit
from tailtribe.domain.model.time import local, require_aware, utc

EXCLUSIVE = frozenset({Service.DOG_WALKING, Service.DROP_IN, Service.HOUSE_SITTING})
HOSTED = frozenset({Service.BOARDING, Service.DAY_CARE})
MAX_WINDOWS = 50
MAX_BLOCKED = 200


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    weekday: int  # 0 = Monday, as date.weekday()
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise InvalidInput("weekday is 0 (Monday) to 6", [FieldError("weekday", "0..6")])
        if self.end <= self.start:
            raise InvalidInput("a window ends after it starts", [FieldError("end", "before start")])

    def covers(self, day: date, start: time, end: time) -> bool:
        return day.weekday() == self.weekday and self.start <= start and end <= self.end


@dataclass(frozen=True, slots=True)
class BlockedPeriod:
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        # Stored in UTC so that comparisons are between instants, not wall clocks.
        object.__setattr__(self, "start", utc(require_aware(self.start, "start")))
        object.__setattr__(self, "end", utc(require_aware(self.end, "end")))
        if self.end <= self.start:
            raise InvalidInput(
                "a blocked period ends after it starts", [FieldError("end", "before start")]
            )

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


@dataclass(frozen=True, slots=True)
class Availability:
    weekly: tuple[WeeklyWindow, ...] = ()
    blocked: tuple[BlockedPeriod, ...] = ()

    def __post_init__(self) -> None:
        if len(self.weekly) > MAX_WINDOWS or len(self.blocked) > MAX_BLOCKED:
            raise InvalidInput(
                f"at most {MAX_WINDOWS} weekly windows and {MAX_BLOCKED} blocked periods"
            )
        by_day = sorted(self.weekly, key=lambda w: (w.weekday, w.start))
        for a, b in pairwise(by_day):
            # Overlapping windows would make "inside one window" ambiguous: merge them.
            if a.weekday == b.weekday and b.start < a.end:
                raise InvalidInput(
                    "weekly windows on the same day may not overlap",
                    [FieldError("weekly", f"overlap on weekday {a.weekday}")],
                )

    def _window_covers(self, day: date, start: time, end: time) -> bool:
        return any(w.covers(day, start, end) for w in self.weekly)

    def _window_on(self, day: date, at: time) -> bool:
        return any(w.weekday == day.weekday() and w.start <= at <= w.end for w in self.weekly)

    def allows(self, service: Service, start: datetime, end: datetime) -> bool:
        """Is [start, end) inside the published windows and clear of blocked periods?"""
        if any(b.overlaps(start, end) for b in self.blocked):
            return False
        ls, le = local(start), local(end)
        unit = UNIT_OF[service]
        if unit is Unit.VISIT:
            # A visit never crosses midnight in practice; if it does, no window covers it.
            return ls.date() == le.date() and self._window_covers(ls.date(), ls.time(), le.time())
        if unit is Unit.DAY:
            days = (le.date() - ls.date()).days + 1
            return all(
                self._window_covers(ls.date() + timedelta(days=i), ls.time(), le.time())
                for i in range(days)
            )
        # Nights: drop-off on the start day and pick-up on the end day.
        return self._window_on(ls.date(), ls.time()) and self._window_on(le.date(), le.time())


@dataclass(frozen=True, slots=True)
class Occupancy:
    """One booking's claim on a caregiver's calendar."""

    service: Service
    start: datetime
    end: datetime
    pets: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", utc(self.start))
        object.__setattr__(self, "end", utc(self.end))

    def overlaps(self, other: Occupancy) -> bool:
        return self.start < other.end and other.start < self.end


def _conflicts(a: Service, b: Service) -> bool:
    if a in EXCLUSIVE and b in EXCLUSIVE:
        return True
    return Service.HOUSE_SITTING in (a, b) and (a in HOSTED or b in HOSTED)


def conflicting(service: Service) -> frozenset[Service]:
    """The services whose overlapping bookings rule out a new `service` booking."""
    return frozenset(s for s in Service if _conflicts(service, s))


def window_needs(
    service: Service, start: datetime, end: datetime
) -> list[tuple[int, time, time]] | None:
    """What `Availability.allows` asks of the weekly windows, as (weekday, t1, t2):
    each needs a window that day with start <= t1 and t2 <= end. None when no
    window can do (a visit across midnight). Lets a store decide it in a query."""
    ls, le = local(start), local(end)
    unit = UNIT_OF[service]
    if unit is Unit.VISIT:
        if ls.date() != le.date():
            return None
        return [(ls.weekday(), ls.time(), le.time())]
    if unit is Unit.DAY:
        days = min((le.date() - ls.date()).days, 6) + 1
        return [
            ((ls.date() + timedelta(days=i)).weekday(), ls.time(), le.time()) for i in range(days)
        ]
    return [(ls.weekday(), ls.time(), ls.time()), (le.weekday(), le.time(), le.time())]


def peak_hosted_pets(claims: Iterable[Occupancy]) -> int:
    """The largest number of pets hosted at any one instant (half-open intervals)."""
    edges: list[tuple[datetime, int]] = []
    for c in claims:
        if c.service in HOSTED:
            edges.append((c.start, c.pets))
            edges.append((c.end, -c.pets))
    # At equal instants, departures (-) come before arrivals (+): [a, b) and [b, c) do not overlap.
    edges.sort(key=lambda e: (e[0], e[1]))
    peak = current = 0
    for _, delta in edges:
        current += delta
        peak = max(peak, current)
    return peak


def fits(new: Occupancy, existing: Iterable[Occupancy], max_pets: int) -> bool:
    """Can `new` join the caregiver's active bookings without exceeding capacity?"""
    overlapping = [c for c in existing if c.overlaps(new)]
    if any(_conflicts(new.service, c.service) for c in overlapping):
        return False
    if new.service in HOSTED:
        return peak_hosted_pets([*overlapping, new]) <= max_pets
    return True
