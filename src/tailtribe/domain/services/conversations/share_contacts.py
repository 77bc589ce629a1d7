"""Contacts flow once a booking is accepted: a reaction to `BookingAccepted`."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from tailtribe.domain.model.events import BookingAccepted, SeriesAccepted
from tailtribe.domain.ports.storage import UnitOfWork


async def share_contacts(uow: UnitOfWork, event: BookingAccepted) -> None:
    """In the transaction that accepts: the pair may exchange contact details
    exactly when the booking is accepted, never before and never lost."""
    booking = await uow.bookings.get(event.booking_id)
    if booking is not None:
        await _share(uow, booking.conversation_id, event.occurred_at)


async def share_series_contacts(uow: UnitOfWork, event: SeriesAccepted) -> None:
    """A weekly series accepted is as good as a booking accepted: the pair's
    conversation shares contacts in the transaction that accepts it."""
    series = await uow.series.get(event.series_id)
    if series is not None:
        await _share(uow, series.conversation_id, event.occurred_at)


async def _share(uow: UnitOfWork, conversation_id: UUID | None, at: datetime) -> None:
    if conversation_id is None:
        return
    conversation = await uow.conversations.get(conversation_id)
    if conversation is not None:
        conversation.share_contacts(at)
        await uow.conversations.save(conversation)
