from __future__ import annotations

from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, post
from litestar.channels import ChannelsPlugin
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from tailtribe.domain.services.meet_and_greets.manage import (
    MeetAndGreetLifecycle,
    RequestMeetAndGreet,
)
from tailtribe.entrypoints.http.auth import Req, current_user
from tailtribe.entrypoints.http.controllers.bookings import actor
from tailtribe.entrypoints.http.live import publish
from tailtribe.entrypoints.http.schemas.common import DEFAULT_LIMIT, Limit, Offset
from tailtribe.entrypoints.http.schemas.meet_and_greets import (
    MeetAndGreetBody,
    MeetAndGreetList,
    MeetAndGreetOut,
)


class MeetAndGreetController(Controller):
    path = "/api/v1/meet-and-greets"
    tags = ("Bookings",)

    @post(operation_id="create_meet_and_greet")
    @inject
    async def create(
        self,
        request: Req,
        data: JSONBody[MeetAndGreetBody],
        use_case: FromDishka[RequestMeetAndGreet],
        channels: NamedDependency[ChannelsPlugin],
    ) -> MeetAndGreetOut:
        requested = await use_case(current_user(request).id, data.request())
        if requested.message is not None:  # it joined the pair's conversation: live too
            publish(channels, requested.message)
        return MeetAndGreetOut.of(requested.meeting)

    @get(operation_id="list_meet_and_greets")
    @inject
    async def list_meet_and_greets(
        self,
        request: Req,
        meetings: FromDishka[MeetAndGreetLifecycle],
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> MeetAndGreetList:
        page = await meetings.list(actor(request), limit, offset)
        return MeetAndGreetList(
            [MeetAndGreetOut.of(m) for m in page.items], page.total, limit, offset
        )

    @get("/{meet_id:uuid}", operation_id="get_meet_and_greet")
    @inject
    async def get_meet_and_greet(
        self, request: Req, meet_id: FromPath[UUID], meetings: FromDishka[MeetAndGreetLifecycle]
    ) -> MeetAndGreetOut:
        return MeetAndGreetOut.of(await meetings.get(actor(request), meet_id))

    @post("/{meet_id:uuid}/accept", operation_id="accept_meet_and_greet", status_code=HTTP_200_OK)
    @inject
    async def accept(
        self, request: Req, meet_id: FromPath[UUID], meetings: FromDishka[MeetAndGreetLifecycle]
    ) -> MeetAndGreetOut:
        return MeetAndGreetOut.of(await meetings.accept(actor(request), meet_id))

    @post("/{meet_id:uuid}/decline", operation_id="decline_meet_and_greet", status_code=HTTP_200_OK)
    @inject
    async def decline(
        self, request: Req, meet_id: FromPath[UUID], meetings: FromDishka[MeetAndGreetLifecycle]
    ) -> MeetAndGreetOut:
        return MeetAndGreetOut.of(await meetings.decline(actor(request), meet_id))

    @post("/{meet_id:uuid}/cancel", operation_id="cancel_meet_and_greet", status_code=HTTP_200_OK)
    @inject
    async def cancel(
        self, request: Req, meet_id: FromPath[UUID], meetings: FromDishka[MeetAndGreetLifecycle]
    ) -> MeetAndGreetOut:
        return MeetAndGreetOut.of(await meetings.cancel(actor(request), meet_id))
