"""Conversations (docs/rules.md, Conversations): numbering, read markers, unread
counts, masking until an accepted booking, and when the unread email is due."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tailtribe.domain.errors import InvalidInput, NotFound
from tailtribe.domain.model.conversations import (
    MAX_MESSAGE_LENGTH,
    UNREAD_EMAIL_DELAY,
    UNREAD_EMAIL_INTERVAL,
    Conversation,
    Message,
)
from tailtribe.domain.model.masking import MASK
from tailtribe.domain.model.notifications import Party

T0 = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the night summer time ends in Brussels
OWNER, CAREGIVER_USER, STRANGER = uuid4(), uuid4(), uuid4()


def conversation() -> Conversation:
    return Conversation(uuid4(), OWNER, uuid4(), CAREGIVER_USER, T0)


def post(c: Conversation, sender: object, body: str = "hi", at: datetime = T0) -> Message:
    assert isinstance(sender, type(OWNER))
    return c.post(uuid4(), sender, body, (), at)


# Steps: (who, "post" | "read" k), read k = read up to the k-th message posted so far.
STEPS = st.lists(
    st.tuples(st.sampled_from([OWNER, CAREGIVER_USER]), st.sampled_from(["post", "read"])),
    max_size=40,
)


@given(STEPS, st.randoms(use_true_random=False))
def test_unread_counts_follow_a_simple_model(
    steps: list[tuple[object, str]], rnd: random.Random
) -> None:
    c = conversation()
    messages: list[Message] = []
    # The model: per user, the highest message number read.
    read = {OWNER: 0, CAREGIVER_USER: 0}
    for who, step in steps:
        assert isinstance(who, type(OWNER))
        if step == "post":
            messages.append(post(c, who))
            read[who] = len(messages)  # answering reads what came before
        elif messages:
            target = rnd.choice(messages)
            c.mark_read(who, target)
            read[who] = max(read[who], target.seq)
        assert [m.seq for m in messages] == list(range(1, len(messages) + 1))
        for user in (OWNER, CAREGIVER_USER):
            assert c.unread_count(user) == len(messages) - read[user]
            # Everything unread was written by the other party.
            assert all(m.sender_id != user for m in messages[read[user] :])


def test_strangers_see_nothing_and_cannot_post_or_read() -> None:
    c = conversation()
    m = post(c, OWNER)
    with pytest.raises(NotFound):
        post(c, STRANGER)
    with pytest.raises(NotFound):
        c.mark_read(STRANGER, m)
    with pytest.raises(NotFound):
        c.unread_count(STRANGER)
    other = conversation()
    with pytest.raises(NotFound):
        other.mark_read(OWNER, m)  # a message of another conversation
    assert c.last_seq == 1 and other.last_seq == 0


@pytest.mark.parametrize(
    ("body", "photos"),
    [("", ()), ("   \n ", ()), ("x" * (MAX_MESSAGE_LENGTH + 1), ()), ("bad\x00", ())],
)
def test_bad_messages_change_nothing(body: str, photos: tuple[object, ...]) -> None:
    c = conversation()
    with pytest.raises(InvalidInput):
        c.post(uuid4(), OWNER, body, (), T0)
    assert c.last_seq == 0 and c.owner_side.read_seq == 0 and c.last_message_at is None


def test_a_photo_alone_is_a_message_but_at_most_ten_different_ones() -> None:
    c = conversation()
    assert c.post(uuid4(), CAREGIVER_USER, "", (uuid4(),), T0).seq == 1
    photo = uuid4()
    with pytest.raises(InvalidInput):
        c.post(uuid4(), CAREGIVER_USER, "", (photo, photo), T0)
    with pytest.raises(InvalidInput):
        c.post(uuid4(), CAREGIVER_USER, "", tuple(uuid4() for _ in range(11)), T0)
    assert c.last_seq == 1


def test_contacts_are_masked_until_an_accepted_booking_shares_them() -> None:
    c = conversation()
    m = post(c, OWNER, "bel me: 0470 12 34 56 of jan@example.be")
    assert c.shown(m) == f"bel me: {MASK} of {MASK}"
    assert m.body == "bel me: 0470 12 34 56 of jan@example.be"  # stored as written
    c.share_contacts(T0 + timedelta(days=1))
    assert c.shown(m) == m.body
    c.share_contacts(T0 + timedelta(days=9))
    assert c.contacts_shared_at == T0 + timedelta(days=1)  # once shared, from then on


# -- the unread email ---------------------------------------------------------
def test_the_unread_email_waits_15_minutes_then_once_an_hour_for_new_messages() -> None:
    c = conversation()
    first = post(c, OWNER, at=T0)
    party = Party.CAREGIVER
    assert c.first_unnotified_seq(party) == first.seq
    assert c.first_unnotified_seq(Party.OWNER) is None  # the owner wrote it
    assert not c.unread_email_due(party, first.created_at, T0 + UNREAD_EMAIL_DELAY / 2)
    due_at = T0 + UNREAD_EMAIL_DELAY
    assert c.unread_email_due(party, first.created_at, due_at)
    c.unread_emailed(party, due_at)
    assert c.first_unnotified_seq(party) is None  # told about it: never again
    # A new message: due 15 minutes after it, but not within the hour.
    second = post(c, OWNER, at=due_at + timedelta(minutes=5))
    assert c.first_unnotified_seq(party) == second.seq
    assert not c.unread_email_due(party, second.created_at, due_at + timedelta(minutes=30))
    assert c.unread_email_due(party, second.created_at, due_at + UNREAD_EMAIL_INTERVAL)


def test_reading_or_answering_cancels_the_unread_email() -> None:
    c = conversation()
    m = post(c, OWNER)
    c.mark_read(CAREGIVER_USER, m)
    assert c.first_unnotified_seq(Party.CAREGIVER) is None
    post(c, OWNER)
    post(c, CAREGIVER_USER)  # answering reads it
    assert c.first_unnotified_seq(Party.CAREGIVER) is None
    assert c.first_unnotified_seq(Party.OWNER) == 3


def test_a_message_announced_by_another_email_sends_no_unread_email() -> None:
    c = conversation()
    post(c, OWNER, "the booking request's message")
    c.announced_elsewhere(Party.CAREGIVER)
    assert c.first_unnotified_seq(Party.CAREGIVER) is None
    later = post(c, OWNER, "and a question", at=T0 + timedelta(minutes=1))
    assert c.first_unnotified_seq(Party.CAREGIVER) == later.seq
    assert c.unread_email_due(
        Party.CAREGIVER, later.created_at, later.created_at + timedelta(minutes=15)
    )


@given(st.lists(st.integers(0, 200), min_size=1, max_size=30))
def test_never_two_unread_emails_within_an_hour(gaps: list[int]) -> None:
    """However messages arrive, and the job runs each minute: emails are at
    least an hour apart, each about a message at least 15 minutes old."""
    c = conversation()
    now = T0
    posted: dict[int, datetime] = {}
    emailed: list[datetime] = []
    for gap in gaps:
        for _ in range(gap):
            now += timedelta(minutes=1)
            seq = c.first_unnotified_seq(Party.CAREGIVER)
            if seq is not None and c.unread_email_due(Party.CAREGIVER, posted[seq], now):
                assert now - posted[seq] >= UNREAD_EMAIL_DELAY
                emailed.append(now)
                c.unread_emailed(Party.CAREGIVER, now)
        m = post(c, OWNER, at=now)
        posted[m.seq] = now
    assert all(b - a >= UNREAD_EMAIL_INTERVAL for a, b in pairwise(emailed))
