"""The data export repository, on memory, SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from tailtribe.domain.model.exports import DataExport, ExportStatus
from tailtribe.domain.model.reviews import Review
from tailtribe.domain.model.users import Locale, User
from tests.contract.conftest import UowFactory
from tests.factories import completed_walk

T = datetime(2026, 12, 1, 9, tzinfo=UTC)


async def _user(make_uow: UowFactory) -> UUID:
    user = User.register(
        id=uuid4(),
        email=f"{uuid4().hex[:8]}@example.be",
        full_name="An",
        password_hash=None,
        locale=Locale.EN,
        now=T,
    )
    async with make_uow() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user.id


async def test_exports_are_stored_listed_and_found_by_the_jobs(make_uow: UowFactory) -> None:
    user_id, other = await _user(make_uow), await _user(make_uow)
    first = DataExport(uuid4(), user_id, T)
    second = DataExport(uuid4(), user_id, T + timedelta(hours=25), requested_by=other)
    theirs = DataExport(uuid4(), other, T + timedelta(hours=1))
    async with make_uow() as uow:
        await uow.exports.lock_user(user_id)
        for export in (first, second, theirs):
            await uow.exports.add(export)
        await uow.commit()
    async with make_uow() as uow:
        assert [e.id for e in await uow.exports.of_user(user_id)] == [second.id, first.id]
        assert list(await uow.exports.pending(2)) == [first.id, theirs.id]
        assert list(await uow.exports.expiring(T + timedelta(days=9), 10)) == []
        stored = await uow.exports.get(second.id)
        assert stored is not None and stored.requested_by == other
        stored.mark_ready(T + timedelta(hours=26), 1234)
        await uow.exports.save(stored)
        await uow.commit()
    async with make_uow() as uow:
        ready = await uow.exports.get(second.id)
        assert ready is not None
        assert (ready.status, ready.size_bytes) == (ExportStatus.READY, 1234)
        assert ready.ready_at == T + timedelta(hours=26)
        assert ready.expires_at == T + timedelta(hours=50)
        assert ready.object_key == f"private/exports/{second.id}.zip"
        assert list(await uow.exports.expiring(T + timedelta(hours=49), 10)) == []
        assert list(await uow.exports.expiring(T + timedelta(hours=50), 10)) == [second.id]
        assert list(await uow.exports.pending(10)) == [first.id, theirs.id]
        assert await uow.exports.get(uuid4()) is None


async def test_reviews_are_found_by_their_bookings(make_uow: UowFactory) -> None:
    walk = completed_walk()
    review = Review.write(
        id=uuid4(),
        booking_id=walk.booking.id,
        caregiver_id=walk.caregiver.id,
        owner_id=walk.owner.id,
        rating=5,
        comment="Top",
        now=T,
    )
    async with make_uow() as uow:
        await walk.store(uow)
        await uow.reviews.add(review)
        await uow.commit()
    async with make_uow() as uow:
        assert list(await uow.reviews.of_bookings([])) == []
        assert list(await uow.reviews.of_bookings([uuid4()])) == []
        [found] = await uow.reviews.of_bookings([uuid4(), walk.booking.id])
        assert (found.id, found.rating, found.comment) == (review.id, 5, "Top")
