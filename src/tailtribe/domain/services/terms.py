"""The marketplace's terms and who is asking: shared by the use cases of every feature."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from tailtribe.domain.errors import NotFound
from tailtribe.domain.model.bookings import Booking
from tailtribe.domain.model.cancellation import Canceller
from tailtribe.domain.model.money import CommissionRate
from tailtribe.domain.model.users import Role
from tailtribe.domain.ports.storage import UnitOfWork


@dataclass(frozen=True, slots=True)
class MarketplaceTerms:
    commission: CommissionRate
    dispute_window: timedelta


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: UUID
    roles: frozenset[Role]

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles


@dataclass(frozen=True, slots=True)
class Access:
    """A booking and the part the actor plays in it."""

    booking: Booking
    as_owner: bool
    as_caregiver: bool
    as_admin: bool

    @property
    def canceller(self) -> Canceller:
        if self.as_owner:
            return Canceller.OWNER
        return Canceller.CAREGIVER if self.as_caregiver else Canceller.ADMIN


async def caregiver_id_of(uow: UnitOfWork, actor: Actor) -> UUID | None:
    if Role.CAREGIVER not in actor.roles:
        return None
    caregiver = await uow.caregivers.get_by_user(actor.user_id)
    return None if caregiver is None else caregiver.id


async def access(uow: UnitOfWork, actor: Actor, booking_id: UUID) -> Access:
    """The booking if the actor is a party or an admin; NotFound for anyone else."""
    booking = await uow.bookings.get(booking_id)
    if booking is not None:
        as_owner = booking.owner_id == actor.user_id
        as_caregiver = booking.caregiver_id == await caregiver_id_of(uow, actor)
        if as_owner or as_caregiver or actor.is_admin:
            return Access(booking, as_owner, as_caregiver, actor.is_admin)
    raise NotFound("no such booking")


def idempotency_key(booking: Booking, step: str) -> str:
    """One key per booking and money step: a retried step never moves money twice."""
    return f"booking:{booking.id}:{step}"
