"""The parties' lists of bookings: read models, no aggregate and no transaction."""

from __future__ import annotations

from tailtribe.domain.errors import Forbidden
from tailtribe.domain.model.bookings import BookingStatus
from tailtribe.domain.model.users import Role
from tailtribe.domain.ports.queries import BookingQueries, BookingView
from tailtribe.domain.ports.storage import Page
from tailtribe.domain.services.terms import Actor


class ListBookings:
    """The actor's bookings as owner (default) or as caregiver, newest first;
    403 for the caregiver's list without a caregiver profile."""

    def __init__(self, queries: BookingQueries) -> None:
        self._queries = queries

    async def __call__(
        self, actor: Actor, role: str | None, status: BookingStatus | None, limit: int, offset: int
    ) -> Page[BookingView]:
        if role == "caregiver":
            page = (
                await self._queries.of_caregiver_user(actor.user_id, status, limit, offset)
                if Role.CAREGIVER in actor.roles
                else None
            )
            if page is None:
                raise Forbidden("you are not a caregiver")
            return page
        return await self._queries.of_owner(actor.user_id, status, limit, offset)
