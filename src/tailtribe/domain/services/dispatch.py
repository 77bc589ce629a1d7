"""In-process dispatch of the domain events aggregates record.

One feature reacts to another's change through the event, never by calling
into the other feature's package. A reaction runs in one of two phases:

- in the transaction: before the commit, through the same unit of work, so
  its writes commit or roll back with the change (its failure fails the use
  case). For reactions that must be atomic with the change.
- after commit: once the change is stored; a failure is logged and the change
  stands. For reactions that may lag or be lost without harm (caches).

The wiring of which feature reacts to what is in `reactions.py`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from tailtribe.domain.model.events import DomainEvent
from tailtribe.domain.ports.storage import UnitOfWork

logger = logging.getLogger(__name__)

E = TypeVar("E", bound=DomainEvent)
InTransaction = Callable[[UnitOfWork, E], Awaitable[None]]
AfterCommit = Callable[[E], Awaitable[None]]


class EventDispatcher:
    """Handlers by event type; an event reaches the handlers of its type and
    of its base types, in the order they were registered."""

    def __init__(self) -> None:
        self._in_transaction: list[tuple[type[DomainEvent], InTransaction[Any]]] = []
        self._after_commit: list[tuple[type[DomainEvent], AfterCommit[Any]]] = []

    def in_transaction(self, event_type: type[E], handler: InTransaction[E]) -> None:
        self._in_transaction.append((event_type, handler))

    def after_commit(self, event_type: type[E], handler: AfterCommit[E]) -> None:
        self._after_commit.append((event_type, handler))

    async def dispatch(self, uow: UnitOfWork, events: Iterable[DomainEvent]) -> None:
        """Run the in-transaction reactions; an error propagates and the use
        case's transaction rolls back."""
        for event in events:
            for event_type, handler in self._in_transaction:
                if isinstance(event, event_type):
                    await handler(uow, event)

    async def dispatch_committed(self, events: Iterable[DomainEvent]) -> None:
        """Run the after-commit reactions; the change is stored already, so a
        failing reaction is logged, never raised to the caller."""
        for event in events:
            for event_type, handler in self._after_commit:
                if isinstance(event, event_type):
                    try:
                        await handler(event)
                    except Exception:
                        logger.exception("reaction to %s failed after commit", event.name)
