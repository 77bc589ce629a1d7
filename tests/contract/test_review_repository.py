"""The review store, alike on memory, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from tailtribe.domain.errors import Conflict
from tailtribe.domain.model.reviews import Review
from tests.contract.conftest import UowFactory
from tests.factories import completed_walk


async def test_a_reply_read_before_another_was_stored_is_refused(make_uow: UowFactory) -> None:
    walk = completed_walk()
    now = datetime.now(UTC)
    review = Review.write(
        id=uuid4(),
        booking_id=walk.booking.id,
        caregiver_id=walk.caregiver.id,
        owner_id=walk.owner.id,
        rating=4,
        comment="Fine",
        now=now,
    )
    async with make_uow() as uow:
        await walk.store(uow)
        await uow.reviews.add(review)
        await uow.commit()
    async with make_uow() as uow:
        first, late = await uow.reviews.get(review.id), await uow.reviews.get(review.id)
    assert first is not None and late is not None

    first.answer("Thanks", now)
    async with make_uow() as uow:
        await uow.reviews.save_reply(first)
        await uow.commit()
    late.answer("Thanks again", now)  # its copy was read without the first reply
    async with make_uow() as uow:
        with pytest.raises(Conflict):
            await uow.reviews.save_reply(late)

    async with make_uow() as uow:
        stored = await uow.reviews.get(review.id)
    assert stored is not None and (stored.reply, stored.replied_at) == ("Thanks", now)
