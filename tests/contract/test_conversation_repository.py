"""Conversations and messages: one set of assertions, three stores."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from tailtribe.domain.errors import Conflict
from tailtribe.domain.model.conversations import Conversation, Message
from tailtribe.domain.model.notifications import Party
from tests.contract.conftest import UowFactory
from tests.contract.test_accounts_repositories import T0, a_caregiver, stored_user


async def _pair(make_uow: UowFactory, n: int = 1) -> list[Conversation]:
    """`n` caregivers and one owner, and a conversation for each pair."""
    owner = await stored_user(make_uow, "owner@example.be")
    found = []
    for i in range(n):
        user = await stored_user(make_uow, f"sitter{i}@example.be")
        caregiver = a_caregiver(user)
        conversation = Conversation(uuid4(), owner.id, caregiver.id, user.id, T0)
        async with make_uow() as uow:
            await uow.caregivers.add(caregiver)
            await uow.conversations.add(conversation)
            await uow.commit()
        found.append(conversation)
    return found


async def _post(
    make_uow: UowFactory, conversation_id: UUID, sender: UUID, minutes: int, body: str = "hi"
) -> Message:
    photos = (uuid4(),) if "photo" in body else ()
    async with make_uow() as uow:
        c = await uow.conversations.get(conversation_id)
        assert c is not None
        m = c.post(uuid4(), sender, body, photos, T0 + timedelta(minutes=minutes))
        await uow.conversations.add_message(m)
        await uow.conversations.save(c)
        await uow.commit()
    return m


async def test_one_conversation_per_pair_round_trips(make_uow: UowFactory) -> None:
    [c] = await _pair(make_uow)
    async with make_uow() as uow:
        found = await uow.conversations.get_for_pair(c.owner_id, c.caregiver_id)
        assert found is not None and found.id == c.id
        assert (found.caregiver_user_id, found.created_at, found.last_seq) == (
            c.caregiver_user_id,
            T0,
            0,
        )
        assert await uow.conversations.get_for_pair(c.caregiver_user_id, c.caregiver_id) is None
        unlocked = await uow.conversations.find(c.id)
        assert unlocked is not None and unlocked.owner_id == c.owner_id
        assert await uow.conversations.find(uuid4()) is None
        with pytest.raises(Conflict):
            await uow.conversations.add(
                Conversation(uuid4(), c.owner_id, c.caregiver_id, c.caregiver_user_id, T0)
            )


async def test_messages_page_newest_first_and_state_is_kept(make_uow: UowFactory) -> None:
    [c] = await _pair(make_uow)
    posted = [
        await _post(make_uow, c.id, c.owner_id if i % 2 else c.caregiver_user_id, i, f"m{i} photo")
        for i in range(7)
    ]
    async with make_uow() as uow:
        newest = await uow.conversations.messages(c.id, None, 3)
        assert [m.seq for m in newest] == [7, 6, 5]
        older = await uow.conversations.messages(c.id, newest[-1].seq, 10)
        assert [m.seq for m in older] == [4, 3, 2, 1]
        assert [m.body for m in older] == ["m3 photo", "m2 photo", "m1 photo", "m0 photo"]
        assert older[-1].photo_ids == posted[0].photo_ids and len(posted[0].photo_ids) == 1
        assert await uow.conversations.message(posted[2].id) == posted[2]
        loaded = await uow.conversations.get(c.id)
        assert loaded is not None
        loaded.mark_read(c.owner_id, posted[4])
        loaded.share_contacts(T0 + timedelta(hours=1))
        loaded.unread_emailed(Party.CAREGIVER, T0 + timedelta(hours=2))
        await uow.conversations.save(loaded)
        await uow.commit()
    async with make_uow() as uow:
        again = await uow.conversations.get(c.id)
        assert again is not None
        assert again.last_seq == 7 and again.last_message_at == T0 + timedelta(minutes=6)
        assert again.owner_side.read_seq == 6  # the owner posted number 6 itself
        assert again.contacts_shared_at == T0 + timedelta(hours=1)
        assert (again.caregiver_side.notified_seq, again.caregiver_side.notified_at) == (
            7,
            T0 + timedelta(hours=2),
        )


async def test_a_message_number_is_never_taken_twice(make_uow: UowFactory) -> None:
    [c] = await _pair(make_uow)
    first = await _post(make_uow, c.id, c.owner_id, 0)
    clash = Message(uuid4(), c.id, first.seq, c.owner_id, "again", (), T0)
    async with make_uow() as uow:
        with pytest.raises(Exception):  # noqa: B017, PT011 (a constraint, store-specific type)
            await uow.conversations.add_message(clash)


async def test_a_users_conversations_latest_activity_first(make_uow: UowFactory) -> None:
    quiet, busy, untouched = await _pair(make_uow, 3)
    await _post(make_uow, quiet.id, quiet.owner_id, 1, "first")
    await _post(make_uow, busy.id, busy.owner_id, 2)
    last = await _post(make_uow, busy.id, busy.caregiver_user_id, 3, "latest")
    async with make_uow() as uow:
        page = await uow.conversations.list_for(quiet.owner_id, 10, 0)
        assert page.total == 3
        assert [s.conversation.id for s in page.items] == [busy.id, quiet.id, untouched.id]
        top = page.items[0]
        assert top.last_message == last and top.owner_name == "An"
        assert top.caregiver_name == "Sofie" and page.items[2].last_message is None
        second = await uow.conversations.list_for(quiet.owner_id, 1, 1)
        assert [s.conversation.id for s in second.items] == [quiet.id]
        mine = await uow.conversations.list_for(busy.caregiver_user_id, 10, 0)
        assert [s.conversation.id for s in mine.items] == [busy.id]
        assert (await uow.conversations.list_for(uuid4(), 10, 0)).total == 0


async def test_unread_candidates(make_uow: UowFactory) -> None:
    a, b, c = await _pair(make_uow, 3)
    await _post(make_uow, a.id, a.owner_id, 0)  # the caregiver owes a reading
    await _post(make_uow, b.id, b.caregiver_user_id, 10)  # the owner does
    read = await _post(make_uow, c.id, c.owner_id, 0)
    async with make_uow() as uow:  # read at once: nobody owes anything
        conv = await uow.conversations.get(c.id)
        assert conv is not None
        conv.mark_read(c.caregiver_user_id, read)
        await uow.conversations.save(conv)
        await uow.commit()
    async with make_uow() as uow:
        found = await uow.conversations.unread_candidates(T0 + timedelta(minutes=20), T0, limit=10)
        assert [(f.conversation_id, f.party, f.first_unnotified_at) for f in found] == [
            (a.id, Party.CAREGIVER, T0),
            (b.id, Party.OWNER, T0 + timedelta(minutes=10)),
        ]
        # Posted too recently, or limited to one.
        early = await uow.conversations.unread_candidates(T0 + timedelta(minutes=5), T0, 10)
        assert [f.conversation_id for f in early] == [a.id]
        assert len(await uow.conversations.unread_candidates(T0 + timedelta(hours=1), T0, 1)) == 1
        # Emailed recently: not a candidate until the interval has passed.
        conv = await uow.conversations.get(a.id)
        assert conv is not None
        conv.unread_emailed(Party.CAREGIVER, T0 + timedelta(minutes=15))
        await uow.conversations.save(conv)
        await uow.commit()
    await _post(make_uow, a.id, a.owner_id, 30)
    async with make_uow() as uow:
        soon = await uow.conversations.unread_candidates(
            T0 + timedelta(minutes=50), T0 + timedelta(minutes=10), 10
        )
        assert [f.conversation_id for f in soon] == [b.id]
        later = await uow.conversations.unread_candidates(
            T0 + timedelta(minutes=80), T0 + timedelta(minutes=20), 10
        )
        assert [(f.conversation_id, f.first_unnotified_at) for f in later] == [
            (b.id, T0 + timedelta(minutes=10)),
            (a.id, T0 + timedelta(minutes=30)),
        ]
