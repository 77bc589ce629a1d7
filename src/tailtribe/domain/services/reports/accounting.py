"""The accountant's reports (docs/documents.md, Reports): the quarter's VAT and
the list of documents, read from the issued documents by audited admins and
the command line."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date
from uuid import UUID

from tailtribe.domain.model.accounting import (
    VAT_KINDS,
    Quarter,
    VatReport,
    day_bounds,
    number_order,
    parse_period,
    parse_quarter,
    vat_report,
)
from tailtribe.domain.model.audit import AuditAction, AuditObject
from tailtribe.domain.model.documents import Document, DocumentKind
from tailtribe.domain.model.time import BRUSSELS
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.audit import AdminAct, AuditTrail

PAGE = 1000  # documents read per transaction


async def _issued(
    uow: UnitOfWork,
    first: date,
    last: date,
    kinds: Sequence[DocumentKind],
) -> AsyncIterator[list[Document]]:
    """The documents issued on the Brussels days first..last, a page per
    transaction, in number order per kind. Issued documents never change; one
    issued while this runs, on the last day, may or may not be in it."""
    start, end = day_bounds(first, last)
    after: tuple[str, int, int] | None = None
    while True:
        async with uow as tx:
            page = list(await tx.documents.issued(start, end, kinds, after, PAGE))
        if page:
            yield page
        if len(page) < PAGE:
            return
        after = number_order(page[-1])


class ReadVatReport:
    """The VAT report of a quarter ("2027Q1") for an admin (None: the command
    line); each read, and each refusal, is in the audit trail."""

    def __init__(self, uow: UnitOfWork, clock: Clock, audit: AuditTrail) -> None:
        self._uow, self._clock, self._audit = uow, clock, audit

    async def __call__(self, actor_id: UUID | None, quarter_text: str) -> VatReport:
        act = AdminAct(
            actor_id, AuditAction.READ_VAT_REPORT, AuditObject.REPORT, f"vat:{quarter_text}"
        )
        async with self._audit.refusals(act):
            quarter = parse_quarter(quarter_text, self._clock.now().astimezone(BRUSSELS).date())
        report = await self.build(quarter)
        b = report.balance
        await self._audit.record_alone(
            act,
            f"read {report.invoices.count} invoices and {report.credit_notes.count} credit "
            f"notes, VAT {b.vat_cents} cents",
        )
        return report

    async def build(self, quarter: Quarter) -> VatReport:
        documents: list[Document] = []
        async for page in _issued(self._uow, quarter.first_day, quarter.last_day, VAT_KINDS):
            documents.extend(page)
        return vat_report(quarter, documents)


class ReadDocumentsReport:
    """Every document issued between two Brussels dates (both included), for an
    admin (None: the command line). `open` reads the dates and records the
    read in the audit trail (a refusal too); `pages` then reads the documents,
    a page at a time, so a year of them is never held at once."""

    def __init__(self, uow: UnitOfWork, audit: AuditTrail) -> None:
        self._uow, self._audit = uow, audit

    async def open(
        self, actor_id: UUID | None, first_text: str, last_text: str
    ) -> tuple[date, date]:
        """The period's Brussels dates from `from` and `to` (YYYY-MM-DD)."""
        act = AdminAct(
            actor_id,
            AuditAction.READ_DOCUMENTS_REPORT,
            AuditObject.REPORT,
            f"documents:{first_text}..{last_text}",
        )
        async with self._audit.refusals(act):
            first, last = parse_period(first_text, last_text)
        await self._audit.record_alone(act, "read")
        return first, last

    def pages(self, first: date, last: date) -> AsyncIterator[list[Document]]:
        return _issued(self._uow, first, last, tuple(DocumentKind))
