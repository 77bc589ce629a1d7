"""Private calendar feeds: the signed-in user turns theirs on (a new secret
address each time), reads whether it is on, or turns it off; calendar apps
read it at its address without signing in."""

from __future__ import annotations

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, delete, get, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED

from tailtribe.domain.services.calendar.feeds import ManageCalendarFeed, ReadCalendarFeed
from tailtribe.entrypoints.http.auth import Req, current_user
from tailtribe.entrypoints.http.schemas.calendar import CalendarFeedCreated, CalendarFeedOut

# Litestar adds "; charset=utf-8" to text types.
ICS_MEDIA_TYPE = "text/calendar"
FEED_SUFFIX = ".ics"


class CalendarFeedController(Controller):
    path = "/api/v1/me/calendar-feed"
    tags = ("Accounts",)

    @get(operation_id="get_calendar_feed")
    @inject
    async def read(self, request: Req, use_case: FromDishka[ManageCalendarFeed]) -> CalendarFeedOut:
        status = await use_case.status(current_user(request).id)
        return CalendarFeedOut(status.enabled, status.created_at)

    @post(operation_id="create_calendar_feed", status_code=HTTP_201_CREATED)
    @inject
    async def create(
        self, request: Req, use_case: FromDishka[ManageCalendarFeed]
    ) -> Response[CalendarFeedCreated]:
        url = await use_case.regenerate(current_user(request).id)
        # The secret is in the body: no cache may keep it.
        return Response(CalendarFeedCreated(url), headers={"Cache-Control": "no-store"})

    @delete(operation_id="delete_calendar_feed")
    @inject
    async def remove(self, request: Req, use_case: FromDishka[ManageCalendarFeed]) -> None:
        await use_case.disable(current_user(request).id)


class CalendarController(Controller):
    """No sign-in: the secret in the address is the proof."""

    path = "/api/v1/calendar"
    tags = ("Accounts",)

    # Litestar's parameters are whole path segments: the `.ics` is checked here.
    @get(
        "/{feed:str}",
        operation_id="calendar_feed",
        exclude_from_auth=True,
        media_type=ICS_MEDIA_TYPE,
    )
    @inject
    async def feed(
        self,
        use_case: FromDishka[ReadCalendarFeed],
        feed: str = Parameter(max_length=100),
    ) -> Response[bytes]:
        token = feed.removesuffix(FEED_SUFFIX) if feed.endswith(FEED_SUFFIX) else ""
        body = await use_case(token)  # 404 for anything but a live feed's address
        # For its holder only; calendar apps poll, so a short private cache is fine.
        return Response(
            body, media_type=ICS_MEDIA_TYPE, headers={"Cache-Control": "private, max-age=300"}
        )
