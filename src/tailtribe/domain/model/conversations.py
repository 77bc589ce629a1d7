"""Conversations between an owner and a caregiver (docs/rules.md, Conversations).

One conversation per owner and caregiver profile. Its messages are numbered
1, 2, 3 ... in the order they were posted; each party's read marker is the
number of the last message they have read, and posting reads everything
before (so a party's unread count is the last number minus their marker).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from tailtribe.domain.errors import FieldError, InvalidInput, NotFound
from tailtribe.domain.model.masking import mask_contacts
from tailtribe.domain.model.notifications import Party
from tailtribe.domain.model.time import require_aware
from tailtribe.domain.model.users import clean_text

MAX_MESSAGE_LENGTH = 5000
# What stays of a message whose sender erased their account.
REMOVED_BODY = "[message removed]"
MAX_PHOTOS_PER_MESSAGE = 10
SENDS_PER_MINUTE = 30
# The recipient hears by email of a message unread this long, and of one
# conversation at most once per interval.
UNREAD_EMAIL_DELAY = timedelta(minutes=15)
UNREAD_EMAIL_INTERVAL = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Message:
    id: UUID
    conversation_id: UUID
    seq: int
    sender_id: UUID  # a user
    body: str  # as written; shown masked while contacts are not shared
    photo_ids: tuple[UUID, ...]
    created_at: datetime
    # Its sender erased their account: the body is REMOVED_BODY, no photos.
    removed: bool = False


@dataclass(slots=True)
class ReadState:
    """One party's side: what they have read, and the last unread email."""

    read_seq: int = 0
    notified_seq: int = 0
    notified_at: datetime | None = None


@dataclass(eq=False)
class Conversation:
    id: UUID
    owner_id: UUID  # a user
    caregiver_id: UUID  # a caregiver profile
    caregiver_user_id: UUID
    created_at: datetime
    last_seq: int = 0
    last_message_at: datetime | None = None
    contacts_shared_at: datetime | None = None
    owner_side: ReadState = field(default_factory=ReadState)
    caregiver_side: ReadState = field(default_factory=ReadState)

    def party_of(self, user_id: UUID) -> Party | None:
        if user_id == self.owner_id:
            return Party.OWNER
        if user_id == self.caregiver_user_id:
            return Party.CAREGIVER
        return None

    def side(self, party: Party) -> ReadState:
        return self.owner_side if party is Party.OWNER else self.caregiver_side

    def user_of(self, party: Party) -> UUID:
        return self.owner_id if party is Party.OWNER else self.caregiver_user_id

    def _party(self, user_id: UUID) -> Party:
        party = self.party_of(user_id)
        if party is None:  # someone else's conversation is as unknown as a missing one
            raise NotFound("no such conversation")
        return party

    def post(
        self,
        message_id: UUID,
        sender_id: UUID,
        body: str,
        photo_ids: tuple[UUID, ...],
        now: datetime,
    ) -> Message:
        party = self._party(sender_id)
        text = clean_text(body, "body", max_length=MAX_MESSAGE_LENGTH, multiline=True)
        if not text and not photo_ids:
            raise InvalidInput("a message needs text or a photo", [FieldError("body", "empty")])
        if len(photo_ids) > MAX_PHOTOS_PER_MESSAGE or len(set(photo_ids)) != len(photo_ids):
            raise InvalidInput(
                f"at most {MAX_PHOTOS_PER_MESSAGE} different photos",
                [FieldError("photo_ids", f"at most {MAX_PHOTOS_PER_MESSAGE}, each once")],
            )
        require_aware(now)
        self.last_seq += 1
        self.last_message_at = now
        self.side(party).read_seq = self.last_seq  # answering reads what came before
        return Message(message_id, self.id, self.last_seq, sender_id, text, photo_ids, now)

    def mark_read(self, user_id: UUID, message: Message) -> None:
        """Read up to `message`; a marker never moves back."""
        side = self.side(self._party(user_id))
        if message.conversation_id != self.id:
            raise NotFound("no such message in this conversation")
        side.read_seq = max(side.read_seq, message.seq)

    def unread_count(self, user_id: UUID) -> int:
        return self.last_seq - self.side(self._party(user_id)).read_seq

    def share_contacts(self, now: datetime) -> None:
        """The pair has an accepted booking: contact details flow from now on."""
        if self.contacts_shared_at is None:
            self.contacts_shared_at = now

    def shown(self, message: Message) -> str:
        """The body as the parties see it."""
        if message.removed:
            return REMOVED_BODY
        return self.shown_text(message.body)

    def shown_text(self, text: str) -> str:
        """Any text of one party as the other sees it here: also the names,
        which refuse contact details on write but may predate that rule."""
        return text if self.contacts_shared_at is not None else mask_contacts(text)

    # -- the unread email ------------------------------------------------
    def first_unnotified_seq(self, party: Party) -> int | None:
        """The oldest message the party has neither read nor been emailed about."""
        side = self.side(party)
        first = max(side.read_seq, side.notified_seq) + 1
        return first if first <= self.last_seq else None

    def unread_email_due(self, party: Party, first_unnotified_at: datetime, now: datetime) -> bool:
        """`first_unnotified_at`: when that oldest message was posted."""
        side = self.side(party)
        return (
            self.first_unnotified_seq(party) is not None
            and now - first_unnotified_at >= UNREAD_EMAIL_DELAY
            and (side.notified_at is None or now - side.notified_at >= UNREAD_EMAIL_INTERVAL)
        )

    def announced_elsewhere(self, party: Party) -> None:
        """The messages so far reach the party by another email (a booking
        request's own): no unread email about them."""
        self.side(party).notified_seq = self.last_seq

    def unread_emailed(self, party: Party, now: datetime) -> None:
        side = self.side(party)
        side.notified_seq, side.notified_at = self.last_seq, now
