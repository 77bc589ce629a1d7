"""Conversations: inquiries, arrangements and care updates between an owner
and a caregiver (docs/rules.md, Conversations)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from uuid import UUID

from tailtribe.domain.errors import Conflict, FieldError, InvalidInput, NotFound, RateLimited
from tailtribe.domain.model.audit import AuditAction, AuditObject
from tailtribe.domain.model.bookings import BookingStatus
from tailtribe.domain.model.conversations import SENDS_PER_MINUTE, Conversation, Message
from tailtribe.domain.model.photos import PhotoStatus, Subject
from tailtribe.domain.ports.limits import SendThrottle
from tailtribe.domain.ports.storage import Page, UnitOfWork
from tailtribe.domain.ports.time import Clock, IdGenerator
from tailtribe.domain.services.audit import AdminAct, AuditTrail
from tailtribe.domain.services.photos.manage_photos import ManagePhotos, PhotoView
from tailtribe.domain.services.terms import Actor


@dataclass(frozen=True, slots=True)
class MessageView:
    message: Message
    body: str  # as the parties see it: masked until the pair has an accepted booking
    photos: Sequence[PhotoView]


@dataclass(frozen=True, slots=True)
class MessagePage:
    items: list[MessageView]
    next_before: UUID | None  # the id to page on from, None at the first message


@dataclass(frozen=True, slots=True)
class ConversationView:
    conversation: Conversation
    unread_count: int
    last_message: MessageView | None
    owner_name: str
    caregiver_name: str


@dataclass(frozen=True, slots=True)
class Posted:
    """A new message and who should see it arrive: both parties, so that the
    sender's other devices show it too."""

    conversation: Conversation
    message: MessageView

    @property
    def audience(self) -> tuple[UUID, UUID]:
        return self.conversation.owner_id, self.conversation.caregiver_user_id


async def pair_conversation(
    uow: UnitOfWork,
    ids: IdGenerator,
    clock: Clock,
    owner_id: UUID,
    caregiver_id: UUID,
    caregiver_user_id: UUID,
) -> Conversation:
    """The pair's conversation, locked; opened when they have none. Of two
    concurrent openings one inserts and the other finds it."""
    found = await uow.conversations.get_for_pair(owner_id, caregiver_id)
    if found is not None:
        return found
    conversation = Conversation(
        ids.new_id(), owner_id, caregiver_id, caregiver_user_id, clock.now()
    )
    try:
        await uow.conversations.add(conversation)
    except Conflict:
        found = await uow.conversations.get_for_pair(owner_id, caregiver_id)
        if found is None:
            raise
        return found
    return conversation


async def post_message(
    uow: UnitOfWork,
    ids: IdGenerator,
    clock: Clock,
    conversation: Conversation,
    sender_id: UUID,
    body: str,
    photos: tuple[UUID, ...] = (),
) -> Posted:
    """A new message in the (locked) conversation, stored with its new number;
    shown without its photos' addresses (the caller adds them if any)."""
    message = conversation.post(ids.new_id(), sender_id, body, photos, clock.now())
    await uow.conversations.add_message(message)
    await uow.conversations.save(conversation)
    return Posted(conversation, MessageView(message, conversation.shown(message), []))


