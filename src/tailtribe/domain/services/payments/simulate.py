"""Pay without a card: the simulated provider's events for an outcome, applied as webhooks.

Only where payments are simulated (no provider key: the demo, development,
test mode). The events go through the webhook's own path, signature check and
event store included, so they are applied once in effect like any delivery.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from tailtribe.domain.errors import Conflict, NotFound
from tailtribe.domain.model.booking_payment import PaymentStatus
from tailtribe.domain.model.bookings import Booking, BookingStatus
from tailtribe.domain.model.series import BookingSeries, SeriesStatus
from tailtribe.domain.ports.payments import (
    PaymentOutcome,
    PaymentSimulator,
    SavedCard,
    WebhookDelivery,
    WebhookVerifier,
)
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.payments.apply_payment_events import ReceivePaymentEvent


class _Simulation:
    """The simulated provider's deliveries, received as the webhook receives them."""

    def __init__(
        self,
        uow: UnitOfWork,
        simulator: PaymentSimulator | None,
        verifier: WebhookVerifier,
        receive: ReceivePaymentEvent,
        clock: Clock,
    ) -> None:
        self._uow, self._simulator, self._verifier = uow, simulator, verifier
        self._receive, self._clock = receive, clock

    async def _deliver(self, deliveries: Sequence[WebhookDelivery]) -> None:
        for delivery in deliveries:
            await self._receive(self._verifier.parse(delivery.payload, delivery.signature))


class SimulatePayment(_Simulation):
    """The owner's payment step, played by the simulated provider.

    - only with the simulated provider (404 otherwise);
    - only the booking's owner (anyone else: 404, as for any booking not theirs);
    - only while the payment waits for an authorization: a request whose
      payment is pending or failed, within its payment window (409 otherwise,
      so a second success is refused rather than repeated);
    - the provider's signed deliveries are verified and received one by one,
      exactly as the webhook endpoint does, then the booking is read again.
    """

    async def __call__(self, user_id: UUID, booking_id: UUID, outcome: PaymentOutcome) -> Booking:
        if self._simulator is None:  # a real provider: the owner pays in the browser
            raise NotFound("payments are not simulated here")
        now = self._clock.now()
        booking = await self._owned(user_id, booking_id)
        intent_id = booking.payment.intent_id
        waiting = (
            booking.status is BookingStatus.REQUESTED
            and booking.payment.may_authorize()
            and now < booking.payment_deadline
        ) or (
            # An occurrence of a series whose off-session payment failed: the
            # owner confirms it until its deadline.
            booking.status is BookingStatus.ACCEPTED
            and booking.series_id is not None
            and booking.payment.status is PaymentStatus.FAILED
            and now < (booking.pay_by or booking.start)
        )
        if intent_id is None or not waiting:
            raise Conflict(
                f"the booking's payment is not waiting for authorization "
                f"(booking {booking.status.value}, payment {booking.payment.status.value})"
            )
        deliveries = await self._simulator.simulate(
            booking.id, intent_id, booking.price.total_cents, outcome, now
        )
        await self._deliver(deliveries)
        return await self._owned(user_id, booking_id)

    async def _owned(self, user_id: UUID, booking_id: UUID) -> Booking:
        async with self._uow as uow:
            booking = await uow.bookings.get(booking_id)
        if booking is None or booking.owner_id != user_id:
            raise NotFound("no such booking")
        return booking


class SimulateCardSetup(_Simulation):
    """The owner saving a card for a series, played by the simulated provider:
    `card` decides how the occurrences' off-session payments will go. Only the
    series' owner, only while the request waits for its card (409 otherwise)."""

    async def __call__(self, user_id: UUID, series_id: UUID, card: SavedCard) -> None:
        if self._simulator is None:
            raise NotFound("payments are not simulated here")
        now = self._clock.now()
        series = await self._owned(user_id, series_id)
        if (
            series.setup_intent_id is None
            or series.status is not SeriesStatus.REQUESTED
            or series.card_saved
            or now >= series.setup_deadline
        ):
            raise Conflict(
                f"the series is not waiting for a card (series {series.status.value}, "
                f"card {series.setup_status.value})"
            )
        deliveries = await self._simulator.simulate_setup(
            series.id, series.setup_intent_id, card, now
        )
        await self._deliver(deliveries)

    async def _owned(self, user_id: UUID, series_id: UUID) -> BookingSeries:
        async with self._uow as uow:
            series = await uow.series.get(series_id)
        if series is None or series.owner_id != user_id:
            raise NotFound("no such series")
        return series
