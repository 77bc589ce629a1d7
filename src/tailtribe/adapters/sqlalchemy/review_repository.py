from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy.mapping import RowMapper
from tailtribe.adapters.sqlalchemy.tables import ReviewRow
from tailtribe.domain.errors import Conflict
from tailtribe.domain.model.reviews import Rating, Review
from tailtribe.domain.ports.storage import Page

REVIEW_ROW = RowMapper(Review)


def _review(row: ReviewRow) -> Review:
    return REVIEW_ROW.load(row)


class SqlReviewRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, review: Review) -> None:
        self._session.add(REVIEW_ROW.dump(review, ReviewRow()))
        try:
            await self._session.flush()
        except IntegrityError as exc:  # one review per booking, even under a race
            raise Conflict("this booking has a review already") from exc

    async def get(self, review_id: UUID) -> Review | None:
        row = await self._session.get(ReviewRow, review_id)
        return None if row is None else _review(row)

    async def save_reply(self, review: Review) -> None:
        # Conditional: of two concurrent replies, the second waits for the
        # first's row lock, then finds a reply and updates nothing.
        result = await self._session.execute(
            update(ReviewRow)
            .where(ReviewRow.id == review.id, ReviewRow.reply.is_(None))
            .values(reply=review.reply, replied_at=review.replied_at)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) != 1:
            if await self._session.get(ReviewRow, review.id) is None:
                raise LookupError(f"review {review.id} is not stored")
            raise Conflict("this review has a reply already")

    async def list_for_caregiver(self, caregiver_id: UUID, limit: int, offset: int) -> Page[Review]:
        where = ReviewRow.caregiver_id == caregiver_id
        total = await self._session.scalar(select(func.count()).select_from(ReviewRow).where(where))
        rows = await self._session.scalars(
            select(ReviewRow)
            .where(where)
            .order_by(ReviewRow.created_at.desc(), ReviewRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return Page([_review(r) for r in rows], total or 0)

    async def rating(self, caregiver_id: UUID) -> Rating:
        row = (
            await self._session.execute(
                select(func.avg(ReviewRow.rating), func.count()).where(
                    ReviewRow.caregiver_id == caregiver_id
                )
            )
        ).one()
        average, count = row
        return Rating.of(average, int(count))

    async def of_bookings(self, booking_ids: Sequence[UUID]) -> Sequence[Review]:
        if not booking_ids:
            return []
        rows = await self._session.scalars(
            select(ReviewRow)
            .where(ReviewRow.booking_id.in_(list(booking_ids)))
            .order_by(ReviewRow.created_at, ReviewRow.id)
        )
        return [_review(r) for r in rows]
