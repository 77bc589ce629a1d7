"""Who reads and writes a caregiver's DAC7 details: the caregiver, and audited admins."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from tailtribe.domain.errors import NotFound
from tailtribe.domain.model.audit import AuditAction, AuditObject
from tailtribe.domain.model.tax_details import SealedTaxDetails, TaxDetails, unsealed
from tailtribe.domain.model.tax_requests import TaxDetailsStatus
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.tax_ids import TaxDetailsBox, TaxIdValidator
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.audit import AdminAct, AuditTrail
from tailtribe.domain.services.caregivers.manage_profile import own_profile
from tailtribe.domain.services.caregivers.tax_details import build_tax_details


def _opened(box: TaxDetailsBox, row: SealedTaxDetails) -> TaxDetails:
    return TaxDetails.from_seal_text(box.open(row.sealed))


class ManageTaxDetails:
    """A caregiver's own due-diligence data: sealed before it reaches storage."""

    def __init__(
        self, uow: UnitOfWork, box: TaxDetailsBox, validator: TaxIdValidator, clock: Clock
    ) -> None:
        self._uow, self._box, self._validator, self._clock = uow, box, validator, clock

    async def own(self, user_id: UUID) -> TaxDetails:
        async with self._uow as uow:
            caregiver = await own_profile(uow, user_id)
            row = await uow.tax_details.get(caregiver.id)
        if row is None:
            raise NotFound("you have given no tax details yet")
        return _opened(self._box, row)

    async def put(
        self,
        user_id: UUID,
        *,
        first_name: str,
        last_name: str,
        birth_date: date,
        street: str,
        postcode: str,
        city: str,
        country: str,
        tin: str,
        tin_country: str,
        iban: str,
        enterprise_number: str | None,
        vat_number: str | None,
    ) -> TaxDetails:
        async with self._uow as uow:  # which caregiver; its row lock ends here
            caregiver_id = (await own_profile(uow, user_id)).id
        async with self._uow as uow:
            # Locks in one order everywhere: the request's row, then the
            # caregiver's, then bookings. The payout claim takes the request,
            # then the booking; the transfer the booking, then the caregiver.
            await uow.tax_requests.get(caregiver_id, lock=True)
            caregiver = await own_profile(uow, user_id)
            if caregiver.id != caregiver_id:  # never, a user has one profile for good
                raise NotFound("you have no caregiver profile yet")
            details = build_tax_details(
                caregiver_id=caregiver.id,
                first_name=first_name,
                last_name=last_name,
                birth_date=birth_date,
                street=street,
                postcode=postcode,
                city=city,
                country=country,
                tin=tin,
                tin_country=tin_country,
                iban=iban,
                enterprise_number=enterprise_number,
                vat_number=vat_number,
                now=self._clock.now(),
                validator=self._validator,
            )
            sealed = self._box.seal(details.seal_text())
            await uow.tax_details.save(SealedTaxDetails(caregiver.id, sealed, details.updated_at))
            # Complete now: withholding ends, the next payout run pays what waited.
            for booking in await uow.bookings.withheld_of(caregiver.id):
                booking.release_withheld_payout()
                await uow.bookings.save(booking)
            await uow.commit()
        return details


async def tax_status(
    uow: UnitOfWork, box: TaxDetailsBox, caregiver_id: UUID, now: datetime
) -> TaxDetailsStatus:
    request = await uow.tax_requests.get(caregiver_id)
    sealed = await uow.tax_details.get(caregiver_id)
    # Given but no longer readable (a rotated secret key) counts as missing.
    complete = unsealed(box.open, sealed) is not None
    return TaxDetailsStatus.of(
        request, complete, now, unreadable=sealed is not None and not complete
    )


class TaxDetailsRequests:
    """When the details were asked for and reminded of, and whether payouts
    wait: no personal data, so an admin's look is not audited."""

    def __init__(self, uow: UnitOfWork, clock: Clock, box: TaxDetailsBox) -> None:
        self._uow, self._clock, self._box = uow, clock, box

    async def own(self, user_id: UUID) -> TaxDetailsStatus:
        async with self._uow as uow:
            caregiver = await own_profile(uow, user_id)
            return await tax_status(uow, self._box, caregiver.id, self._clock.now())

    async def of(self, caregiver_id: UUID) -> TaxDetailsStatus:
        async with self._uow as uow:
            if await uow.caregivers.find(caregiver_id) is None:
                raise NotFound("no such caregiver")
            return await tax_status(uow, self._box, caregiver_id, self._clock.now())


class AdminReadTaxDetails:
    """An admin reads a caregiver's details: every read (or refusal) is in the audit trail."""

    def __init__(self, uow: UnitOfWork, box: TaxDetailsBox, audit: AuditTrail) -> None:
        self._uow, self._box, self._audit = uow, box, audit

    async def __call__(self, admin_id: UUID, caregiver_id: UUID) -> TaxDetails:
        act = AdminAct(admin_id, AuditAction.READ_TAX_DETAILS, AuditObject.CAREGIVER, caregiver_id)
        async with self._audit.refusals(act), self._uow as uow:
            row = await uow.tax_details.get(caregiver_id)
            if row is None:
                raise NotFound("this caregiver has given no tax details")
            await self._audit.record(uow, act, "read the tax details")
            await uow.commit()
        return _opened(self._box, row)
