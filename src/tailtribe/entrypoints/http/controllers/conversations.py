"""Conversations over HTTP, and their live delivery over a WebSocket.

A posted message is published, after its commit, on each party's channel
(`user:<id>`); every API process subscribes its connected clients to their
user's channel, and with Redis the channels span processes. Live delivery is
a courtesy: the message list is the record, and a client that reconnects
fetches what it missed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, WebSocket, get, post, websocket
from litestar.channels import ChannelsPlugin
from litestar.di import NamedDependency
from litestar.exceptions import WebSocketDisconnect
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.security.jwt import Token
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from tailtribe.domain.model.users import User
from tailtribe.domain.services.conversations.manage_conversations import (
    ManageConversations,
)
from tailtribe.domain.services.photos.manage_photos import ManagePhotos
from tailtribe.entrypoints.http.auth import (
    TOKEN_VERSION_CLAIM,
    Req,
    current_user,
    token_holds,
)
from tailtribe.entrypoints.http.controllers.bookings import actor
from tailtribe.entrypoints.http.controllers.photos import MAX_UPLOAD_BODY, Upload, upload_of
from tailtribe.entrypoints.http.live import (
    LIVE_RECHECK_STATE_KEY,
    WS_TOKEN_ENDED,
    publish,
    revocation_channel,
    revocation_of,
    user_channel,
)
from tailtribe.entrypoints.http.schemas.common import DEFAULT_LIMIT, Limit, Offset
from tailtribe.entrypoints.http.schemas.conversations import (
    ConversationList,
    ConversationOut,
    MessageList,
    MessageOut,
    NewMessage,
    ReadUpTo,
    StartConversation,
)
from tailtribe.entrypoints.http.schemas.photos import UploadedPhoto


class ConversationController(Controller):
    path = "/api/v1/conversations"
    tags = ("Conversations",)

    @post(
        operation_id="start_conversation",
        status_code=HTTP_201_CREATED,
    )
    @inject
    async def start(
        self,
        request: Req,
        data: JSONBody[StartConversation],
        conversations: FromDishka[ManageConversations],
        channels: NamedDependency[ChannelsPlugin],
    ) -> ConversationOut:
        view, posted = await conversations.start(
            current_user(request).id, data.caregiver_id, data.body
        )
        publish(channels, posted)
        return ConversationOut.of(view)

    @get(operation_id="list_conversations")
    @inject
    async def list_conversations(
        self,
        request: Req,
        conversations: FromDishka[ManageConversations],
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> ConversationList:
        page = await conversations.of_user(current_user(request).id, limit, offset)
        return ConversationList(
            [ConversationOut.of(v) for v in page.items], page.total, limit, offset
        )

    @get("/{conversation_id:uuid}/messages", operation_id="list_messages")
    @inject
    async def messages(
        self,
        request: Req,
        conversation_id: FromPath[UUID],
        conversations: FromDishka[ManageConversations],
        limit: Limit = DEFAULT_LIMIT,
        before: Annotated[UUID | None, QueryParameter(description="a message id")] = None,
    ) -> MessageList:
        page = await conversations.messages(actor(request), conversation_id, limit, before)
        return MessageList([MessageOut.of(v) for v in page.items], page.next_before)

    @post(
        "/{conversation_id:uuid}/messages",
        operation_id="post_message",
        status_code=HTTP_201_CREATED,
    )
    @inject
    async def post_message(
        self,
        request: Req,
        conversation_id: FromPath[UUID],
        data: JSONBody[NewMessage],
        conversations: FromDishka[ManageConversations],
        channels: NamedDependency[ChannelsPlugin],
    ) -> MessageOut:
        posted = await conversations.post(
            current_user(request).id, conversation_id, data.body, data.photo_ids
        )
        return publish(channels, posted)

    @post(
        "/{conversation_id:uuid}/read",
        operation_id="read_conversation",
        status_code=HTTP_204_NO_CONTENT,
    )
    @inject
    async def read(
        self,
        request: Req,
        conversation_id: FromPath[UUID],
        data: JSONBody[ReadUpTo],
        conversations: FromDishka[ManageConversations],
    ) -> None:
        await conversations.read(current_user(request).id, conversation_id, data.up_to)

    @post(
        "/{conversation_id:uuid}/photos",
        operation_id="upload_conversation_photo",
        status_code=HTTP_201_CREATED,
        request_max_body_size=MAX_UPLOAD_BODY,
    )
    @inject
    async def upload_photo(
        self,
        request: Req,
        conversation_id: FromPath[UUID],
        data: Upload,
        photos: FromDishka[ManagePhotos],
    ) -> UploadedPhoto:
        photo = await photos.upload_for_conversation(
            current_user(request).id, conversation_id, await upload_of(data)
        )
        return UploadedPhoto(photo.id, photo.status.value)


@websocket("/api/v1/ws", operation_id="live")
async def live(
    socket: WebSocket[User, Token, Any], channels: NamedDependency[ChannelsPlugin]
) -> None:
    """Pushes `{"type": "message", "conversation_id", "message"}` to the
    user's connected clients as messages arrive. Closes with 4401 when the
    token is revoked (a password reset) or expires."""
    user, token = current_user(socket), socket.auth
    version = token.extras.get(TOKEN_VERSION_CLAIM)
    await socket.accept()
    revoked = asyncio.Event()

    async def deliver(data: bytes) -> None:
        # One subscriber for both channels: a revocation is seen in order, and
        # nothing published after it reaches the socket.
        if revoked.is_set():
            return
        if (notice := revocation_of(data)) is not None:
            if not isinstance(version, int) or notice.token_version > version:
                revoked.set()
            return
        await socket.send_data(data)

    async with (
        channels.start_subscription(
            [user_channel(user.id), revocation_channel(user.id)]
        ) as subscriber,
        subscriber.run_in_background(deliver),
    ):
        # A revocation committed between the token check and the subscription
        # was published before anyone here listened: look once more. Pub/sub
        # delivers at most once, so keep looking now and then.
        watching = asyncio.create_task(_watch_token(socket, token, revoked))
        try:
            ended = await _until_ended(socket, revoked, token.exp)
        finally:
            watching.cancel()
            await asyncio.gather(watching, return_exceptions=True)
    if ended is not None:
        await socket.close(code=WS_TOKEN_ENDED, reason=ended)


async def _watch_token(
    socket: WebSocket[User, Token, Any], token: Token, revoked: asyncio.Event
) -> None:
    """Sets `revoked` once the token no longer holds: looked at once, then every
    LIVE_TOKEN_RECHECK_SECONDS, for a notice that never arrived."""
    interval: int = socket.app.state[LIVE_RECHECK_STATE_KEY]
    while True:
        if not await token_holds(token, socket):
            revoked.set()
            return
        await asyncio.sleep(interval)


async def _until_ended(
    socket: WebSocket[User, Token, Any], revoked: asyncio.Event, expires: datetime
) -> str | None:
    """Why the server ends the socket, or None when the client left first."""

    async def client_leaves() -> None:
        try:
            while True:  # clients send nothing; this notices them leave
                await socket.receive_data(mode="text")
        except WebSocketDisconnect:
            pass

    leaving = asyncio.create_task(client_leaves())
    revocation = asyncio.create_task(revoked.wait())
    # The wall clock, as the JWT check itself uses for `exp`.
    remaining = (expires - datetime.now(UTC)).total_seconds()
    done, pending = await asyncio.wait(
        {leaving, revocation}, timeout=max(remaining, 0), return_when=asyncio.FIRST_COMPLETED
    )
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    if leaving in done:
        return None
    return "token revoked" if revocation in done else "token expired"
