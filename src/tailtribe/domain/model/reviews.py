"""Reviews: one per completed booking, by its owner; one reply by the caregiver."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import SupportsFloat
from uuid import UUID

from tailtribe.domain.errors import Conflict, FieldError, InvalidInput
from tailtribe.domain.model.users import clean_text

MAX_REVIEW_TEXT = 2000


def _text(value: str, field: str) -> str:
    # Stored as given (trimmed); escaping is the job of whatever renders it.
    return clean_text(value, field, max_length=MAX_REVIEW_TEXT, multiline=True)


@dataclass(eq=False)
class Review:
    id: UUID
    booking_id: UUID
    caregiver_id: UUID
    owner_id: UUID
    rating: int
    comment: str
    created_at: datetime
    reply: str | None = None
    replied_at: datetime | None = None

    @classmethod
    def write(
        cls,
        *,
        id: UUID,
        booking_id: UUID,
        caregiver_id: UUID,
        owner_id: UUID,
        rating: int,
        comment: str,
        now: datetime,
    ) -> Review:
        if type(rating) is not int or not 1 <= rating <= 5:
            raise InvalidInput("a rating is 1 to 5 stars", [FieldError("rating", "1..5")])
        return cls(id, booking_id, caregiver_id, owner_id, rating, _text(comment, "comment"), now)

    def answer(self, comment: str, now: datetime) -> None:
        if self.reply is not None:
            raise Conflict("this review has a reply already")
        text = _text(comment, "comment")
        if not text:
            raise InvalidInput("a reply needs text", [FieldError("comment", "required")])
        self.reply = text
        self.replied_at = now


@dataclass(frozen=True, slots=True)
class Rating:
    """The mean of a caregiver's reviews (None without any) and their count."""

    average: float | None
    count: int

    @classmethod
    def of(cls, average: SupportsFloat | None, count: int) -> Rating:
        """From a store's mean (any number type) and count: rounded to cents of
        a star, and no mean without reviews."""
        if not count or average is None:
            return cls(None, 0)
        return cls(round(float(average), 2), int(count))
