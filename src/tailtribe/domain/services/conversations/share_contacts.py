"""Contacts flow once a booking is accepted: a reaction to `BookingAccepted`."""

from __future__ import annotations

from tailtribe.domain.model.events import BookingAccepted, SeriesAccepted
from tailtribe.domain.ports.storage import UnitOfWork


async def share_contacts(uow: UnitOfWork, event: BookingAccepted) -> None:
    """In the transaction that accepts: the pair may exchange contact details
    exactly when the booking is accepted, never before and never lost."""
    booking = await uow.bookings.get(event.booking_id)
    if booking is None or booking.conversation_id is None:
        return
    conversation = await uow.conversations.get(booking.conversation_id)
    if conversation is not None:
        conversation.share_contacts(event.occurred_at)
        await uow.conversations.save(conversation)


async def share_series_contacts(uow: UnitOfWork, event: SeriesAccepted) -> None:
    """A weekly series accepted is as good as a booking accepted: the pair's
    conversation shares contacts in the transaction that accepts it."""
    series = await uow.series.get(event.series_id)
    if series is None or series.conversation_id is None:
        return
    conversation = await uow.conversations.get(series.conversation_id)
    if conversation is not None:
        conversation.share_contacts(event.occurred_at)
        await uow.conversations.save(conversation)
