"""Live delivery: messages published on their readers' channels, and the
notices that end a user's sockets when their tokens are revoked."""

from __future__ import annotations

from uuid import UUID

import msgspec
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.base import ChannelsBackend

from tailtribe.domain.model.users import User
from tailtribe.domain.services.conversations.manage_conversations import Posted
from tailtribe.entrypoints.http.auth import WS_UNAUTHORIZED
from tailtribe.entrypoints.http.schemas.conversations import LiveMessage, MessageOut

# The close code of a socket whose token was revoked or expired: 4000 + 401,
# as a socket refused at its opening for a missing or bad token.
WS_TOKEN_ENDED = WS_UNAUTHORIZED
REVOKED = "revoked"
# App state: how often a socket looks at its token in the database itself.
LIVE_RECHECK_STATE_KEY = "live_token_recheck_seconds"


class Revocation(msgspec.Struct, tag=REVOKED, tag_field="type"):
    """Tokens below this version are void: their sockets close."""

    token_version: int


class _Kind(msgspec.Struct):
    type: str = ""


def user_channel(user_id: UUID) -> str:
    return f"user:{user_id}"


def revocation_channel(user_id: UUID) -> str:
    return f"user:{user_id}:revoked"


def publish(channels: ChannelsPlugin, posted: Posted) -> MessageOut:
    message = MessageOut.of(posted.message)
    live = msgspec.json.encode(LiveMessage(posted.conversation.id, message))
    channels.publish(live, [user_channel(u) for u in posted.audience])
    return message


def revoke(channels: ChannelsPlugin, user: User) -> None:
    """Called once the change that voided the user's tokens is committed: every
    API process closes the sockets opened with them (through Redis, when set)."""
    channels.publish(*_notice(user))


async def revoke_through(backend: ChannelsBackend, user: User) -> None:
    """The same, from outside the API (the command line), on a backend of its own."""
    await backend.publish(*_notice(user))


def _notice(user: User) -> tuple[bytes, list[str]]:
    return msgspec.json.encode(Revocation(user.token_version)), [revocation_channel(user.id)]


def revocation_of(data: bytes) -> Revocation | None:
    """The notice, when this event is one (rather than a message to push)."""
    if msgspec.json.decode(data, type=_Kind).type != REVOKED:
        return None
    return msgspec.json.decode(data, type=Revocation)
