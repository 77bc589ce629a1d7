"""Meet-and-greets: request one, answer it, cancel it, look at them (docs/rules.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from tailtribe.domain.errors import (
    Conflict,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    SlotTaken,
)
from tailtribe.domain.model.availability import fits
from tailtribe.domain.model.meet_and_greets import AS_SERVICE, MeetAndGreet, validate_slot
from tailtribe.domain.model.notifications import Party
from tailtribe.domain.model.users import clean_text
from tailtribe.domain.ports.storage import Page, UnitOfWork
from tailtribe.domain.ports.time import Clock, IdGenerator
from tailtribe.domain.services.conversations.manage_conversations import (
    Posted,
    pair_conversation,
    post_message,
)
from tailtribe.domain.services.outbox import Outbox
from tailtribe.domain.services.terms import Actor, caregiver_id_of

MAX_MESSAGE = 2000


@dataclass(frozen=True, slots=True)
class MeetRequest:
    caregiver_id: UUID
    start: datetime
    duration_minutes: int
    message: str | None = None


@dataclass(frozen=True, slots=True)
class MeetRequested:
    meeting: MeetAndGreet
    message: Posted | None  # the request's message, posted to the pair's conversation


@dataclass(frozen=True, slots=True)
class MeetAccess:
    meeting: MeetAndGreet
    as_owner: bool
    as_caregiver: bool


def _refuse(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, [FieldError(field, message)])


async def meet_access(uow: UnitOfWork, actor: Actor, meet_id: UUID) -> MeetAccess:
    """The meet-and-greet, locked, if the actor is a party or an admin; 404 otherwise."""
    meeting = await uow.meet_and_greets.get(meet_id)
    if meeting is not None:
        as_owner = meeting.owner_id == actor.user_id
        as_caregiver = meeting.caregiver_id == await caregiver_id_of(uow, actor)
        if as_owner or as_caregiver or actor.is_admin:
            return MeetAccess(meeting, as_owner, as_caregiver)
    raise NotFound("no such meet-and-greet")


class RequestMeetAndGreet:
    """An owner asks a caregiver for a free meeting before their first booking.

    - the caregiver is approved and not the owner; the pair has no accepted
      (or later) booking and no other open meet-and-greet (409);
    - the slot is in the future, on a quarter hour, 15..60 minutes, inside the
      caregiver's weekly windows and clear of blocked periods (422);
    - under the caregiver's calendar lock, it must not clash with a booking or
      another meet-and-greet that would refuse a walk then (409 naming which);
    - it joins the pair's conversation, its message as a message there.
    """

    def __init__(self, uow: UnitOfWork, outbox: Outbox, ids: IdGenerator, clock: Clock) -> None:
        self._uow, self._outbox, self._ids, self._clock = uow, outbox, ids, clock

    async def __call__(self, owner_id: UUID, request: MeetRequest) -> MeetRequested:
        now = self._clock.now()
        text = (
            None
            if request.message is None
            else clean_text(request.message, "message", max_length=MAX_MESSAGE, multiline=True)
            or None
        )
        posted = None
        async with self._uow as uow:
            caregiver = await uow.caregivers.get(request.caregiver_id)  # the calendar lock
            if caregiver is None or not caregiver.bookable:
                raise NotFound("no such caregiver")
            if caregiver.user_id == owner_id:
                raise _refuse("caregiver_id", "you cannot meet yourself")
            # After the caregiver, as a booking request: an unknown one is 404 first.
            end = validate_slot(request.start, request.duration_minutes, now)
            await uow.bookings.lock_calendar(caregiver.id)
            if not await uow.privacy.hold_account(owner_id):
                raise NotFound("no such account")
            if await uow.meet_and_greets.pair_has_booked(owner_id, caregiver.id):
                raise Conflict("a meet-and-greet comes before a first booking; you booked already")
            if await uow.meet_and_greets.open_for_pair(owner_id, caregiver.id) is not None:
                raise Conflict("you have an open meet-and-greet with this caregiver already")
            if not caregiver.availability.allows(AS_SERVICE, request.start, end):
                raise _refuse("start_at", "outside the caregiver's availability")
            meeting = MeetAndGreet.request(
                id=self._ids.new_id(),
                owner_id=owner_id,
                caregiver_id=caregiver.id,
                start=request.start,
                duration_minutes=request.duration_minutes,
                now=now,
                message=text,
            )
            taken = await uow.bookings.active_overlapping(caregiver.id, meeting.start, meeting.end)
            if not fits(meeting.occupancy, taken, caregiver.profile.max_pets):
                if await uow.meet_and_greets.open_overlapping(
                    caregiver.id, meeting.start, meeting.end
                ):
                    raise SlotTaken("the caregiver has another meet-and-greet at that time")
                raise SlotTaken("the caregiver is booked at that time")
            conversation = await pair_conversation(
                uow, self._ids, self._clock, owner_id, caregiver.id, caregiver.user_id
            )
            meeting.conversation_id = conversation.id
            if text:
                posted = await post_message(
                    uow, self._ids, self._clock, conversation, owner_id, text
                )
                conversation.announced_elsewhere(Party.CAREGIVER)  # the request's email tells
                await uow.conversations.save(conversation)
            await uow.meet_and_greets.add(meeting)
            await self._outbox.publish(uow, [meeting])
            await uow.commit()
        return MeetRequested(meeting, posted)


class MeetAndGreetLifecycle:
    """The parties' commands: only the caregiver accepts and declines; either
    party cancels before the start. Admins may look (403 on commands);
    anyone else gets 404."""

    def __init__(self, uow: UnitOfWork, outbox: Outbox, clock: Clock) -> None:
        self._uow, self._outbox, self._clock = uow, outbox, clock

    async def get(self, actor: Actor, meet_id: UUID) -> MeetAndGreet:
        async with self._uow as uow:
            return (await meet_access(uow, actor, meet_id)).meeting

    async def list(self, actor: Actor, limit: int, offset: int) -> Page[MeetAndGreet]:
        """The actor's, as owner and as caregiver, newest request first."""
        async with self._uow as uow:
            caregiver_id = await caregiver_id_of(uow, actor)
            return await uow.meet_and_greets.list_for(actor.user_id, caregiver_id, limit, offset)

    async def _finish(self, uow: UnitOfWork, meeting: MeetAndGreet) -> MeetAndGreet:
        await uow.meet_and_greets.save(meeting)
        await self._outbox.publish(uow, [meeting])
        await uow.commit()
        return meeting

    async def _as_caregiver(self, uow: UnitOfWork, actor: Actor, meet_id: UUID) -> MeetAndGreet:
        found = await meet_access(uow, actor, meet_id)
        if not found.as_caregiver:
            raise Forbidden("only the meet-and-greet's caregiver can do this")
        return found.meeting

    async def accept(self, actor: Actor, meet_id: UUID) -> MeetAndGreet:
        async with self._uow as uow:
            meeting = await self._as_caregiver(uow, actor, meet_id)
            meeting.accept(self._clock.now())
            return await self._finish(uow, meeting)

    async def decline(self, actor: Actor, meet_id: UUID) -> MeetAndGreet:
        async with self._uow as uow:
            meeting = await self._as_caregiver(uow, actor, meet_id)
            meeting.decline(self._clock.now())
            return await self._finish(uow, meeting)

    async def cancel(self, actor: Actor, meet_id: UUID) -> MeetAndGreet:
        async with self._uow as uow:
            found = await meet_access(uow, actor, meet_id)
            if not (found.as_owner or found.as_caregiver):
                raise Forbidden("only the parties cancel a meet-and-greet")
            by = Party.OWNER if found.as_owner else Party.CAREGIVER
            found.meeting.cancel(by, self._clock.now())
            return await self._finish(uow, found.meeting)
