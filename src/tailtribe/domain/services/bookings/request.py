"""Quotes and booking requests: every check of docs/rules.md, then a price frozen on the booking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from tailtribe.domain.errors import FieldError, InvalidInput, NotFound, SlotTaken
from tailtribe.domain.model.availability import Occupancy, fits
from tailtribe.domain.model.bookings import Booking
from tailtribe.domain.model.caregivers import Caregiver
from tailtribe.domain.model.notifications import Party
from tailtribe.domain.model.pricing import Quote, Service, quote, validate_period
from tailtribe.domain.model.users import clean_text
from tailtribe.domain.ports.payments import PaymentGateway
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock, IdGenerator
from tailtribe.domain.services.conversations.manage_conversations import (
    Posted,
    pair_conversation,
    post_message,
)
from tailtribe.domain.services.outbox import Outbox
from tailtribe.domain.services.terms import MarketplaceTerms, idempotency_key

MAX_MESSAGE = 2000


@dataclass(frozen=True, slots=True)
class BookingRequest:
    caregiver_id: UUID
    service: Service
    pet_ids: tuple[UUID, ...]
    start: datetime
    end: datetime
    message: str | None = None


def _refuse(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, [FieldError(field, message)])


async def checked_quote(
    uow: UnitOfWork,
    terms: MarketplaceTerms,
    owner_id: UUID,
    request: BookingRequest,
    now: datetime,
    *,
    lock: bool,
) -> tuple[Caregiver, Quote]:
    """Everything a request must satisfy before capacity; the price it would have.
    With `lock`, the caregiver stays locked until the transaction ends (the
    calendar lock a booking takes); a quote only looks."""
    caregivers = uow.caregivers
    caregiver = await (caregivers.get if lock else caregivers.find)(request.caregiver_id)
    if caregiver is None or not caregiver.bookable:
        raise NotFound("no such caregiver")
    if caregiver.user_id == owner_id:
        raise _refuse("caregiver_id", "you cannot book yourself")
    price = caregiver.price_for(request.service)
    if price is None:
        raise _refuse("service", "the caregiver does not offer this service")
    validate_period(request.service, request.start, request.end)
    if request.start <= now:
        raise _refuse("start", "a booking starts in the future")
    if not request.pet_ids or len(set(request.pet_ids)) != len(request.pet_ids):
        raise _refuse("pet_ids", "name each pet once")
    for pet_id in request.pet_ids:
        pet = await uow.pets.get(pet_id)
        # Someone else's pet is as unknown as a missing one.
        if pet is None or pet.owner_id != owner_id or not pet.active:
            raise _refuse("pet_ids", f"unknown pet {pet_id}")
        if pet.details.species not in caregiver.profile.accepted_species:
            raise _refuse("pet_ids", f"the caregiver does not take {pet.details.species.value}s")
    if len(request.pet_ids) > caregiver.profile.max_pets:
        raise _refuse("pet_ids", f"the caregiver takes at most {caregiver.profile.max_pets} pets")
    if not caregiver.availability.allows(request.service, request.start, request.end):
        raise _refuse("start", "outside the caregiver's availability")
    return caregiver, quote(
        price, len(request.pet_ids), request.start, request.end, terms.commission
    )


def message_text(text: str | None) -> str | None:
    if text is None:
        return None
    return clean_text(text, "message", max_length=MAX_MESSAGE, multiline=True) or None


class QuoteBooking:
    """What a booking would cost, with every check a request gets except capacity."""

    def __init__(self, uow: UnitOfWork, terms: MarketplaceTerms, clock: Clock) -> None:
        self._uow, self._terms, self._clock = uow, terms, clock

    async def __call__(self, owner_id: UUID, request: BookingRequest) -> Quote:
        async with self._uow as uow:
            _, price = await checked_quote(
                uow, self._terms, owner_id, request, self._clock.now(), lock=False
            )
        return price


@dataclass(frozen=True, slots=True)
class Requested:
    booking: Booking
    message: Posted | None  # the request's message, posted to the pair's conversation


class RequestBooking:
    """Create a booking request and its payment hold.

    - every check of `checked_quote`, then capacity under the caregiver's
      calendar lock (409 when taken; the database refuses overlaps too);
    - the price is computed here and frozen on the booking;
    - a PaymentIntent (manual capture) is created with a key derived from
      the booking, so a retried request never creates a second one.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        gateway: PaymentGateway,
        terms: MarketplaceTerms,
        outbox: Outbox,
        ids: IdGenerator,
        clock: Clock,
    ) -> None:
        self._uow, self._gateway, self._terms = uow, gateway, terms
        self._outbox, self._ids, self._clock = outbox, ids, clock

    async def __call__(self, owner_id: UUID, request: BookingRequest) -> Requested:
        now = self._clock.now()
        posted = None
        async with self._uow as uow:
            caregiver, price = await checked_quote(
                uow, self._terms, owner_id, request, now, lock=True
            )
            await uow.bookings.lock_calendar(caregiver.id)
            # After the caregiver's row, as an erasure takes them: an owner
            # erased meanwhile is refused, or the erasure waits and sees this.
            if not await uow.privacy.hold_account(owner_id):
                raise NotFound("no such account")
            claim = Occupancy(request.service, request.start, request.end, len(request.pet_ids))
            taken = await uow.bookings.active_overlapping(caregiver.id, request.start, request.end)
            if not fits(claim, taken, caregiver.profile.max_pets):
                # Name the clash: an open meet-and-greet holds the time like a walk.
                if await uow.meet_and_greets.open_overlapping(
                    caregiver.id, request.start, request.end
                ):
                    raise SlotTaken("the caregiver has a meet-and-greet at that time")
                raise SlotTaken("the caregiver is booked at that time")
            booking = Booking.request(
                id=self._ids.new_id(),
                owner_id=owner_id,
                caregiver_id=caregiver.id,
                service=request.service,
                pet_ids=request.pet_ids,
                start=request.start,
                end=request.end,
                price=price,
                rate=self._terms.commission,
                policy=caregiver.profile.cancellation_policy,
                now=now,
                message=message_text(request.message),
            )
            # The request joins the pair's conversation, its message too.
            conversation = await pair_conversation(
                uow, self._ids, self._clock, owner_id, caregiver.id, caregiver.user_id
            )
            booking.conversation_id = conversation.id
            if booking.message:
                posted = await post_message(
                    uow, self._ids, self._clock, conversation, owner_id, booking.message
                )
                conversation.announced_elsewhere(Party.CAREGIVER)  # the request's email tells
                await uow.conversations.save(conversation)
            # The hold before the row: the booking is written once, with its
            # intent. The calendar lock and the capacity check above already
            # decided the slot; the database's overlap refusal stays the backstop.
            intent = await self._gateway.create_payment_intent(
                booking.id, price.total_cents, idempotency_key(booking, "payment-intent")
            )
            booking.attach_payment(intent.id, intent.client_secret)
            await uow.bookings.add(booking)
            await self._outbox.publish(uow, [booking])
            await uow.commit()
        return Requested(booking, posted)
