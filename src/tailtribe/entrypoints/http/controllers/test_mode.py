"""Test mode (TAILTRIBE_ENV=test only): move the clock, run what is due.

Registered only in test mode, so these paths are 404 everywhere else.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

import msgspec
from dishka import AsyncContainer
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, post, put
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from tailtribe.domain.model.time import utc
from tailtribe.domain.ports.time import AdjustableClock
from tailtribe.domain.services.caregivers.tax_requests import SendTaxDetailsRequests
from tailtribe.domain.services.conversations.notify_unread import NotifyUnreadMessages
from tailtribe.domain.services.jobs.run_due import (
    MEET_WORK,
    RunDueBookingJobs,
    RunDueMeetAndGreetJobs,
)
from tailtribe.domain.services.payments.apply_payment_events import RetryPaymentEvents
from tailtribe.domain.services.payments.payouts import PayOutDue
from tailtribe.domain.services.photos.manage_photos import ProcessPendingPhotos
from tailtribe.domain.services.privacy.erase import PurgeErasedPhotos
from tailtribe.domain.services.privacy.retention import ApplyRetention
from tailtribe.domain.services.series.jobs import SERIES_WORK, RunDueSeriesJobs
from tailtribe.entrypoints.http.schemas.common import Instant, Strict
from tailtribe.entrypoints.worker.jobs import (
    BOOKING_WORK,
    deliver_outbox,
    document_jobs,
    export_jobs,
)


class ClockBody(Strict):
    now: (
        Annotated[
            Instant,
            msgspec.Meta(description="What the app's clock shows from now on; null: real time."),
        ]
        | None
    )


class ClockOut(msgspec.Struct):
    now: datetime
    fixed: bool


class Ran(msgspec.Struct):
    ran: dict[str, int]


class TestModeController(Controller):
    path = "/api/v1/test"
    tags = ("Test mode",)

    @put("/clock", operation_id="test_set_clock", exclude_from_auth=True)
    @inject
    async def set_clock(
        self, data: JSONBody[ClockBody], clock: FromDishka[AdjustableClock]
    ) -> ClockOut:
        # Within the instants the domain accepts (a JSON number is taken as a
        # Unix timestamp by Litestar's lax conversion: 1970 is refused here).
        clock.set(None if data.now is None else utc(data.now))
        return ClockOut(clock.now(), data.now is not None)

    @post(
        "/run-due-jobs",
        operation_id="test_run_due_jobs",
        exclude_from_auth=True,
        status_code=HTTP_200_OK,
    )
    @inject
    async def run_due_jobs(
        self,
        request: Request[Any, Any, Any],
        jobs: FromDishka[RunDueBookingJobs],
        meet_jobs: FromDishka[RunDueMeetAndGreetJobs],
        series_jobs: FromDishka[RunDueSeriesJobs],
        photos: FromDishka[ProcessPendingPhotos],
        unread: FromDishka[NotifyUnreadMessages],
        tax_requests: FromDishka[SendTaxDetailsRequests],
        payouts: FromDishka[PayOutDue],
        webhooks: FromDishka[RetryPaymentEvents],
        apply_retention: FromDishka[ApplyRetention],
        erased_photos: FromDishka[PurgeErasedPhotos],
        retention: Annotated[
            bool,
            QueryParameter(
                description="Also apply the daily retention rules (docs/retention.md) at the "
                "clock's now; off by default, as they delete data a test may still look at."
            ),
        ] = False,
    ) -> Ran:
        ran = {f"bookings.{work.value}": await jobs(work) for work in BOOKING_WORK}
        ran |= {f"meets.{work.value}": await meet_jobs(work) for work in MEET_WORK}
        ran |= {f"series.{work.value}": await series_jobs(work) for work in SERIES_WORK}
        ran["caregivers.tax_requests"] = await tax_requests()
        ran["payments.payouts"] = await payouts()
        ran["webhooks.retry"] = await webhooks()
        # Photos wait here for their variants in test mode (no background jobs).
        ran["photos.processed"] = await photos(min_age=timedelta(0))
        ran["messages.unread"] = await unread()
        ran["photos.erased"] = await erased_photos()
        if retention:
            ran |= {f"retention.{name}": n for name, n in (await apply_retention()).items()}
        # The booking jobs' events are in the outbox now: their emails go too,
        # each use case in its own scope of the app's container.
        app_container: AsyncContainer = request.app.state.dishka_container
        ran |= await export_jobs(app_container)
        ran |= await document_jobs(app_container)
        return Ran(ran | await deliver_outbox(app_container))
