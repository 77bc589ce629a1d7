"""Reviews after a completed booking, the caregiver's reply, and ratings."""

from __future__ import annotations

from uuid import UUID

from tailtribe.domain.errors import Conflict, Forbidden, NotFound
from tailtribe.domain.model.bookings import BookingStatus
from tailtribe.domain.model.reviews import Rating, Review
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock, IdGenerator
from tailtribe.domain.services.terms import Actor, access, caregiver_id_of

_REVIEWABLE = (BookingStatus.COMPLETED, BookingStatus.DISPUTED)


class ManageReviews:
    """- only the booking's owner reviews, once, after completion (409 otherwise);
    - only the reviewed caregiver replies, once;
    - reviews and ratings are public for approved caregivers.
    """

    def __init__(self, uow: UnitOfWork, ids: IdGenerator, clock: Clock) -> None:
        self._uow, self._ids, self._clock = uow, ids, clock

    async def review(self, actor: Actor, booking_id: UUID, rating: int, comment: str) -> Review:
        async with self._uow as uow:
            found = await access(uow, actor, booking_id)
            if not found.as_owner:
                raise Forbidden("only the booking's owner can review it")
            booking = found.booking
            if booking.status not in _REVIEWABLE:
                raise Conflict("a booking is reviewed after it is completed")
            if booking.series_id is not None:
                # A weekly series is reviewed once, on any completed occurrence:
                # the series' row lock keeps two occurrences' reviews apart.
                await uow.series.get(booking.series_id)
                siblings = [b.id for b in await uow.bookings.of_series(booking.series_id)]
                if await uow.reviews.of_bookings(siblings):
                    raise Conflict("a weekly series is reviewed once, and this one is")
            review = Review.write(
                id=self._ids.new_id(),
                booking_id=booking.id,
                caregiver_id=booking.caregiver_id,
                owner_id=booking.owner_id,
                rating=rating,
                comment=comment,
                now=self._clock.now(),
            )
            await uow.reviews.add(review)
            await uow.commit()
        return review

    async def reply(self, actor: Actor, review_id: UUID, comment: str) -> Review:
        async with self._uow as uow:
            review = await uow.reviews.get(review_id)
            if review is None or review.caregiver_id != await caregiver_id_of(uow, actor):
                raise NotFound("no such review")
            review.answer(comment, self._clock.now())
            # The check above read the review without a lock: the store refuses
            # a second reply that raced it.
            await uow.reviews.save_reply(review)
            await uow.commit()
        return review

    async def rating(self, caregiver_id: UUID) -> Rating:
        async with self._uow as uow:
            return await uow.reviews.rating(caregiver_id)
