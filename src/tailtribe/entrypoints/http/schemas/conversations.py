from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from tailtribe.domain.model.conversations import MAX_MESSAGE_LENGTH, MAX_PHOTOS_PER_MESSAGE
from tailtribe.domain.services.conversations.manage_conversations import (
    ConversationView,
    MessageView,
)
from tailtribe.entrypoints.http.schemas.common import Strict, text
from tailtribe.entrypoints.http.schemas.photos import PhotoOut

Body = Annotated[str, text(MAX_MESSAGE_LENGTH)]


class StartConversation(Strict):
    caregiver_id: UUID
    body: Annotated[str, text(MAX_MESSAGE_LENGTH, min_length=1)]


class NewMessage(Strict):
    body: Body = ""
    photo_ids: Annotated[list[UUID], msgspec.Meta(max_length=MAX_PHOTOS_PER_MESSAGE)] = (
        msgspec.field(default_factory=list)
    )


class ReadUpTo(Strict):
    up_to: UUID


class MessageOut(msgspec.Struct):
    id: UUID
    conversation_id: UUID
    sender_id: UUID
    body: str  # contact details masked until the pair has an accepted booking
    photos: list[PhotoOut]
    created_at: datetime

    @classmethod
    def of(cls, view: MessageView) -> MessageOut:
        m = view.message
        photos = [PhotoOut.of(p) for p in view.photos]
        return cls(m.id, m.conversation_id, m.sender_id, view.body, photos, m.created_at)


class ConversationOut(msgspec.Struct):
    id: UUID
    owner_id: UUID
    caregiver_id: UUID
    owner_name: str
    caregiver_name: str
    unread_count: int
    contacts_shared: bool
    last_message: MessageOut | None
    last_message_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, view: ConversationView) -> ConversationOut:
        c = view.conversation
        last = None if view.last_message is None else MessageOut.of(view.last_message)
        return cls(
            id=c.id,
            owner_id=c.owner_id,
            caregiver_id=c.caregiver_id,
            owner_name=view.owner_name,
            caregiver_name=view.caregiver_name,
            unread_count=view.unread_count,
            contacts_shared=c.contacts_shared_at is not None,
            last_message=last,
            last_message_at=c.last_message_at,
            created_at=c.created_at,
        )


class ConversationList(msgspec.Struct):
    items: list[ConversationOut]
    total: int
    limit: int
    offset: int


class MessageList(msgspec.Struct):
    """Newest first; `next_before` pages on to older ones (null at the start)."""

    items: list[MessageOut]
    next_before: UUID | None


class LiveMessage(msgspec.Struct):
    """What the WebSocket pushes as a message arrives."""

    conversation_id: UUID
    message: MessageOut
    type: Literal["message"] = "message"
