"""The operational counts, a handful of aggregates on indexed columns."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy.tables import BookingRow, OutboxRow, UserRow, WebhookEventRow
from tailtribe.domain.model.booking_payout import PayoutStatus
from tailtribe.domain.model.notifications import EMAIL_TOPIC_PREFIX
from tailtribe.domain.model.outbox import OutboxStatus
from tailtribe.domain.ports.monitoring import (
    PAYMENT_AUTHORIZED_TOPICS,
    PAYMENT_FAILED_TOPICS,
    OperationsSnapshot,
)


def due_backlog(now: datetime) -> Select[tuple[int, datetime]]:
    """How many outbox rows are due and not sent, and since when the oldest (None if none)."""
    return select(func.count(), func.min(OutboxRow.available_at)).where(
        OutboxRow.status == OutboxStatus.PENDING.value, OutboxRow.available_at <= now
    )


class SqlOperationsStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def snapshot(self, now: datetime) -> OperationsSnapshot:
        s = self._session
        users = await s.scalar(select(func.count()).select_from(UserRow)) or 0
        by_status = dict(
            (await s.execute(select(BookingRow.status, func.count()).group_by(BookingRow.status)))
            .tuples()
            .all()
        )
        payouts, paid_cents = (
            await s.execute(
                select(func.count(), func.coalesce(func.sum(BookingRow.paid_out_cents), 0)).where(
                    BookingRow.payout_status == PayoutStatus.PAID.value
                )
            )
        ).one()
        held = await s.scalar(
            select(func.count())
            .select_from(BookingRow)
            .where(BookingRow.payout_status == PayoutStatus.HELD.value)
        )
        withheld = await s.scalar(
            select(func.count())
            .select_from(BookingRow)
            .where(BookingRow.payout_status == PayoutStatus.WITHHELD.value)
        )
        # The worker retries a failed event after a minute: five means it keeps failing.
        unprocessed = await s.scalar(
            select(func.count())
            .select_from(WebhookEventRow)
            .where(
                WebhookEventRow.processed_at.is_(None),
                WebhookEventRow.received_at < now - timedelta(minutes=5),
            )
        )
        events = dict(
            (
                await s.execute(
                    select(OutboxRow.topic, func.count())
                    .where(OutboxRow.topic.in_(PAYMENT_AUTHORIZED_TOPICS + PAYMENT_FAILED_TOPICS))
                    .group_by(OutboxRow.topic)
                )
            )
            .tuples()
            .all()
        )
        emails = dict(
            (
                await s.execute(
                    select(OutboxRow.status, func.count())
                    .where(
                        OutboxRow.topic.startswith(EMAIL_TOPIC_PREFIX),
                        OutboxRow.status.in_([OutboxStatus.SENT.value, OutboxStatus.FAILED.value]),
                    )
                    .group_by(OutboxRow.status)
                )
            )
            .tuples()
            .all()
        )
        backlog, oldest = (await s.execute(due_backlog(now))).one()
        connections = max_connections = None
        if s.bind.dialect.name == "postgresql":
            connections, max_connections = (
                await s.execute(
                    text(
                        "SELECT count(*), current_setting('max_connections')::int "
                        "FROM pg_stat_activity WHERE datname = current_database()"
                    )
                )
            ).one()
        return OperationsSnapshot(
            users=users,
            bookings_by_status={str(k): int(v) for k, v in by_status.items()},
            payments_authorized=sum(events.get(t, 0) for t in PAYMENT_AUTHORIZED_TOPICS),
            payments_failed=sum(events.get(t, 0) for t in PAYMENT_FAILED_TOPICS),
            payouts_paid=int(payouts),
            payouts_paid_cents=int(paid_cents),
            payouts_held=held or 0,
            payouts_withheld=withheld or 0,
            webhooks_unprocessed=unprocessed or 0,
            emails_sent=emails.get(OutboxStatus.SENT.value, 0),
            emails_failed=emails.get(OutboxStatus.FAILED.value, 0),
            outbox_backlog=int(backlog),
            outbox_oldest_due_seconds=0.0 if oldest is None else (now - oldest).total_seconds(),
            db_connections=connections,
            db_max_connections=max_connections,
        )
