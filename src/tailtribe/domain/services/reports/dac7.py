"""The yearly DAC7 report (docs/dac7.md): built from the ledger and the sellers'
due-diligence data, read by audited admins and the command line."""

from __future__ import annotations

import logging
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
from tailtribe.domain.model.notifications import EmailKind
from tailtribe.domain.model.tax_details import SealedTaxDetails, TaxDetails, unsealed
from tailtribe.domain.model.time import BRUSSELS
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.tax_ids import TaxDetailsBox
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.audit import AdminAct, AuditTrail
from tailtribe.domain.services.outbox import Outbox

logger = logging.getLogger(__name__)


def check_year(year: int, current: int) -> None:
    """A year of DAC7 (2023 on) that has begun in Brussels."""
    if not FIRST_YEAR <= year <= current:
        message = f"a year from {FIRST_YEAR} to {current}"
        raise InvalidInput(message, [FieldError("year", message)])


def opened(box: TaxDetailsBox, sealed: SealedTaxDetails | None) -> TaxDetails | None:
    """The seller's details, or None when missing or unreadable (sealed under a
    secret key since rotated: the seller gives them again, and is flagged meanwhile)."""
    return unsealed(box.open, sealed)


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
        details = opened(self._box, await uow.tax_details.get(f.caregiver_id))
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


def masked(value: str, shown: int) -> str:
    """Only the last characters of an identifier, for an email."""
    return "…" + value[-shown:] if len(value) > shown else value


def identity_line(details: TaxDetails | None) -> str:
    """What the copy shows of the seller's reported identity, enough for them to
    recognise it and nothing whole that identifies them (the email and its
    queued row are not sealed): the first name and the last name's initial, the
    day and month of birth, the postcode, city and country without the street,
    and the last characters of the TIN, the IBAN and the VAT number."""
    if details is None:
        return "-"
    parts = [
        f"{details.first_name} {details.last_name[:1]}.",
        masked(details.birth_date.isoformat(), 5),
        f"{details.postcode} {details.city} ({details.country})",
        f"TIN {masked(details.tin, 3)} ({details.tin_country})",
        f"IBAN {masked(details.iban, 4)}",
    ]
    if details.vat_number:
        parts.append(f"VAT {masked(details.vat_number, 3)}")
    return "; ".join(parts)


COPIES_MONTH = 1  # January, in Brussels


class SendDac7Copies:
    """In January (Brussels), each reportable seller of the year before is
    emailed their own figures, once: the copy's record and its email are written
    in one transaction, and the record's key (seller, year) refuses a second one.
    Erased sellers are skipped. Returns how many copies were queued."""

    def __init__(self, uow: UnitOfWork, box: TaxDetailsBox, outbox: Outbox, clock: Clock) -> None:
        self._uow, self._box, self._outbox, self._clock = uow, box, outbox, clock

    async def __call__(self) -> int:
        today = self._clock.now().astimezone(BRUSSELS)
        year = today.year - 1
        # The copies are due by 31 January: outside January nothing is read.
        if year < FIRST_YEAR or today.month != COPIES_MONTH:
            return 0
        start, end = year_bounds(year)
        async with self._uow as uow:
            sent = await uow.dac7_copies.sent(year)
            moves = await uow.ledger.seller_movements(start, end)
        queued = 0
        for seller in figures(year, moves):
            if seller.caregiver_id in sent:
                continue
            try:
                queued += await self._one(year, seller)
            except Exception:
                logger.exception("dac7 copy %s for %s failed", year, seller.caregiver_id)
        return queued

    async def _one(self, year: int, f: SellerFigures) -> int:
        async with self._uow as uow:
            caregiver = await uow.caregivers.find(f.caregiver_id)
            user = None if caregiver is None else await uow.users.get(caregiver.user_id)
            if user is None or user.erased_at is not None:
                return 0
            details = opened(self._box, await uow.tax_details.get(f.caregiver_id))
            q = f.quarters
            await self._outbox.add(
                uow,
                EmailKind.DAC7_COPY.topic,
                user_id=str(user.id),
                year=year,
                consideration_cents=[x.consideration_cents for x in q],
                fees_cents=[x.fees_cents for x in q],
                activities=[x.activities for x in q],
                identity=identity_line(details),
            )
            await uow.dac7_copies.add(f.caregiver_id, year, self._clock.now())
            await uow.commit()
        return 1
