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
from tailtribe.entrypoints.http.schemas.common import (
    INSTANT,
    PAGE_ITEMS,
    PageLimit,
    PageOffset,
    Strict,
    Total,
    free_text,
)
from tailtribe.entrypoints.http.schemas.photos import PhotoOut

_MASKED = "Contact details are masked until the pair has an accepted booking."
_MASKED_NAME = "contact details in it are masked until the pair has an accepted booking."


class StartConversation(Strict):
    """An owner's first message to a caregiver."""

    caregiver_id: Annotated[UUID, msgspec.Meta(description="The caregiver profile's id.")]
    body: Annotated[
        str,
        free_text(MAX_MESSAGE_LENGTH, multiline=True, required=True),
        msgspec.Meta(description=_MASKED, examples=["Hello! Are you free next weekend?"]),
    ]


class NewMessage(Strict):
    """A message: text, photos (uploaded first), or both; not empty."""

    body: Annotated[
        str,
        free_text(MAX_MESSAGE_LENGTH, multiline=True),
        msgspec.Meta(description=_MASKED, examples=["Here is Bruno after his bath."]),
    ] = ""
    photo_ids: Annotated[
        list[UUID],
        msgspec.Meta(
            max_length=MAX_PHOTOS_PER_MESSAGE,
            description="Ids of photos uploaded to this conversation and not yet sent, each once.",
        ),
    ] = msgspec.field(default_factory=list)


class ReadUpTo(Strict):
    up_to: Annotated[
        UUID,
        msgspec.Meta(
            description="A message id: it and every older message count as read.",
            examples=["0b3e5d7f-2a4c-4e6a-8b0d-1f3a5c7e9b1d"],
        ),
    ]


class MessageOut(msgspec.Struct):
    id: Annotated[UUID, msgspec.Meta(description="The message's id.")]
    conversation_id: Annotated[UUID, msgspec.Meta(description="The conversation it is in.")]
    sender_id: Annotated[UUID, msgspec.Meta(description="The sender's user id.")]
    body: Annotated[str, msgspec.Meta(description=_MASKED)]
    photos: Annotated[list[PhotoOut], msgspec.Meta(description="The photos sent with it.")]
    created_at: Annotated[datetime, msgspec.Meta(description=f"When it was sent; {INSTANT}.")]
    removed: Annotated[
        bool,
        msgspec.Meta(
            description="Its sender erased their account: the body is a fixed placeholder "
            "and its photos are gone."
        ),
    ] = False

    @classmethod
    def of(cls, view: MessageView) -> MessageOut:
        m = view.message
        photos = [PhotoOut.of(p) for p in view.photos]
        return cls(m.id, m.conversation_id, m.sender_id, view.body, photos, m.created_at, m.removed)


class ConversationOut(msgspec.Struct):
    id: Annotated[UUID, msgspec.Meta(description="The conversation's id.")]
    owner_id: Annotated[UUID, msgspec.Meta(description="The owner's user id.")]
    caregiver_id: Annotated[
        UUID, msgspec.Meta(description="The caregiver profile's id, not its user's.")
    ]
    owner_name: Annotated[str, msgspec.Meta(description="The owner's full name; " + _MASKED_NAME)]
    caregiver_name: Annotated[
        str, msgspec.Meta(description="The caregiver's display name; " + _MASKED_NAME)
    ]
    unread_count: Annotated[
        int, msgspec.Meta(description="Messages after the last one the caller has read.")
    ]
    contacts_shared: Annotated[
        bool, msgspec.Meta(description="True once the pair has an accepted booking.")
    ]
    last_message: Annotated[
        MessageOut | None, msgspec.Meta(description="The newest message; null if none yet.")
    ]
    last_message_at: Annotated[
        datetime | None,
        msgspec.Meta(description=f"When the newest message was sent; {INSTANT}; null if none."),
    ]
    created_at: Annotated[
        datetime, msgspec.Meta(description=f"When the conversation was started; {INSTANT}.")
    ]

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
    items: Annotated[list[ConversationOut], msgspec.Meta(description=PAGE_ITEMS)]
    total: Total
    limit: PageLimit
    offset: PageOffset


class MessageList(msgspec.Struct):
    """Newest first; `next_before` pages on to older ones (null at the start)."""

    items: Annotated[
        list[MessageOut], msgspec.Meta(description="Up to `limit` messages, newest first.")
    ]
    next_before: Annotated[
        UUID | None,
        msgspec.Meta(description="A message id: pass it as `before` for older messages."),
    ]


class LiveMessage(msgspec.Struct):
    """What the WebSocket pushes as a message arrives."""

    conversation_id: UUID
    message: MessageOut
    type: Literal["message"] = "message"
