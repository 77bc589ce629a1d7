"""Admins look bookings up: by id, owner, caregiver, status, series and start date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID

from tailtribe.domain.errors import FieldError, InvalidInput, NotFound
from tailtribe.domain.model.bookings import Booking, BookingStatus
from tailtribe.domain.model.caregivers import Caregiver
from tailtribe.domain.model.time import BRUSSELS
from tailtribe.domain.model.users import User
from tailtribe.domain.ports.storage import Page, UnitOfWork


@dataclass(frozen=True, slots=True)
class BookingSearch:
    """Every given criterion must hold. `owner` is an email address or a user
    id; `caregiver` a profile id, its user's id or its user's email address;
    the days are Brussels days, both included."""

    owner: str | None = None
    caregiver: str | None = None
    status: BookingStatus | None = None
    series_id: UUID | None = None
    first_day: date | None = None
    last_day: date | None = None


@dataclass(frozen=True, slots=True)
class Parties:
    owner: User | None
    caregiver: Caregiver | None


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=BRUSSELS)


class FindBookings:
    """Read only. A party that matches nobody gives an empty page, not an
    error: the search says "none found" either way."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, search: BookingSearch, limit: int, offset: int) -> Page[Booking]:
        if search.first_day and search.last_day and search.first_day > search.last_day:
            raise InvalidInput(
                "the first day is after the last", [FieldError("from", "after the last day")]
            )
        async with self._uow as uow:
            owner_id = caregiver_id = None
            if search.owner:
                owner_id = await self._owner(uow, search.owner.strip())
                if owner_id is None:
                    return Page([], 0)
            if search.caregiver:
                caregiver_id = await self._caregiver(uow, search.caregiver.strip())
                if caregiver_id is None:
                    return Page([], 0)
            return await uow.bookings.list_for(
                owner_id=owner_id,
                caregiver_id=caregiver_id,
                status=search.status,
                limit=limit,
                offset=offset,
                series_id=search.series_id,
                starts_from=None if search.first_day is None else _start_of(search.first_day),
                starts_before=(
                    None
                    if search.last_day is None
                    else _start_of(search.last_day + timedelta(days=1))
                ),
            )

    async def one(self, booking_id: UUID) -> tuple[Booking, Parties]:
        async with self._uow as uow:
            booking = await uow.bookings.get(booking_id)
            if booking is None:
                raise NotFound("no such booking")
            owner = await uow.users.get(booking.owner_id)
            caregiver = await uow.caregivers.find(booking.caregiver_id)
        return booking, Parties(owner, caregiver)

    @staticmethod
    async def _owner(uow: UnitOfWork, text: str) -> UUID | None:
        if (user_id := _uuid(text)) is not None:
            return user_id
        user = await uow.users.get_by_email(text.lower())
        return None if user is None else user.id

    @staticmethod
    async def _caregiver(uow: UnitOfWork, text: str) -> UUID | None:
        if (some_id := _uuid(text)) is not None:
            found = await uow.caregivers.find(some_id) or await uow.caregivers.get_by_user(some_id)
        else:
            user = await uow.users.get_by_email(text.lower())
            found = None if user is None else await uow.caregivers.get_by_user(user.id)
        return None if found is None else found.id
