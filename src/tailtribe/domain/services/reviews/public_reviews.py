"""A caregiver's reviews as anyone reads them."""

from __future__ import annotations

from uuid import UUID

from tailtribe.domain.errors import NotFound
from tailtribe.domain.model.caregivers import bookable
from tailtribe.domain.model.reviews import Review
from tailtribe.domain.ports.queries import CaregiverQueries
from tailtribe.domain.ports.storage import Page


class ListPublicReviews:
    """An approved caregiver's reviews, newest first (404 for any other caregiver)."""

    def __init__(self, queries: CaregiverQueries) -> None:
        self._queries = queries

    async def __call__(self, caregiver_id: UUID, limit: int, offset: int) -> Page[Review]:
        found = await self._queries.reviews(caregiver_id, limit, offset)
        if found is None or not bookable(found.status):
            raise NotFound("no such caregiver")
        return found.page
