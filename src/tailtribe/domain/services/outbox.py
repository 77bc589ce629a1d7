"""Turning what happened into outbox rows, inside the use case's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from tailtribe.domain.model.aggregate import Aggregate
from tailtribe.domain.model.events import DomainEvent, MoneyMoved
from tailtribe.domain.model.ledger import LedgerEntry, Movement
from tailtribe.domain.model.notifications import EVENT_TOPIC_PREFIX, EmailKind
from tailtribe.domain.model.outbox import OutboxMessage
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock, IdGenerator
from tailtribe.domain.services.dispatch import EventDispatcher

EMAIL_VERIFY = EmailKind.VERIFY_EMAIL.topic
EMAIL_PASSWORD_RESET = EmailKind.PASSWORD_RESET.topic
EMAIL_ACCOUNT_EXISTS = EmailKind.ACCOUNT_EXISTS.topic
EMAIL_NEW_SIGN_IN = EmailKind.NEW_SIGN_IN.topic


class Outbox:
    """Writes messages through the unit of work; nothing leaves before commit."""

    def __init__(
        self, ids: IdGenerator, clock: Clock, dispatcher: EventDispatcher | None = None
    ) -> None:
        self._ids = ids
        self._clock = clock
        self._dispatcher = EventDispatcher() if dispatcher is None else dispatcher

    async def add(self, uow: UnitOfWork, topic: str, **payload: Any) -> UUID:
        now = self._clock.now()
        message = OutboxMessage(
            id=self._ids.new_id(), topic=topic, payload=payload, created_at=now, available_at=now
        )
        await uow.outbox.add(message)
        return message.id

    async def commit(self, uow: UnitOfWork, aggregates: Iterable[Aggregate]) -> None:
        """Publish, commit, then run the after-commit reactions: the way to
        commit a change that other features react to after commit."""
        events = await self.publish(uow, aggregates)
        await uow.commit()
        await self._dispatcher.dispatch_committed(events)

    async def publish(self, uow: UnitOfWork, aggregates: Iterable[Aggregate]) -> list[DomainEvent]:
        """Every event the aggregates recorded first reaches the in-transaction
        reactions, then becomes a row named after it; money movements become
        ledger entries instead, in the same transaction. Returns the events,
        for the after-commit reactions (see `commit`).

        A row is stamped with our clock at recording, not with the event's
        time: that can be the provider's (a payment event's occurred_at), hours or days
        behind ours, and the relay judges a row's age by its stamp. The
        event's own time stays in the payload, for ordering."""
        now = self._clock.now()
        published: list[DomainEvent] = []
        for aggregate in aggregates:
            events = aggregate.pull_events()
            published.extend(events)
            await self._dispatcher.dispatch(uow, events)
            moved = [e for e in events if isinstance(e, MoneyMoved)]
            if moved:
                await uow.ledger.add(
                    [
                        LedgerEntry(
                            id=self._ids.new_id(),
                            booking_id=e.booking_id,
                            movement=Movement(e.movement),
                            amount_cents=e.amount_cents,
                            occurred_at=e.occurred_at,
                            reference=e.reference,
                        )
                        for e in moved
                    ]
                )
            for event in events:
                if isinstance(event, MoneyMoved):
                    continue
                await uow.outbox.add(
                    OutboxMessage(
                        id=self._ids.new_id(),
                        topic=EVENT_TOPIC_PREFIX + event.name,
                        payload=event.payload(),
                        created_at=now,
                        available_at=now,
                    )
                )
        return published
