"""The outbox relay: domain events become one email row per recipient."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from uuid import UUID

from tailtribe.domain.model.notifications import (
    EVENT_EMAILS,
    EVENT_TOPIC_PREFIX,
    SILENT_EVENTS,
    EmailKind,
    Party,
    email_kind,
)
from tailtribe.domain.model.outbox import OutboxMessage, OutboxStatus
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock, IdGenerator

logger = logging.getLogger(__name__)

TAX_REMINDERS = (EmailKind.TAX_DETAILS_REMINDER, EmailKind.TAX_DETAILS_LAST_REMINDER)

BATCH = 100
# An event this old when relayed (after an outage, say) is no news any more.
MAX_EVENT_AGE = timedelta(days=2)


class RelayOutbox:
    """One pass over the due outbox rows; returns the email rows now due.

    - Each event row is expanded, in a transaction of its own, into one
      `email.<kind>` row per recipient, and marked sent: a crash before the
      commit expands it again, never twice. One that cannot be expanded is
      retried with backoff and ends as a failed row admins see, without
      holding up the others.
    - An event or email this version does not know (a newer one wrote it,
      during a rolling deploy) is marked failed, for an admin to retry.
    - Email rows are only listed: the caller hands each to a `send_email` job,
      and since they stay pending until sent, the next pass lists any that a
      crash left behind.
    """

    def __init__(self, uow: UnitOfWork, ids: IdGenerator, clock: Clock) -> None:
        self._uow, self._ids, self._clock = uow, ids, clock

    async def __call__(self) -> Sequence[UUID]:
        async with self._uow as uow:
            due = list(await uow.outbox.due(self._clock.now(), BATCH))
        emails: list[UUID] = []
        for message in due:
            if email_kind(message.topic) is not None:
                emails.append(message.id)
                continue
            try:
                emails += await self._relay(message.id)
            except Exception as exc:  # this row only: the next ones still go
                logger.exception("relaying outbox message %s failed", message.id)
                await self._fail(message.id, f"{type(exc).__name__}: {exc}")
        return emails

    async def _relay(self, message_id: UUID) -> list[UUID]:
        now = self._clock.now()
        async with self._uow as uow:
            message = await uow.outbox.get(message_id)
            if message is None or message.status is not OutboxStatus.PENDING:
                return []
            name = message.topic.removeprefix(EVENT_TOPIC_PREFIX)
            emails: list[OutboxMessage] = []
            if not message.topic.startswith(EVENT_TOPIC_PREFIX) or not (
                name in EVENT_EMAILS or name in SILENT_EVENTS
            ):
                message.mark_undeliverable(now, f"unknown to this version: {message.topic}")
            elif now - message.created_at > MAX_EVENT_AGE:
                message.mark_sent(now)
                message.last_error = "too old to notify anyone"
            else:
                emails = await self._expand(uow, message)
                for email in emails:
                    await uow.outbox.add(email)
                message.mark_sent(now)
            await uow.outbox.save(message)
            await uow.commit()
            return [e.id for e in emails]

    async def _fail(self, message_id: UUID, error: str) -> None:
        async with self._uow as uow:
            message = await uow.outbox.get(message_id)
            if message is not None and message.status is OutboxStatus.PENDING:
                message.mark_attempt_failed(self._clock.now(), error)
                await uow.outbox.save(message)
                await uow.commit()

    async def _expand(self, uow: UnitOfWork, message: OutboxMessage) -> list[OutboxMessage]:
        emails = EVENT_EMAILS.get(message.topic.removeprefix(EVENT_TOPIC_PREFIX), ())
        if not emails:
            return []
        recipients = await self._recipients(uow, message.payload)
        now = self._clock.now()
        out = []
        for kind, party in emails:
            if party is Party.ADMINS:
                user_ids = list(await uow.users.admin_ids())
            else:
                user_ids = [] if (found := recipients.get(party)) is None else [found]
            # An expired request the caregiver never saw (unpaid) is no news to them.
            expired_unseen = kind is EmailKind.BOOKING_EXPIRED and not message.payload.get(
                "authorized"
            )
            if party is Party.CAREGIVER and expired_unseen:
                continue
            # A series that expired before its card was saved was never shown to the caregiver.
            # Nor one withdrawn before then. (`asked` is absent from no such event.)
            if (
                kind in (EmailKind.SERIES_EXPIRED, EmailKind.SERIES_CANCELLED)
                and party is Party.CAREGIVER
                and not message.payload.get("asked", True)
            ):
                continue
            # A tax details reminder: the first, or the last before withholding.
            if (kind is EmailKind.TAX_DETAILS_LAST_REMINDER) != (
                kind in TAX_REMINDERS and message.payload.get("reminder") == 2
            ):
                continue
            # A cancelled meet-and-greet or series: the party who cancelled knows.
            if (
                kind in (EmailKind.MEET_CANCELLED, EmailKind.SERIES_CANCELLED)
                and message.payload.get("by") == party.value
            ):
                continue
            out += [
                OutboxMessage(
                    id=self._ids.new_id(),
                    topic=kind.topic,
                    payload={**message.payload, "user_id": str(user_id), "party": party.value},
                    created_at=now,
                    available_at=now,
                )
                for user_id in user_ids
            ]
        return out

    @staticmethod
    async def _recipients(uow: UnitOfWork, payload: dict[str, object]) -> dict[Party, UUID]:
        """The owner's and the caregiver's user ids."""
        found: dict[Party, UUID] = {}
        if isinstance(meet_id := payload.get("meet_and_greet_id"), str):
            meeting = await uow.meet_and_greets.get(UUID(meet_id))
            if meeting is None:
                return found
            found[Party.OWNER] = meeting.owner_id
            caregiver_id = meeting.caregiver_id
        elif isinstance(booking_id := payload.get("booking_id"), str):
            booking = await uow.bookings.get(UUID(booking_id))
            if booking is None:
                return found
            found[Party.OWNER] = booking.owner_id
            caregiver_id = booking.caregiver_id
        elif isinstance(series_id := payload.get("series_id"), str):
            # A series' own event (an occurrence's names its booking, above).
            series = await uow.series.get(UUID(series_id))
            if series is None:
                return found
            found[Party.OWNER] = series.owner_id
            caregiver_id = series.caregiver_id
        elif isinstance(cid := payload.get("caregiver_id"), str):
            caregiver_id = UUID(cid)
        else:
            return found
        caregiver = await uow.caregivers.get(caregiver_id)
        if caregiver is not None:
            found[Party.CAREGIVER] = caregiver.user_id
        return found
