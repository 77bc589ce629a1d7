from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, post
from litestar.channels import ChannelsPlugin
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK

from tailtribe.domain.model.bookings import BookingStatus
from tailtribe.domain.services.bookings.lifecycle import BookingLifecycle
from tailtribe.domain.services.bookings.list_bookings import ListBookings
from tailtribe.domain.services.bookings.request import BookingRequest, QuoteBooking, RequestBooking
from tailtribe.domain.services.payments.disputes import ManageDisputes
from tailtribe.domain.services.payments.simulate import SimulatePayment
from tailtribe.domain.services.reviews.manage_reviews import ManageReviews
from tailtribe.domain.services.series.request import QuoteSeries, SeriesRequest
from tailtribe.domain.services.terms import Actor
from tailtribe.entrypoints.http.auth import Req, current_user
from tailtribe.entrypoints.http.live import publish
from tailtribe.entrypoints.http.schemas.bookings import (
    BookingBody,
    BookingList,
    BookingOut,
    CancelBody,
    DisputeBody,
    PriceOut,
    ReplyBody,
    ReviewBody,
    ReviewOut,
    SimulatedPaymentBody,
)
from tailtribe.entrypoints.http.schemas.common import DEFAULT_LIMIT, Limit, Offset
from tailtribe.entrypoints.http.schemas.series import QuoteBody, QuoteOut


def actor(request: Req) -> Actor:
    user = current_user(request)
    return Actor(user.id, user.roles)


def out(request: Req, booking: Any, refund: int | None = None) -> BookingOut:
    return BookingOut.of(
        booking, for_owner=booking.owner_id == current_user(request).id, refund=refund
    )


class QuoteController(Controller):
    path = "/api/v1/quotes"
    tags = ("Bookings",)

    @post(operation_id="quote", status_code=HTTP_200_OK)
    @inject
    async def quote(
        self,
        request: Req,
        data: JSONBody[QuoteBody],
        one: FromDishka[QuoteBooking],
        series: FromDishka[QuoteSeries],
    ) -> QuoteOut:
        owner = current_user(request).id
        period = data.shape()  # refuses a mix of the two forms
        if period is None and data.repeat is not None:
            asked = SeriesRequest(
                data.caregiver_id, data.service, tuple(data.pet_ids), data.repeat.pattern()
            )
            return QuoteOut.of_series(await series(owner, asked))
        assert period is not None
        single = BookingRequest(data.caregiver_id, data.service, tuple(data.pet_ids), *period)
        return QuoteOut.of_one(PriceOut.of(await one(owner, single)))


