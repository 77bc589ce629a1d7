from __future__ import annotations

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, patch, post, put
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from tailtribe.domain.model.users import Role
from tailtribe.domain.services.caregivers.manage_profile import ManageProfile
from tailtribe.domain.services.caregivers.payouts import StartPayoutOnboarding
from tailtribe.domain.services.caregivers.tax_details_access import (
    ManageTaxDetails,
    TaxDetailsRequests,
)
from tailtribe.entrypoints.http.auth import Req, current_user, requires
from tailtribe.entrypoints.http.schemas.caregivers import (
    AvailabilityBody,
    ProfileOut,
    ProfilePatch,
    ServicesBody,
    service_prices,
)
from tailtribe.entrypoints.http.schemas.common import Url
from tailtribe.entrypoints.http.schemas.tax_details import (
    TaxDetailsBody,
    TaxDetailsOut,
    TaxDetailsStatusOut,
)


class CaregiverProfileController(Controller):
    """The caller's own caregiver profile."""

    path = "/api/v1/caregiver"
    tags = ("Caregivers",)

    @post("/profile", operation_id="create_caregiver_profile")
    @inject
    async def create(
        self,
        request: Req,
        profiles: FromDishka[ManageProfile],
        data: JSONBody[ProfilePatch | None] = None,
    ) -> ProfileOut:
        changes = data.changes() if data is not None else {}
        return ProfileOut.of(await profiles.create(current_user(request).id, changes))

    @get("/profile", operation_id="get_caregiver_profile", guards=[requires(Role.CAREGIVER)])
    @inject
    async def get_profile(self, request: Req, profiles: FromDishka[ManageProfile]) -> ProfileOut:
        return ProfileOut.of(await profiles.get(current_user(request).id))

    @patch("/profile", operation_id="update_caregiver_profile", guards=[requires(Role.CAREGIVER)])
    @inject
    async def edit(
        self, request: Req, data: JSONBody[ProfilePatch], profiles: FromDishka[ManageProfile]
    ) -> ProfileOut:
        return ProfileOut.of(await profiles.edit(current_user(request).id, data.changes()))

    @put("/services", operation_id="set_caregiver_services", guards=[requires(Role.CAREGIVER)])
    @inject
    async def set_services(
        self, request: Req, data: JSONBody[ServicesBody], profiles: FromDishka[ManageProfile]
    ) -> ProfileOut:
        return ProfileOut.of(
            await profiles.set_services(current_user(request).id, service_prices(data))
        )

    @put(
        "/availability",
        operation_id="set_caregiver_availability",
        guards=[requires(Role.CAREGIVER)],
    )
    @inject
    async def set_availability(
        self, request: Req, data: JSONBody[AvailabilityBody], profiles: FromDishka[ManageProfile]
    ) -> ProfileOut:
        return ProfileOut.of(
            await profiles.set_availability(current_user(request).id, data.availability())
        )

    @get(
        "/tax-details", operation_id="get_caregiver_tax_details", guards=[requires(Role.CAREGIVER)]
    )
    @inject
    async def get_tax_details(
        self, request: Req, tax_details: FromDishka[ManageTaxDetails]
    ) -> TaxDetailsOut:
        return TaxDetailsOut.of(await tax_details.own(current_user(request).id))

    @get(
        "/tax-details/status",
        operation_id="get_caregiver_tax_status",
        guards=[requires(Role.CAREGIVER)],
    )
    @inject
    async def get_tax_status(
        self, request: Req, requests: FromDishka[TaxDetailsRequests]
    ) -> TaxDetailsStatusOut:
        return TaxDetailsStatusOut.of(await requests.own(current_user(request).id))

    @put(
        "/tax-details", operation_id="set_caregiver_tax_details", guards=[requires(Role.CAREGIVER)]
    )
    @inject
    async def set_tax_details(
        self,
        request: Req,
        data: JSONBody[TaxDetailsBody],
        tax_details: FromDishka[ManageTaxDetails],
    ) -> TaxDetailsOut:
        stored = await tax_details.put(
            current_user(request).id,
            first_name=data.first_name,
            last_name=data.last_name,
            birth_date=data.birth_date,
            street=data.street,
            postcode=data.postcode,
            city=data.city,
            country=data.country,
            tin=data.tin,
            tin_country=data.tin_country,
            iban=data.iban,
            enterprise_number=data.enterprise_number,
            vat_number=data.vat_number,
        )
        return TaxDetailsOut.of(stored)

    @post(
        "/submit",
        operation_id="submit_caregiver_profile",
        guards=[requires(Role.CAREGIVER)],
        status_code=HTTP_200_OK,
    )
    @inject
    async def submit(self, request: Req, profiles: FromDishka[ManageProfile]) -> ProfileOut:
        return ProfileOut.of(await profiles.submit(current_user(request).id))

    @post(
        "/payouts/onboarding",
        operation_id="start_payout_onboarding",
        guards=[requires(Role.CAREGIVER)],
        status_code=HTTP_200_OK,
    )
    @inject
    async def onboarding(self, request: Req, use_case: FromDishka[StartPayoutOnboarding]) -> Url:
        return Url(await use_case(current_user(request).id))