class ManageConversations:
    """- One conversation per owner and caregiver profile: an owner's inquiry
      opens it (or reuses it), and a booking request joins it.
    - Only the two parties see it, 404 to anyone else; an admin reads it
      while a booking of the pair is disputed, and each such read (or its
      refusal) goes to the audit trail.
    - Messages are numbered under the conversation's row lock, so paging by
      `before` and read markers never skip or repeat one.
    - A message names only photos its sender uploaded to this conversation.
    - A user sends at most SENDS_PER_MINUTE messages a minute (inquiries
      included); every attempt counts.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        photos: ManagePhotos,
        throttle: SendThrottle,
        ids: IdGenerator,
        clock: Clock,
        audit: AuditTrail,
    ) -> None:
        self._uow, self._photos, self._throttle = uow, photos, throttle
        self._ids, self._clock, self._audit = ids, clock, audit

    async def _count_send(self, user_id: UUID) -> None:
        wait = await self._throttle.attempt(str(user_id))
        if wait is not None:
            raise RateLimited(f"at most {SENDS_PER_MINUTE} messages a minute", wait)

    async def start(
        self, owner_id: UUID, caregiver_id: UUID, body: str
    ) -> tuple[ConversationView, Posted]:
        """An inquiry: the pair's conversation (opened if need be) and its new message."""
        await self._count_send(owner_id)
        async with self._uow as uow:
            owner = await uow.users.get(owner_id)
            if owner is None:
                raise NotFound("no such user")
            caregiver = await uow.caregivers.get(caregiver_id)
            if caregiver is None or not caregiver.bookable:
                raise NotFound("no such caregiver")
            if caregiver.user_id == owner_id:
                raise InvalidInput(
                    "you cannot write to yourself", [FieldError("caregiver_id", "your own profile")]
                )
            conversation = await pair_conversation(
                uow, self._ids, self._clock, owner_id, caregiver_id, caregiver.user_id
            )
            posted = await post_message(uow, self._ids, self._clock, conversation, owner_id, body)
            await uow.commit()
        unread = conversation.unread_count(owner_id)
        summary = ConversationView(
            conversation,
            unread,
            posted.message,
            conversation.shown_text(owner.full_name),
            conversation.shown_text(caregiver.profile.display_name),
        )
        return summary, posted

    async def post(
        self, user_id: UUID, conversation_id: UUID, body: str, photo_ids: Sequence[UUID]
    ) -> Posted:
        await self._count_send(user_id)
        async with self._uow as uow:
            conversation = await self._as_party(uow, user_id, conversation_id)
            photos = tuple(photo_ids)
            if photos:
                # Read, not locked: a photo's own lock is taken before its
                # conversation's elsewhere, never after.
                usable = {
                    p.id
                    for p in await uow.photos.of(Subject.CONVERSATION, [conversation.id])
                    if p.owner_id == user_id and p.status is not PhotoStatus.FAILED
                }
                if unknown := [str(p) for p in photos if p not in usable]:
                    raise InvalidInput(
                        f"unknown photos: {', '.join(unknown)}",
                        [FieldError("photo_ids", "upload them to this conversation first")],
                    )
            posted = await post_message(
                uow, self._ids, self._clock, conversation, user_id, body, photos
            )
            await uow.commit()
        [view] = await self._views(conversation, [posted.message.message])
        return Posted(conversation, view)

    async def of_user(self, user_id: UUID, limit: int, offset: int) -> Page[ConversationView]:
        async with self._uow as uow:
            page = await uow.conversations.list_for(user_id, limit, offset)
        items = []
        for s in page.items:
            c, last = s.conversation, s.last_message
            views = [] if last is None else await self._views(c, [last])
            items.append(
                ConversationView(
                    c,
                    c.unread_count(user_id),
                    views[0] if views else None,
                    c.shown_text(s.owner_name),
                    c.shown_text(s.caregiver_name),
                )
            )
        return Page(items, page.total)

    async def get(self, actor: Actor, conversation_id: UUID) -> Conversation:
        async with self._admin_read(actor, conversation_id), self._uow as uow:
            conversation = await self._readable(uow, actor, conversation_id)
            await self._audit_read(uow, actor, conversation, "read the conversation")
            return conversation

    async def messages(
        self, actor: Actor, conversation_id: UUID, limit: int, before: UUID | None
    ) -> MessagePage:
        """Newest first; with `before`, the ones posted before that message."""
        async with self._admin_read(actor, conversation_id), self._uow as uow:
            conversation = await self._readable(uow, actor, conversation_id)
            before_seq = None
            if before is not None:
                anchor = await uow.conversations.message(before)
                if anchor is None or anchor.conversation_id != conversation.id:
                    raise InvalidInput(
                        "`before` names no message of this conversation",
                        [FieldError("before", "not a message of this conversation")],
                    )
                before_seq = anchor.seq
            found = await uow.conversations.messages(conversation.id, before_seq, limit)
            await self._audit_read(uow, actor, conversation, f"read {len(found)} message(s)")
        # Older ones remain unless this page reached message number 1.
        more = len(found) == limit and found[-1].seq > 1
        return MessagePage(await self._views(conversation, found), found[-1].id if more else None)

    async def read(self, user_id: UUID, conversation_id: UUID, up_to: UUID) -> None:
        async with self._uow as uow:
            conversation = await self._as_party(uow, user_id, conversation_id)
            message = await uow.conversations.message(up_to)
            if message is None or message.conversation_id != conversation.id:
                raise InvalidInput(
                    "`up_to` names no message of this conversation",
                    [FieldError("up_to", "not a message of this conversation")],
                )
            conversation.mark_read(user_id, message)
            await uow.conversations.save(conversation)
            await uow.commit()

    async def _views(
        self, conversation: Conversation, messages: Sequence[Message]
    ) -> list[MessageView]:
        wanted = {p for m in messages for p in m.photo_ids}
        photos = await self._photos.of_conversation(conversation.id, wanted) if wanted else {}
        return [
            MessageView(m, conversation.shown(m), [photos[p] for p in m.photo_ids if p in photos])
            for m in messages
        ]

    def _admin_read(self, actor: Actor, conversation_id: UUID) -> AbstractAsyncContextManager[None]:
        """Records a refused read by an admin; nothing for anyone else."""
        if not actor.is_admin:
            return nullcontext()
        return self._audit.refusals(_read_act(actor, conversation_id))

    async def _audit_read(
        self, uow: UnitOfWork, actor: Actor, conversation: Conversation, outcome: str
    ) -> None:
        """An admin who is not a party reads: one entry per read. The read
        takes no lock and changes nothing, so the entry commits alone."""
        if conversation.party_of(actor.user_id) is None:
            await self._audit.record(uow, _read_act(actor, conversation.id), outcome)
            await uow.commit()

    @staticmethod
    async def _as_party(uow: UnitOfWork, user_id: UUID, conversation_id: UUID) -> Conversation:
        conversation = await uow.conversations.get(conversation_id)
        if conversation is None or conversation.party_of(user_id) is None:
            raise NotFound("no such conversation")
        return conversation

    @staticmethod
    async def _readable(uow: UnitOfWork, actor: Actor, conversation_id: UUID) -> Conversation:
        conversation = await uow.conversations.find(conversation_id)
        if conversation is not None:
            if conversation.party_of(actor.user_id) is not None:
                return conversation
            if actor.is_admin:
                disputed = await uow.bookings.list_for(
                    owner_id=conversation.owner_id,
                    caregiver_id=conversation.caregiver_id,
                    status=BookingStatus.DISPUTED,
                    limit=1,
                    offset=0,
                )
                if disputed.total:
                    return conversation
        raise NotFound("no such conversation")


def _read_act(actor: Actor, conversation_id: UUID) -> AdminAct:
    return AdminAct(
        actor.user_id, AuditAction.READ_CONVERSATION, AuditObject.CONVERSATION, conversation_id
    )
