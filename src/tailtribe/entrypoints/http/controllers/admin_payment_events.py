from __future__ import annotations

from typing import Annotated

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, post
from litestar.params import PathParameter
from litestar.status_codes import HTTP_200_OK

from tailtribe.domain.model.users import Role
from tailtribe.domain.services.payments.retry_event import RetryPaymentEvent
from tailtribe.entrypoints.http.auth import Req, current_user, requires
from tailtribe.entrypoints.http.schemas.payment_events import PaymentEventRetried


class AdminPaymentEventController(Controller):
    """Stored provider events that failed to apply: an admin applies one again."""

    path = "/api/v1/admin/payment-events"
    tags = ("Admin",)
    guards = (requires(Role.ADMIN),)

    @post(
        "/{event_id:str}/retry",
        operation_id="admin_retry_payment_event",
        status_code=HTTP_200_OK,
    )
    @inject
    async def retry(
        self,
        request: Req,
        event_id: Annotated[str, PathParameter(min_length=1, max_length=255)],
        retry: FromDishka[RetryPaymentEvent],
    ) -> PaymentEventRetried:
        await retry(current_user(request).id, event_id)
        return PaymentEventRetried(id=event_id, applied=True)
