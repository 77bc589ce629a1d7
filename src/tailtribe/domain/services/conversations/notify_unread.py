"""The scheduled job behind the unread-message email."""

from __future__ import annotations

from uuid import UUID

from tailtribe.domain.model.conversations import UNREAD_EMAIL_DELAY, UNREAD_EMAIL_INTERVAL
from tailtribe.domain.model.notifications import EmailKind, Party
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.outbox import Outbox

BATCH = 100


class NotifyUnreadMessages:
    """Email a party whose messages have stayed unread for 15 minutes, at most
    once per conversation and hour, and only about messages they have not
    been emailed about yet.

    Each email row is written in the same transaction that records it on the
    conversation, so a crash sends it once or not yet, never twice; the
    candidate is checked again under the conversation's lock.
    """

    def __init__(self, uow: UnitOfWork, outbox: Outbox, clock: Clock) -> None:
        self._uow, self._outbox, self._clock = uow, outbox, clock

    async def __call__(self) -> int:
        now = self._clock.now()
        async with self._uow as uow:
            candidates = await uow.conversations.unread_candidates(
                now - UNREAD_EMAIL_DELAY, now - UNREAD_EMAIL_INTERVAL, BATCH
            )
        sent = 0
        for candidate in candidates:
            sent += await self._notify(candidate.conversation_id, candidate.party)
        return sent

    async def _notify(self, conversation_id: UUID, party: Party) -> bool:
        now = self._clock.now()
        async with self._uow as uow:
            conversation = await uow.conversations.get(conversation_id)
            if conversation is None:
                return False
            first = conversation.first_unnotified_seq(party)
            if first is None:
                return False
            [oldest] = await uow.conversations.messages(conversation.id, first + 1, 1)
            if not conversation.unread_email_due(party, oldest.created_at, now):
                return False
            await self._outbox.add(
                uow,
                EmailKind.MESSAGE_UNREAD.topic,
                user_id=str(conversation.user_of(party)),
                conversation_id=str(conversation.id),
                party=party.value,
            )
            conversation.unread_emailed(party, now)
            await uow.conversations.save(conversation)
            await uow.commit()
        return True
