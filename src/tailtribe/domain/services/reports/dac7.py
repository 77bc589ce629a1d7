"""The yearly DAC7 report (docs/dac7.md): built from the ledger and the sellers'
due-diligence data, read by audited admins and the command line."""

from __future__ import annotations

from uuid import UUID

from tailtribe.domain.errors import FieldError, InvalidInput
from tailtribe.domain.model.audit import AuditAction, AuditObject
from tailtribe.domain.model.dac7 import (
    FIRST_YEAR,
    Dac7Report,
    Operator,
    Seller,
    SellerFigures,
    figures,
    message_ref_id,
    year_bounds,
)
from tailtribe.domain.model.tax_details import TaxDetails
from tailtribe.domain.model.time import BRUSSELS
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.tax_ids import TaxDetailsBox
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.audit import AdminAct, AuditTrail


def check_year(year: int, current: int) -> None:
    """A year of DAC7 (2023 on) that has begun in Brussels."""
    if not FIRST_YEAR <= year <= current:
        message = f"a year from {FIRST_YEAR} to {current}"
        raise InvalidInput(message, [FieldError("year", message)])


class BuildDac7Report:
    """Every reportable seller of a Brussels calendar year, with what is known of them.

    Reading the sealed details is the reason the callers are audited."""

    def __init__(
        self, uow: UnitOfWork, box: TaxDetailsBox, clock: Clock, operator: Operator
    ) -> None:
        self._uow, self._box, self._clock, self._operator = uow, box, clock, operator

    async def __call__(self, year: int) -> Dac7Report:
        now = self._clock.now()
        check_year(year, now.astimezone(BRUSSELS).year)
        start, end = year_bounds(year)
        async with self._uow as uow:
            moves = await uow.ledger.seller_movements(start, end)
            sellers = [await self._seller(uow, f) for f in figures(year, moves)]
        return Dac7Report(
            year, now, message_ref_id(self._operator, year, now), self._operator, sellers
        )

    async def _seller(self, uow: UnitOfWork, f: SellerFigures) -> Seller:
        sealed = await uow.tax_details.get(f.caregiver_id)
        details = (
            None if sealed is None else TaxDetails.from_seal_text(self._box.open(sealed.sealed))
        )
        caregiver = await uow.caregivers.find(f.caregiver_id)
        user = None if caregiver is None else await uow.users.get(caregiver.user_id)
        if details is not None:
            name = f"{details.first_name} {details.last_name}"
        elif user is not None:
            name = user.full_name
        else:
            name = caregiver.profile.display_name if caregiver is not None else str(f.caregiver_id)
        profile = None if caregiver is None else caregiver.profile
        return Seller(
            f,
            name,
            details,
            postcode=None if profile is None else profile.postcode,
            city=None if profile is None else profile.city,
        )


def _act(actor_id: UUID | None, year: int) -> AdminAct:
    return AdminAct(actor_id, AuditAction.READ_DAC7_REPORT, AuditObject.REPORT, f"dac7:{year}")


class ReadDac7Report:
    """An admin (None: the command line) reads the report: each read, or refusal,
    is in the audit trail."""

    def __init__(self, build: BuildDac7Report, audit: AuditTrail) -> None:
        self._build, self._audit = build, audit

    async def __call__(self, actor_id: UUID | None, year: int) -> Dac7Report:
        act = _act(actor_id, year)
        async with self._audit.refusals(act):
            report = await self._build(year)
        missing = sum(not s.complete for s in report.sellers)
        await self._audit.record_alone(
            act, f"read {len(report.sellers)} sellers, {missing} without due-diligence data"
        )
        return report
