"""The same outbox and unit-of-work assertions against memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from tailtribe.domain.model.outbox import OutboxMessage, OutboxStatus
from tailtribe.domain.ports.storage import UnitOfWork

T0 = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)


def message(at: datetime, topic: str = "email.welcome", **payload: object) -> OutboxMessage:
    return OutboxMessage(
        id=uuid4(), topic=topic, payload=dict(payload), created_at=at, available_at=at
    )


async def test_committed_messages_are_due_in_order(make_uow: Callable[[], UnitOfWork]) -> None:
    late = message(T0 + timedelta(minutes=5), n=2)
    early = message(T0, n=1, text="Café «ü» 🐶")
    future = message(T0 + timedelta(hours=1), n=3)
    async with make_uow() as uow:
        for m in (late, future, early):
            await uow.outbox.add(m)
        await uow.commit()

    async with make_uow() as uow:
        due = await uow.outbox.due(T0 + timedelta(minutes=10), limit=10)
    assert [m.id for m in due] == [early.id, late.id]
    assert due[0].payload == {"n": 1, "text": "Café «ü» 🐶"}
    assert due[0].created_at == T0 and due[0].created_at.tzinfo is not None

    async with make_uow() as uow:
        assert [m.id for m in await uow.outbox.due(T0 + timedelta(days=1), limit=2)] == [
            early.id,
            late.id,
        ]


async def test_uncommitted_work_is_discarded(make_uow: Callable[[], UnitOfWork]) -> None:
    async with make_uow() as uow:
        await uow.outbox.add(message(T0))
    async with make_uow() as uow:
        await uow.outbox.add(message(T0))
        await uow.rollback()
        await uow.commit()
    async with make_uow() as uow:
        assert await uow.outbox.due(T0 + timedelta(days=1), limit=10) == []


async def test_saved_state_changes_what_is_due(make_uow: Callable[[], UnitOfWork]) -> None:
    sent, retried, failed = message(T0), message(T0), message(T0)
    async with make_uow() as uow:
        for m in (sent, retried, failed):
            await uow.outbox.add(m)
        await uow.commit()

    async with make_uow() as uow:
        for m in await uow.outbox.due(T0, limit=10):
            if m.id == sent.id:
                m.mark_sent(T0)
            elif m.id == retried.id:
                m.mark_attempt_failed(T0, "provider timeout")
            else:
                while m.status is OutboxStatus.PENDING:
                    m.mark_attempt_failed(T0, "refused")
            await uow.outbox.save(m)
        await uow.commit()

    async with make_uow() as uow:
        assert await uow.outbox.due(T0, limit=10) == []
        later = await uow.outbox.due(T0 + timedelta(minutes=1), limit=10)
    assert [(m.id, m.attempts, m.last_error) for m in later] == [
        (retried.id, 1, "provider timeout")
    ]
