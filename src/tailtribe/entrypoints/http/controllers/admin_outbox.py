from __future__ import annotations

from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery
from litestar.status_codes import HTTP_200_OK

from tailtribe.domain.model.outbox import OutboxStatus
from tailtribe.domain.model.users import Role
from tailtribe.domain.services.notifications.manage_outbox import ManageOutbox
from tailtribe.entrypoints.http.auth import Req, current_user, requires
from tailtribe.entrypoints.http.schemas.common import DEFAULT_LIMIT, Limit, Offset
from tailtribe.entrypoints.http.schemas.outbox import OutboxList, OutboxMessageOut


class AdminOutboxController(Controller):
    """Emails and events waiting, sent or failed; a failed one can be sent again."""

    path = "/api/v1/admin/outbox"
    tags = ("Admin",)
    guards = (requires(Role.ADMIN),)

    @get(operation_id="admin_list_outbox")
    @inject
    async def list_outbox(
        self,
        outbox: FromDishka[ManageOutbox],
        status: FromQuery[OutboxStatus | None] = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> OutboxList:
        page = await outbox.list(status, limit, offset)
        return OutboxList([OutboxMessageOut.of(m) for m in page.items], page.total, limit, offset)

    @post("/{message_id:uuid}/retry", operation_id="admin_retry_outbox", status_code=HTTP_200_OK)
    @inject
    async def retry(
        self, request: Req, message_id: FromPath[UUID], outbox: FromDishka[ManageOutbox]
    ) -> OutboxMessageOut:
        return OutboxMessageOut.of(await outbox.retry(current_user(request).id, message_id))
