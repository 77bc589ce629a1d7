"""The outbox relay: domain events become one email row per recipient."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from tailtribe.domain.model.notifications import (
    EVENT_EMAILS,
    EVENT_TOPIC_PREFIX,
    EmailKind,
    Party,
    email_kind,
)
from tailtribe.domain.model.outbox import OutboxMessage
from tailtribe.domain.ports import Clock, IdGenerator, UnitOfWork

BATCH = 100


class RelayOutbox:
    """One pass over the due outbox rows; returns the email rows now due.

    - An event row is expanded into one `email.<kind>` row per recipient (its
      payload: the recipient's user id and the event's fields) and marked
      sent, in one transaction: a crash before the commit expands it again,
      never twice.
    - Email rows are only listed: the caller hands each to a `send_email` job,
      and since they stay pending until sent, the next pass lists any that a
      crash left behind.
    """

    def __init__(self, uow: UnitOfWork, ids: IdGenerator, clock: Clock) -> None:
        self._uow, self._ids, self._clock = uow, ids, clock

    async def __call__(self) -> Sequence[UUID]:
        now = self._clock.now()
        due: list[UUID] = []
        async with self._uow as uow:
            for message in await uow.outbox.due(now, BATCH):
                if email_kind(message.topic) is not None:
                    due.append(message.id)
                    continue
                for email in await self._expand(uow, message):
                    await uow.outbox.add(email)
                    due.append(email.id)
                message.mark_sent(now)
                await uow.outbox.save(message)
            await uow.commit()
        return due

    async def _expand(self, uow: UnitOfWork, message: OutboxMessage) -> list[OutboxMessage]:
        if not message.topic.startswith(EVENT_TOPIC_PREFIX):
            return []  # nothing to do for it: done
        emails = EVENT_EMAILS.get(message.topic.removeprefix(EVENT_TOPIC_PREFIX), ())
        if not emails:
            return []
        recipients = await self._recipients(uow, message.payload)
        now = self._clock.now()
        out = []
        for kind, party in emails:
            user_id = recipients.get(party)
            # An expired request the caregiver never saw (unpaid) is no news to them.
            expired_unseen = kind is EmailKind.BOOKING_EXPIRED and not message.payload.get(
                "authorized"
            )
            if user_id is None or (party is Party.CAREGIVER and expired_unseen):
                continue
            out.append(
                OutboxMessage(
                    id=self._ids.new_id(),
                    topic=kind.topic,
                    payload={**message.payload, "user_id": str(user_id), "party": party.value},
                    created_at=now,
                    available_at=now,
                )
            )
        return out

    @staticmethod
    async def _recipients(uow: UnitOfWork, payload: dict[str, object]) -> dict[Party, UUID]:
        """The owner's and the caregiver's user ids."""
        found: dict[Party, UUID] = {}
        if isinstance(booking_id := payload.get("booking_id"), str):
            booking = await uow.bookings.get(UUID(booking_id))
            if booking is None:
                return found
            found[Party.OWNER] = booking.owner_id
            caregiver_id = booking.caregiver_id
        elif isinstance(cid := payload.get("caregiver_id"), str):
            caregiver_id = UUID(cid)
        else:
            return found
        caregiver = await uow.caregivers.get(caregiver_id)
        if caregiver is not None:
            found[Party.CAREGIVER] = caregiver.user_id
        return found
