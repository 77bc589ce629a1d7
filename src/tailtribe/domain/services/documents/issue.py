"""Issuing money documents from the ledger, then storing their files and
telling their recipients (docs/documents.md).

Documents are drawn from ledger entries, never from the payment flows: an
entry without a document is found by the next run, whatever crashed before,
and the document table's unique ledger entry makes a second one impossible.
Each document is issued in a transaction of its own that takes its number
and adds it, so a rollback gives the number back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from uuid import UUID

from tailtribe.domain.errors import Conflict
from tailtribe.domain.model.documents import (
    CORRECTS,
    ISSUED_FROM,
    BookingFacts,
    Document,
    DocumentKind,
    Party,
    document_number,
    file_key_of,
    vat_split,
)
from tailtribe.domain.model.ledger import LedgerEntry
from tailtribe.domain.model.notifications import EmailKind
from tailtribe.domain.model.statements import (
    STATED,
    StatedBooking,
    month_bounds,
    month_of,
    months_between,
    previous_month,
    statement_lines,
)
from tailtribe.domain.model.tax_details import unsealed
from tailtribe.domain.model.time import local
from tailtribe.domain.ports.documents import DocumentFilter, DocumentRenderer
from tailtribe.domain.ports.files import ObjectStorage
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.tax_ids import TaxDetailsBox
from tailtribe.domain.ports.time import Clock, IdGenerator
from tailtribe.domain.services.outbox import Outbox

logger = logging.getLogger(__name__)

BATCH = 200
# The every-minute run looks at the movements of this last stretch only; the
# daily run and the backfill look at the whole ledger.
RECENT = timedelta(days=7)
# A document issued this long after its movement (a backfill) is not emailed.
QUIET_AFTER = timedelta(days=30)
# A month's statement waits this long after the month ends: a payout or a
# refund dated just before midnight may commit a little after it (its Stripe
# calls come in between), and a statement issued meanwhile would lack it.
STATEMENT_GRACE = timedelta(hours=1)
MOVEMENTS = tuple(ISSUED_FROM)
# Each kind's email.
DOCUMENT_EMAILS: dict[DocumentKind, EmailKind] = {
    DocumentKind.RECEIPT: EmailKind.DOCUMENT_RECEIPT,
    DocumentKind.REFUND_NOTE: EmailKind.DOCUMENT_REFUND_NOTE,
    DocumentKind.COMMISSION_INVOICE: EmailKind.DOCUMENT_COMMISSION_INVOICE,
    DocumentKind.CREDIT_NOTE: EmailKind.DOCUMENT_CREDIT_NOTE,
    DocumentKind.STATEMENT: EmailKind.DOCUMENT_STATEMENT,
}
# Issued to the caregiver; the other kinds to the owner.
TO_CAREGIVER = frozenset({DocumentKind.COMMISSION_INVOICE, DocumentKind.CREDIT_NOTE})


class _Outcome(Enum):
    ISSUED = "issued"
    TAKEN = "taken"  # another issuer's document
    WAITING = "waiting"  # for the document it corrects
    FAILED = "failed"  # logged; the next run tries again


class _Corrected(Exception):
    """The document a correction names is owed but not issued yet."""


@dataclass(frozen=True, slots=True)
class DocumentTerms:
    """The platform as issuer (from settings) and its VAT rate on commission."""

    issuer: Party
    vat_rate_percent: int


class IssueDocuments:
    """One document for each ledger entry of a capture, an immediate
    capture, a refund, a commission or a commission return that has none."""

    def __init__(
        self,
        uow: UnitOfWork,
        ids: IdGenerator,
        clock: Clock,
        terms: DocumentTerms,
        tax_box: TaxDetailsBox,
    ) -> None:
        self._uow, self._ids, self._clock = uow, ids, clock
        self._terms, self._tax_box = terms, tax_box

    async def __call__(self, everything: bool = False) -> int:
        """Issue the documents owed for the movements of the last RECENT, or
        of the whole ledger with `everything` (the backfill, the daily run);
        returns how many this run issued.

        Pages on past the last entry seen, so an entry that fails (logged)
        is left for the next run and never keeps the others waiting; the
        later entries of its booking wait with it. An entry whose corrected
        document is not issued yet (a refund seen before its capture of the
        same instant) is tried again once the rest is done."""
        issued = 0
        after: tuple[datetime, UUID] | None = None
        failed: set[UUID] = set()  # bookings whose later entries wait for the next run
        waiting: list[LedgerEntry] = []
        since = None if everything else self._clock.now() - RECENT
        while True:
            async with self._uow as uow:
                entries = await uow.documents.undocumented(
                    MOVEMENTS, BATCH, after=after, since=since
                )
            for entry in entries:  # in ledger order: a receipt before its refund notes
                if entry.booking_id in failed:
                    continue
                outcome = await self._issue(entry)
                if outcome is _Outcome.ISSUED:
                    issued += 1
                elif outcome is _Outcome.WAITING:
                    waiting.append(entry)
                elif outcome is _Outcome.FAILED:
                    failed.add(entry.booking_id)
            if len(entries) < BATCH:
                break
            after = (entries[-1].occurred_at, entries[-1].id)
        for entry in waiting:
            if entry.booking_id not in failed:
                issued += await self.issue(entry)
        return issued

    async def issue(self, entry: LedgerEntry) -> bool:
        """True when this call issued the entry's document; False when it has
        one (another run's), or could not be issued now (logged, next run)."""
        return await self._issue(entry) is _Outcome.ISSUED

    async def _issue(self, entry: LedgerEntry) -> _Outcome:
        try:
            async with self._uow as uow:
                document = await self._draft(uow, entry)
                await uow.documents.add(document)
                await uow.commit()
        except _Corrected:
            return _Outcome.WAITING
        except Conflict:
            # Another issuer's, normally: our number went back with the rollback.
            if await self._documented(entry):
                return _Outcome.TAKEN
            logger.warning("the document of ledger entry %s was refused and none exists", entry.id)
            return _Outcome.FAILED
        except Exception:
            logger.exception("issuing the document of ledger entry %s failed", entry.id)
            return _Outcome.FAILED
        return _Outcome.ISSUED

    async def _documented(self, entry: LedgerEntry) -> bool:
        async with self._uow as uow:
            page = await uow.documents.list(DocumentFilter(booking_id=entry.booking_id), 1000, 0)
        return any(s.document.ledger_entry_id == entry.id for s in page.items)

    async def _draft(self, uow: UnitOfWork, entry: LedgerEntry) -> Document:
        kind = ISSUED_FROM[entry.movement]
        booking = await uow.bookings.get(entry.booking_id)
        if booking is None:
            raise LookupError(f"booking {entry.booking_id} is gone")
        owner = await uow.users.get(booking.owner_id)
        caregiver = await uow.caregivers.find(booking.caregiver_id)
        if owner is None or caregiver is None:
            raise LookupError(f"a party of booking {booking.id} is gone")
        caregiver_user = await uow.users.get(caregiver.user_id)
        if caregiver_user is None:
            raise LookupError(f"the caregiver's account of booking {booking.id} is gone")
        corrected = None
        if kind in CORRECTS:
            corrected = await uow.documents.latest(booking.id, CORRECTS[kind])
            if corrected is None and await self._owes(uow, booking.id, CORRECTS[kind]):
                raise _Corrected(f"the document entry {entry.id} corrects is not issued yet")
        if kind in TO_CAREGIVER:
            recipient_user = caregiver_user
            recipient = await caregiver_party(
                uow, self._tax_box, caregiver.id, caregiver_user.full_name
            )
            # A credit note gives back VAT at the rate of the invoice it corrects.
            rate = self._terms.vat_rate_percent if corrected is None else corrected.vat_rate_percent
            net, vat = vat_split(entry.amount_cents, rate)
            method = None
        else:
            recipient_user = owner
            recipient = Party(name=owner.full_name)
            net, vat, rate = 0, 0, 0
            method = None if booking.payment.method is None else booking.payment.method.value
        corrects = None if corrected is None else corrected.number
        now = self._clock.now()
        year, sequence, number = await take_number(uow, kind, now)
        return Document(
            id=self._ids.new_id(),
            kind=kind,
            number=number,
            year=year,
            sequence=sequence,
            issued_at=now,
            language=recipient_user.locale.value,
            recipient_id=recipient_user.id,
            issuer=self._terms.issuer,
            recipient=recipient,
            amount_cents=entry.amount_cents,
            net_cents=net,
            vat_cents=vat,
            vat_rate_percent=rate,
            booking=BookingFacts(
                booking_id=booking.id,
                service=booking.service.value,
                starts_at=booking.start,
                ends_at=booking.end,
                owner_name=owner.full_name,
                caregiver_name=caregiver.profile.display_name,
                price_cents=booking.price.total_cents,
            ),
            ledger_entry_id=entry.id,
            payment_method=method,
            corrects=corrects,
        )

    @staticmethod
    async def _owes(uow: UnitOfWork, booking_id: UUID, kind: DocumentKind) -> bool:
        """Whether the booking's ledger has an entry that issues `kind`."""
        entries = await uow.ledger.for_booking(booking_id)
        return any(ISSUED_FROM.get(e.movement) is kind for e in entries)


async def take_number(uow: UnitOfWork, kind: DocumentKind, now: datetime) -> tuple[int, int, str]:
    """The kind's next number in the Brussels year of `now`: (year, sequence,
    number). Taken last, just before the insert, so the series' row stays
    locked the shortest time; a rollback gives it back."""
    year = local(now).year
    sequence = await uow.documents.next_sequence(kind, year)
    return year, sequence, document_number(kind, year, sequence)


async def caregiver_party(
    uow: UnitOfWork, tax_box: TaxDetailsBox, caregiver_id: UUID, name: str
) -> Party:
    """The legal name and address of the tax details when given, else the
    account's name."""
    details = unsealed(tax_box.open, await uow.tax_details.get(caregiver_id))
    if details is None:  # none given, or sealed under a key since rotated
        return Party(name=name)
    return Party(
        name=f"{details.first_name} {details.last_name}",
        street=details.street,
        postcode=details.postcode,
        city=details.city,
        country=details.country,
        enterprise_number=details.enterprise_number,
        vat_number=details.vat_number,
    )


class IssueStatements:
    """Once a month has ended in Brussels time, one statement for each
    caregiver with a transfer or a reversal in it (domain/model/statements.py).
    Each is issued in a transaction of its own that takes its number and adds
    it; the document table's unique (kind, recipient, period) makes a second
    statement for the same caregiver and month impossible, whatever runs at
    the same time or crashed before."""

    def __init__(
        self,
        uow: UnitOfWork,
        ids: IdGenerator,
        clock: Clock,
        terms: DocumentTerms,
        tax_box: TaxDetailsBox,
    ) -> None:
        self._uow, self._ids, self._clock = uow, ids, clock
        self._terms, self._tax_box = terms, tax_box

    async def __call__(self) -> int:
        """The scheduled step: the statements of the last month that ended."""
        return await self.month(previous_month(month_of(self._clock.now())))

    async def backfill(self) -> int:
        """Every ended month's missing statements, from the first payout on."""
        async with self._uow as uow:
            first = await uow.documents.earliest(tuple(STATED))
        if first is None:
            return 0
        last = previous_month(month_of(self._clock.now()))
        issued = 0
        for period in months_between(month_of(first), last):
            issued += await self.month(period)
        return issued

    async def month(self, period: date) -> int:
        """Issue the missing statements of the month starting `period`;
        returns how many this call issued."""
        start, end = month_bounds(period)
        if end + STATEMENT_GRACE > self._clock.now():
            return 0  # not over yet, or just over: late commits may still come
        async with self._uow as uow:
            # One query each minute when every statement of the month is out.
            missing = await uow.documents.unstated(tuple(STATED), start, end, period)
            if not missing:
                return 0
            bookings: dict[UUID, set[UUID]] = {c: set() for c in missing}
            for m in await uow.ledger.seller_movements(start, end):
                if m.movement in STATED and m.caregiver_id in bookings:
                    bookings[m.caregiver_id].add(m.booking_id)
        issued = 0
        for caregiver_id, booking_ids in bookings.items():
            issued += await self.issue(period, caregiver_id, booking_ids)
        return issued

    async def issue(self, period: date, caregiver_id: UUID, booking_ids: set[UUID]) -> bool:
        """True when this call issued the caregiver's statement of `period`
        from these bookings' ledgers; False when it has one (another run's),
        or could not be issued now (logged, next run)."""
        try:
            async with self._uow as uow:
                document = await self._draft(uow, period, caregiver_id, booking_ids)
                await uow.documents.add(document)
                await uow.commit()
        except Conflict:
            return False  # another issuer's: our number went back with the rollback
        except Exception:
            logger.exception(
                "issuing the statement of %s for caregiver %s failed", period, caregiver_id
            )
            return False
        return True

    async def _draft(
        self, uow: UnitOfWork, period: date, caregiver_id: UUID, booking_ids: set[UUID]
    ) -> Document:
        caregiver = await uow.caregivers.find(caregiver_id)
        if caregiver is None:
            raise LookupError(f"caregiver {caregiver_id} is gone")
        user = await uow.users.get(caregiver.user_id)
        if user is None:
            raise LookupError(f"the account of caregiver {caregiver_id} is gone")
        ledgers: dict[UUID, Sequence[LedgerEntry]] = {}
        bookings: dict[UUID, StatedBooking] = {}
        for booking_id in sorted(booking_ids):
            booking = await uow.bookings.get(booking_id)
            if booking is None:
                raise LookupError(f"booking {booking_id} is gone")
            ledgers[booking_id] = await uow.ledger.for_booking(booking_id)
            bookings[booking_id] = StatedBooking(booking.service.value, booking.start)
        lines = statement_lines(period, ledgers, bookings, self._terms.vat_rate_percent)
        recipient = await caregiver_party(uow, self._tax_box, caregiver_id, user.full_name)
        now = self._clock.now()
        kind = DocumentKind.STATEMENT
        year, sequence, number = await take_number(uow, kind, now)
        return Document(
            id=self._ids.new_id(),
            kind=kind,
            number=number,
            year=year,
            sequence=sequence,
            issued_at=now,
            language=user.locale.value,
            recipient_id=user.id,
            issuer=self._terms.issuer,
            recipient=recipient,
            amount_cents=sum(line.paid_out_cents for line in lines),
            vat_rate_percent=self._terms.vat_rate_percent,
            period=period,
            lines=lines,
        )


class SendDocuments:
    """Each issued document not sent yet: its file rendered and stored
    (private), then in one transaction the file recorded and its recipient's
    email queued. A crash before that transaction renders the same file
    again under the same key; the email goes once."""

    def __init__(
        self,
        uow: UnitOfWork,
        storage: ObjectStorage,
        renderer: DocumentRenderer,
        outbox: Outbox,
        clock: Clock,
    ) -> None:
        self._uow, self._storage, self._renderer = uow, storage, renderer
        self._outbox, self._clock = outbox, clock

    async def __call__(self) -> int:
        sent = 0
        after: UUID | None = None
        while True:  # pages on past failures: one file that fails keeps no other waiting
            async with self._uow as uow:
                waiting = await uow.documents.unsent(BATCH, after=after)
            done = 0
            for document_id in waiting:
                try:
                    done += await self.send(document_id)
                except Exception:  # this document only: the next run tries again
                    logger.exception("storing document %s failed", document_id)
            sent += done
            if len(waiting) < BATCH:
                return sent
            after = waiting[-1]

    async def send(self, document_id: UUID) -> bool:
        async with self._uow as uow:
            stored = await uow.documents.get(document_id)
        if stored is None or stored.notified_at is not None:
            return False
        document = stored.document
        data = await asyncio.to_thread(self._renderer.render, document)
        key = file_key_of(document)
        await self._storage.put(key, data, self._renderer.content_type)
        async with self._uow as uow:
            if not await uow.documents.mark_sent(document_id, key, self._clock.now()):
                return False
            email = DOCUMENT_EMAILS.get(document.kind)
            recipient = await uow.users.get(document.recipient_id)
            # An erased account has no address left to tell; the document stays.
            # A backfilled document is stored and listed, not emailed.
            if (
                email is not None
                and recipient is not None
                and not recipient.erased
                and not await self._backfilled(uow, document)
            ):
                await self._outbox.add(
                    uow,
                    email.topic,
                    user_id=str(document.recipient_id),
                    document_id=str(document.id),
                    number=document.number,
                    amount_cents=document.amount_cents,
                )
            await uow.commit()
        return True

    @staticmethod
    async def _backfilled(uow: UnitOfWork, document: Document) -> bool:
        """Issued more than QUIET_AFTER after its movement: on a first deploy,
        or after a long outage, its recipient is not emailed about it."""
        if document.period is not None:  # a statement: from the end of its month
            return document.issued_at - month_bounds(document.period)[1] > QUIET_AFTER
        if document.booking is None or document.ledger_entry_id is None:
            return False
        entries = await uow.ledger.for_booking(document.booking.booking_id)
        moved = next((e.occurred_at for e in entries if e.id == document.ledger_entry_id), None)
        return moved is not None and document.issued_at - moved > QUIET_AFTER
