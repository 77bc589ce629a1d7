from __future__ import annotations

from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, post
from litestar.channels import ChannelsPlugin
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from tailtribe.domain.model.caregivers import CaregiverStatus
from tailtribe.domain.model.users import Role
from tailtribe.domain.services.accounts.get_user import RecentUsers
from tailtribe.domain.services.admin.review_caregivers import ReviewCaregivers, Verdict
from tailtribe.domain.services.caregivers.tax_details_access import (
    AdminReadTaxDetails,
    TaxDetailsRequests,
)
from tailtribe.domain.services.payments.disputes import ManageDisputes
from tailtribe.domain.services.payments.ledger import ReadLedger
from tailtribe.domain.services.privacy.erase import EraseAccount
from tailtribe.entrypoints.http.auth import Req, current_user, requires
from tailtribe.entrypoints.http.live import revoke
from tailtribe.entrypoints.http.schemas.accounts import EraseUserBody
from tailtribe.entrypoints.http.schemas.bookings import (
    AdminRefundBody,
    BookingOut,
    LedgerOut,
    ResolveDisputeBody,
)
from tailtribe.entrypoints.http.schemas.caregivers import (
    OptionalReasonBody,
    ProfileList,
    ProfileOut,
    ReasonBody,
)
from tailtribe.entrypoints.http.schemas.common import DEFAULT_LIMIT, Limit, Offset
from tailtribe.entrypoints.http.schemas.tax_details import TaxDetailsOut, TaxDetailsStatusOut


class AdminCaregiverController(Controller):
    path = "/api/v1/admin/caregivers"
    tags = ("Admin",)
    guards = (requires(Role.ADMIN),)

    @get(operation_id="admin_list_caregivers")
    @inject
    async def list_caregivers(
        self,
        review: FromDishka[ReviewCaregivers],
        status: FromQuery[CaregiverStatus | None] = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> ProfileList:
        page = await review.list(status, limit, offset)
        return ProfileList(
            [ProfileOut.of(c, for_admin=True) for c in page.items], page.total, limit, offset
        )

    @get("/{caregiver_id:uuid}/tax-details", operation_id="admin_get_caregiver_tax_details")
    @inject
    async def tax_details(
        self, request: Req, caregiver_id: FromPath[UUID], read: FromDishka[AdminReadTaxDetails]
    ) -> TaxDetailsOut:
        return TaxDetailsOut.of(await read(current_user(request).id, caregiver_id))

    @get("/{caregiver_id:uuid}/tax-status", operation_id="admin_get_caregiver_tax_status")
    @inject
    async def tax_status(
        self, caregiver_id: FromPath[UUID], requests: FromDishka[TaxDetailsRequests]
    ) -> TaxDetailsStatusOut:
        return TaxDetailsStatusOut.of(await requests.of(caregiver_id))

    async def _decide(
        self,
        request: Req,
        review: ReviewCaregivers,
        caregiver_id: UUID,
        verdict: Verdict,
        reason: str | None,
    ) -> ProfileOut:
        caregiver = await review.decide(current_user(request).id, caregiver_id, verdict, reason)
        return ProfileOut.of(caregiver, for_admin=True)

    @post(
        "/{caregiver_id:uuid}/approve",
        operation_id="admin_approve_caregiver",
        status_code=HTTP_200_OK,
    )
    @inject
    async def approve(
        self,
        request: Req,
        caregiver_id: FromPath[UUID],
        data: JSONBody[ReasonBody],
        review: FromDishka[ReviewCaregivers],
    ) -> ProfileOut:
        return await self._decide(request, review, caregiver_id, Verdict.APPROVE, data.reason)

    @post(
        "/{caregiver_id:uuid}/reject",
        operation_id="admin_reject_caregiver",
        status_code=HTTP_200_OK,
    )
    @inject
    async def reject(
        self,
        request: Req,
        caregiver_id: FromPath[UUID],
        data: JSONBody[ReasonBody],
        review: FromDishka[ReviewCaregivers],
    ) -> ProfileOut:
        return await self._decide(request, review, caregiver_id, Verdict.REJECT, data.reason)

    @post(
        "/{caregiver_id:uuid}/suspend",
        operation_id="admin_suspend_caregiver",
        status_code=HTTP_200_OK,
    )
    @inject
    async def suspend(
        self,
        request: Req,
        caregiver_id: FromPath[UUID],
        data: JSONBody[ReasonBody],
        review: FromDishka[ReviewCaregivers],
    ) -> ProfileOut:
        return await self._decide(request, review, caregiver_id, Verdict.SUSPEND, data.reason)

    @post(
        "/{caregiver_id:uuid}/reinstate",
        operation_id="admin_reinstate_caregiver",
        status_code=HTTP_200_OK,
    )
    @inject
    async def reinstate(
        self,
        request: Req,
        caregiver_id: FromPath[UUID],
        review: FromDishka[ReviewCaregivers],
        data: JSONBody[OptionalReasonBody | None] = None,
    ) -> ProfileOut:
        reason = data.reason if data else None
        return await self._decide(request, review, caregiver_id, Verdict.REINSTATE, reason)


class AdminBookingController(Controller):
    """Money decisions on a booking: refunds, dispute resolutions, its ledger."""

    path = "/api/v1/admin"
    tags = ("Admin",)
    guards = (requires(Role.ADMIN),)

    @post(
        "/bookings/{booking_id:uuid}/refund",
        operation_id="admin_refund_booking",
        status_code=HTTP_200_OK,
    )
    @inject
    async def refund(
        self,
        request: Req,
        booking_id: FromPath[UUID],
        data: JSONBody[AdminRefundBody],
        disputes: FromDishka[ManageDisputes],
    ) -> BookingOut:
        admin_id = current_user(request).id
        booking = await disputes.refund(admin_id, booking_id, data.amount_cents, data.reason)
        return BookingOut.of(booking, for_owner=False, refund=data.amount_cents)

    @post(
        "/bookings/{booking_id:uuid}/resolve-dispute",
        operation_id="admin_resolve_dispute",
        status_code=HTTP_200_OK,
    )
    @inject
    async def resolve_dispute(
        self,
        request: Req,
        booking_id: FromPath[UUID],
        data: JSONBody[ResolveDisputeBody],
        disputes: FromDishka[ManageDisputes],
    ) -> BookingOut:
        booking, refund = await disputes.resolve(
            current_user(request).id, booking_id, data.outcome, data.amount_cents, data.reason
        )
        return BookingOut.of(booking, for_owner=False, refund=refund)

    @get("/ledger/{booking_id:uuid}", operation_id="admin_booking_ledger")
    @inject
    async def ledger(self, booking_id: FromPath[UUID], read: FromDishka[ReadLedger]) -> LedgerOut:
        return LedgerOut.of(await read(booking_id))


class AdminUserController(Controller):
    path = "/api/v1/admin/users"
    tags = ("Admin",)
    guards = (requires(Role.ADMIN),)

    @post("/{user_id:uuid}/erase", operation_id="admin_erase_user", status_code=HTTP_204_NO_CONTENT)
    @inject
    async def erase(
        self,
        request: Req,
        user_id: FromPath[UUID],
        data: JSONBody[EraseUserBody],
        use_case: FromDishka[EraseAccount],
        recent: FromDishka[RecentUsers],
        channels: NamedDependency[ChannelsPlugin],
    ) -> None:
        """Same rules and refusals as the user's own erasure; a repeat is a no-op (204)."""
        erased = await use_case.by_admin(user_id, data.reason, current_user(request).id)
        recent.forget(user_id)
        if erased.now:
            revoke(channels, erased.user)
