"""/admin/queues: what waits for an admin, each queue with its action.

Every action is the use case the API's admin endpoint calls (so it is
audited the same way): a held payout is released through ManageDisputes, a
failed email retried through ManageOutbox, a failed provider event applied
through RetryPaymentEvent. Each form needs its confirm box ticked.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_409_CONFLICT

from tailtribe.domain.errors import DomainError
from tailtribe.domain.model.booking_dispute import DisputeOutcome
from tailtribe.domain.services.admin.queues import ReadQueues
from tailtribe.domain.services.notifications.manage_outbox import ManageOutbox
from tailtribe.domain.services.payments.disputes import ManageDisputes
from tailtribe.domain.services.payments.retry_event import RetryPaymentEvent
from tailtribe.entrypoints.http.console.formats import formats
from tailtribe.entrypoints.http.console.pages import ConsoleRequest, language_of, page
from tailtribe.entrypoints.http.console.security import CONSOLE_PATH, console_guard

QUEUES_PATH = CONSOLE_PATH + "/queues"
DONE = {"payout": "queues.done.payout", "email": "queues.done.email", "event": "queues.done.event"}


async def _form(request: ConsoleRequest) -> dict[str, str]:
    data = await request.form()
    return {k: v for k, v in data.items() if isinstance(v, str)}


def _admin_id(request: ConsoleRequest) -> UUID:
    admin_id: UUID = request.user.id
    return admin_id


class QueuesController(Controller):
    path = CONSOLE_PATH
    guards = [console_guard]  # noqa: RUF012  (Litestar's own attribute)
    include_in_schema = False

    async def _page(
        self, request: ConsoleRequest, read: ReadQueues, status: int = 200, **extra: Any
    ) -> Template:
        queues = await read()
        return page(
            request,
            "queues.html.j2",
            status,
            queues=queues,
            **formats(language_of(request)),
            **extra,
        )

    async def _refused(
        self, request: ConsoleRequest, read: ReadQueues, error: str, detail: str | None = None
    ) -> Template:
        return await self._page(request, read, HTTP_409_CONFLICT, error=error, detail=detail)

    @get("/queues")
    @inject
    async def queues(
        self,
        request: ConsoleRequest,
        read: FromDishka[ReadQueues],
        done: FromQuery[str | None] = None,
    ) -> Template:
        return await self._page(request, read, done=DONE.get(done or ""))

    @post("/queues/payouts/{booking_id:uuid}/release")
    @inject
    async def release_payout(
        self,
        request: ConsoleRequest,
        booking_id: FromPath[UUID],
        disputes: FromDishka[ManageDisputes],
        read: FromDishka[ReadQueues],
    ) -> Template | Redirect:
        data = await _form(request)
        if data.get("confirm") != "yes":
            return await self._refused(request, read, "queues.confirm_needed")
        reason = data.get("reason", "").strip() or None
        try:
            await disputes.resolve(
                _admin_id(request), booking_id, DisputeOutcome.RELEASE, None, reason
            )
        except DomainError as exc:
            return await self._refused(request, read, "queues.refused", exc.detail)
        return Redirect(QUEUES_PATH + "?done=payout", status_code=303)

    @post("/queues/outbox/{message_id:uuid}/retry")
    @inject
    async def retry_email(
        self,
        request: ConsoleRequest,
        message_id: FromPath[UUID],
        outbox: FromDishka[ManageOutbox],
        read: FromDishka[ReadQueues],
    ) -> Template | Redirect:
        if (await _form(request)).get("confirm") != "yes":
            return await self._refused(request, read, "queues.confirm_needed")
        try:
            await outbox.retry(_admin_id(request), message_id)
        except DomainError as exc:
            return await self._refused(request, read, "queues.refused", exc.detail)
        return Redirect(QUEUES_PATH + "?done=email", status_code=303)

    @post("/queues/payment-events/{event_id:str}/retry")
    @inject
    async def retry_event(
        self,
        request: ConsoleRequest,
        event_id: FromPath[str],
        retry: FromDishka[RetryPaymentEvent],
        read: FromDishka[ReadQueues],
    ) -> Template | Redirect:
        if (await _form(request)).get("confirm") != "yes":
            return await self._refused(request, read, "queues.confirm_needed")
        try:
            await retry(_admin_id(request), event_id[:255])
        except DomainError as exc:
            return await self._refused(request, read, "queues.refused", exc.detail)
        return Redirect(QUEUES_PATH + "?done=event", status_code=303)
