"""Live delivery: messages published on their readers' channels."""

from __future__ import annotations

from uuid import UUID

import msgspec
from litestar.channels import ChannelsPlugin

from tailtribe.domain.services.conversations.manage_conversations import Posted
from tailtribe.entrypoints.http.schemas.conversations import LiveMessage, MessageOut


def user_channel(user_id: UUID) -> str:
    return f"user:{user_id}"


def publish(channels: ChannelsPlugin, posted: Posted) -> MessageOut:
    message = MessageOut.of(posted.message)
    live = msgspec.json.encode(LiveMessage(posted.conversation.id, message))
    channels.publish(live, [user_channel(u) for u in posted.audience])
    return message
