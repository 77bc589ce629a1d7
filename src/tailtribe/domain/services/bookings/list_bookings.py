"""The parties' lists of bookings: read models, no aggregate and no transaction."""

from __future__ import annotations

from tailtribe.domain.errors import Forbidden
from tailtribe.domain.model.bookings import BookingStatus
from tailtribe.domain.model.users import Role
from tailtribe.domain.ports.queries import BookingQueries, BookingView
from tailtribe.domain.ports.storage import Page
from tailtribe.domain.services.terms import Actor


class ListBookings:
    """The actor's bookings as owner or as caregiver, newest first; 403 for the
    caregiver's list without a caregiver profile.

    Without a role, the list follows the caller: a caregiver who never booked
    as an owner gets the bookings made with them (every account is an owner
    too, so the owner's list would always be empty for them); anyone who has
    booked as an owner, caregivers included, gets that list, as before.
    """

    def __init__(self, queries: BookingQueries) -> None:
        self._queries = queries

    async def __call__(
        self, actor: Actor, role: str | None, status: BookingStatus | None, limit: int, offset: int
    ) -> Page[BookingView]:
        if role is None:
            return await self._default(actor, status, limit, offset)
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

    async def _default(
        self, actor: Actor, status: BookingStatus | None, limit: int, offset: int
    ) -> Page[BookingView]:
        if Role.CAREGIVER in actor.roles:
            booked = await self._queries.of_owner(actor.user_id, None, 1, 0)
            if not booked.total:
                page = await self._queries.of_caregiver_user(actor.user_id, status, limit, offset)
                if page is not None:  # None: no profile, so the (empty) owner's list
                    return page
        return await self._queries.of_owner(actor.user_id, status, limit, offset)
