"""The small base every aggregate shares: a list of events not yet written."""

from __future__ import annotations

from tailtribe.domain.model.events import DomainEvent


class Aggregate:
    def __init__(self) -> None:
        self._events: list[DomainEvent] = []

    def record(self, event: DomainEvent) -> None:
        self._events.append(event)

    def pull_events(self) -> list[DomainEvent]:
        """Hand the recorded events to the unit of work, exactly once."""
        events, self._events = self._events, []
        return events
