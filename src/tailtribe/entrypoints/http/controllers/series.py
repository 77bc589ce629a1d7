from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, post
from litestar.channels import ChannelsPlugin
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK

from tailtribe.domain.model.users import Role
from tailtribe.domain.services.payments.simulate import SimulateCardSetup
from tailtribe.domain.services.series.manage import ManageSeries, SeriesView
from tailtribe.domain.services.series.request import RequestSeries
from tailtribe.entrypoints.http.auth import Req, current_user
from tailtribe.entrypoints.http.controllers.bookings import actor
from tailtribe.entrypoints.http.live import publish
from tailtribe.entrypoints.http.schemas.common import DEFAULT_LIMIT, Limit, Offset
from tailtribe.entrypoints.http.schemas.series import (
    SeriesBody,
    SeriesCancelBody,
    SeriesList,
    SeriesOut,
    SimulatedCardBody,
)


def out(request: Req, view: SeriesView, **extra: int) -> SeriesOut:
    mine = view.series.owner_id == current_user(request).id
    return SeriesOut.of(view, for_owner=mine, **extra)


class SeriesController(Controller):
    path = "/api/v1/booking-series"
    tags = ("Booking series",)

    @post(operation_id="create_series")
    @inject
    async def create(
        self,
        request: Req,
        data: JSONBody[SeriesBody],
        use_case: FromDishka[RequestSeries],
        channels: NamedDependency[ChannelsPlugin],
    ) -> SeriesOut:
        requested = await use_case(current_user(request).id, data.request())
        if requested.message is not None:  # it joined the pair's conversation: live too
            publish(channels, requested.message)
        return out(request, SeriesView(requested.series, requested.occurrences))

    @get(operation_id="list_series")
    @inject
    async def list_series(
        self,
        request: Req,
        series: FromDishka[ManageSeries],
        role: Annotated[
            Literal["owner", "caregiver"] | None,
            Parameter(
                description="owner: the series you asked for; caregiver: the series asked of "
                "you. Default: caregiver for a caregiver, owner for everyone else."
            ),
        ] = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> SeriesList:
        who = actor(request)
        as_caregiver = role == "caregiver" if role is not None else Role.CAREGIVER in who.roles
        page = await series.list_series(who, as_caregiver, limit, offset)
        return SeriesList([out(request, v) for v in page.items], page.total, limit, offset)

    @get("/{series_id:uuid}", operation_id="get_series")
    @inject
    async def get_series(
        self, request: Req, series_id: FromPath[UUID], series: FromDishka[ManageSeries]
    ) -> SeriesOut:
        return out(request, await series.get(actor(request), series_id))

    @post("/{series_id:uuid}/accept", operation_id="accept_series", status_code=HTTP_200_OK)
    @inject
    async def accept(
        self, request: Req, series_id: FromPath[UUID], series: FromDishka[ManageSeries]
    ) -> SeriesOut:
        return out(request, await series.accept(actor(request), series_id))

    @post("/{series_id:uuid}/decline", operation_id="decline_series", status_code=HTTP_200_OK)
    @inject
    async def decline(
        self, request: Req, series_id: FromPath[UUID], series: FromDishka[ManageSeries]
    ) -> SeriesOut:
        return out(request, await series.decline(actor(request), series_id))

    @post("/{series_id:uuid}/cancel", operation_id="cancel_series", status_code=HTTP_200_OK)
    @inject
    async def cancel(
        self,
        request: Req,
        series_id: FromPath[UUID],
        series: FromDishka[ManageSeries],
        data: JSONBody[SeriesCancelBody | None] = None,
    ) -> SeriesOut:
        body = data or SeriesCancelBody()
        done = await series.cancel(actor(request), series_id, body.from_date, body.reason)
        return out(request, done.view, cancelled=done.cancelled, refund=done.refund_cents)


class SimulatedCardController(Controller):
    """Registered only while payments are simulated (no STRIPE_SECRET_KEY): 404 otherwise."""

    path = "/api/v1/booking-series"
    tags = ("Booking series",)

    @post(
        "/{series_id:uuid}/simulated-card",
        operation_id="simulate_series_card",
        status_code=HTTP_200_OK,
    )
    @inject
    async def simulate_card(
        self,
        request: Req,
        series_id: FromPath[UUID],
        simulate: FromDishka[SimulateCardSetup],
        series: FromDishka[ManageSeries],
        data: JSONBody[SimulatedCardBody | None] = None,
    ) -> SeriesOut:
        body = data or SimulatedCardBody()
        await simulate(current_user(request).id, series_id, body.card)
        return out(request, await series.get(actor(request), series_id))