class BookingController(Controller):
    path = "/api/v1/bookings"
    tags = ("Bookings",)

    @post(operation_id="create_booking")
    @inject
    async def create(
        self,
        request: Req,
        data: JSONBody[BookingBody],
        use_case: FromDishka[RequestBooking],
        channels: NamedDependency[ChannelsPlugin],
    ) -> BookingOut:
        requested = await use_case(current_user(request).id, data.request())
        if requested.message is not None:  # it joined the pair's conversation: live too
            publish(channels, requested.message)
        return out(request, requested.booking)

    @get(operation_id="list_bookings")
    @inject
    async def list_bookings(
        self,
        request: Req,
        bookings: FromDishka[ListBookings],
        role: Annotated[
            Literal["owner", "caregiver"] | None,
            Parameter(
                description="owner: the bookings you made; caregiver: the bookings made with "
                "you (403 without a caregiver profile). Default: caregiver for a caregiver "
                "who never booked as an owner, owner for everyone else (someone who is both "
                "keeps owner: pass role=caregiver for the other list)",
            ),
        ] = None,
        status: FromQuery[BookingStatus | None] = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> BookingList:
        page = await bookings(actor(request), role, status, limit, offset)
        me = current_user(request).id
        items = [BookingOut.of_view(b, for_owner=b.owner_id == me) for b in page.items]
        return BookingList(items, page.total, limit, offset)

    @get("/{booking_id:uuid}", operation_id="get_booking")
    @inject
    async def get_booking(
        self, request: Req, booking_id: FromPath[UUID], bookings: FromDishka[BookingLifecycle]
    ) -> BookingOut:
        return out(request, await bookings.get(actor(request), booking_id))

    @post("/{booking_id:uuid}/accept", operation_id="accept_booking", status_code=HTTP_200_OK)
    @inject
    async def accept(
        self, request: Req, booking_id: FromPath[UUID], bookings: FromDishka[BookingLifecycle]
    ) -> BookingOut:
        return out(request, await bookings.accept(actor(request), booking_id))

    @post("/{booking_id:uuid}/decline", operation_id="decline_booking", status_code=HTTP_200_OK)
    @inject
    async def decline(
        self, request: Req, booking_id: FromPath[UUID], bookings: FromDishka[BookingLifecycle]
    ) -> BookingOut:
        return out(request, await bookings.decline(actor(request), booking_id))

    @post("/{booking_id:uuid}/cancel", operation_id="cancel_booking", status_code=HTTP_200_OK)
    @inject
    async def cancel(
        self,
        request: Req,
        booking_id: FromPath[UUID],
        bookings: FromDishka[BookingLifecycle],
        data: JSONBody[CancelBody | None] = None,
    ) -> BookingOut:
        booking, refund = await bookings.cancel(
            actor(request), booking_id, data.reason if data else None
        )
        return out(request, booking, refund)

    @post("/{booking_id:uuid}/complete", operation_id="complete_booking", status_code=HTTP_200_OK)
    @inject
    async def complete(
        self, request: Req, booking_id: FromPath[UUID], bookings: FromDishka[BookingLifecycle]
    ) -> BookingOut:
        return out(request, await bookings.complete(actor(request), booking_id))

    @post("/{booking_id:uuid}/dispute", operation_id="dispute_booking", status_code=HTTP_200_OK)
    @inject
    async def dispute(
        self,
        request: Req,
        booking_id: FromPath[UUID],
        data: JSONBody[DisputeBody],
        disputes: FromDishka[ManageDisputes],
    ) -> BookingOut:
        return out(request, await disputes.open(actor(request), booking_id, data.reason))

    @post("/{booking_id:uuid}/review", operation_id="review_booking")
    @inject
    async def review(
        self,
        request: Req,
        booking_id: FromPath[UUID],
        data: JSONBody[ReviewBody],
        reviews: FromDishka[ManageReviews],
    ) -> ReviewOut:
        return ReviewOut.of(
            await reviews.review(actor(request), booking_id, data.rating, data.comment)
        )


class SimulatedPaymentController(Controller):
    """Registered only while payments are simulated (no STRIPE_SECRET_KEY): 404 otherwise."""

    path = "/api/v1/bookings"
    tags = ("Bookings",)

    @post(
        "/{booking_id:uuid}/simulated-payment",
        operation_id="simulate_payment",
        status_code=HTTP_200_OK,
    )
    @inject
    async def simulate_payment(
        self,
        request: Req,
        booking_id: FromPath[UUID],
        data: JSONBody[SimulatedPaymentBody],
        simulate: FromDishka[SimulatePayment],
    ) -> BookingOut:
        return out(request, await simulate(current_user(request).id, booking_id, data.outcome))


class ReviewController(Controller):
    path = "/api/v1/reviews"
    tags = ("Reviews",)

    @post("/{review_id:uuid}/reply", operation_id="reply_to_review")
    @inject
    async def reply(
        self,
        request: Req,
        review_id: FromPath[UUID],
        data: JSONBody[ReplyBody],
        reviews: FromDishka[ManageReviews],
    ) -> ReviewOut:
        return ReviewOut.of(await reviews.reply(actor(request), review_id, data.comment))
