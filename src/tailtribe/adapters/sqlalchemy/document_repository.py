"""Money documents on SQL: the content as issued (JSON), the numbers from
`document_sequence`, taken by an upsert in the adding transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, func, literal, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tailtribe.adapters.sqlalchemy.ledger_repository import LEDGER_ROW
from tailtribe.adapters.sqlalchemy.tables import (
    BookingRow,
    CaregiverRow,
    DocumentRow,
    DocumentSequenceRow,
    LedgerEntryRow,
)
from tailtribe.domain.errors import Conflict
from tailtribe.domain.model.documents import (
    BookingFacts,
    Document,
    DocumentKind,
    Party,
    StatementLine,
    StoredDocument,
)
from tailtribe.domain.model.ledger import LedgerEntry, Movement
from tailtribe.domain.ports.documents import DocumentFilter, DocumentPage

_INSTANTS = ("starts_at", "ends_at", "paid_at", "issued_at")


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def document_json(document: Document) -> dict[str, Any]:
    """The document as JSON-ready values (UUIDs, instants and dates as text)."""
    return _plain(asdict(document))  # type: ignore[no-any-return]


def _uuid(text: str | None) -> UUID | None:
    return None if text is None else UUID(text)


def _booking(plain: dict[str, Any]) -> BookingFacts:
    return BookingFacts(
        booking_id=UUID(plain["booking_id"]),
        service=plain["service"],
        starts_at=datetime.fromisoformat(plain["starts_at"]),
        ends_at=datetime.fromisoformat(plain["ends_at"]),
        owner_name=plain["owner_name"],
        caregiver_name=plain["caregiver_name"],
        price_cents=plain["price_cents"],
    )


def _line(plain: dict[str, Any]) -> StatementLine:
    return StatementLine(
        booking_id=UUID(plain["booking_id"]),
        service=plain["service"],
        starts_at=datetime.fromisoformat(plain["starts_at"]),
        paid_at=datetime.fromisoformat(plain["paid_at"]),
        gross_cents=plain["gross_cents"],
        commission_cents=plain["commission_cents"],
        vat_cents=plain["vat_cents"],
        paid_out_cents=plain["paid_out_cents"],
    )


def document_from_json(plain: dict[str, Any]) -> Document:
    return Document(
        id=UUID(plain["id"]),
        kind=DocumentKind(plain["kind"]),
        number=plain["number"],
        year=plain["year"],
        sequence=plain["sequence"],
        issued_at=datetime.fromisoformat(plain["issued_at"]),
        language=plain["language"],
        recipient_id=UUID(plain["recipient_id"]),
        issuer=Party(**plain["issuer"]),
        recipient=Party(**plain["recipient"]),
        amount_cents=plain["amount_cents"],
        net_cents=plain["net_cents"],
        vat_cents=plain["vat_cents"],
        vat_rate_percent=plain["vat_rate_percent"],
        currency=plain["currency"],
        booking=None if plain["booking"] is None else _booking(plain["booking"]),
        ledger_entry_id=None
        if plain["ledger_entry_id"] is None
        else UUID(plain["ledger_entry_id"]),
        payment_method=plain["payment_method"],
        corrects=plain["corrects"],
        period=None if plain["period"] is None else date.fromisoformat(plain["period"]),
        lines=tuple(_line(line) for line in plain["lines"]),
    )


def _stored(row: DocumentRow) -> StoredDocument:
    return StoredDocument(
        document_from_json(row.content), row.file_key, row.stored_at, row.notified_at
    )


class SqlDocumentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def next_sequence(self, kind: DocumentKind, year: int) -> int:
        # One statement: the first number of a series inserts its row, any
        # later one increments it; either way the row stays locked (on
        # PostgreSQL) or the database write-locked (SQLite) until this
        # transaction ends, so concurrent issuers take turns.
        dialect = self._session.bind.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        row = DocumentSequenceRow
        first = insert(row).values(kind=kind.value, year=year, last_sequence=1)
        stmt = first.on_conflict_do_update(
            index_elements=["kind", "year"],
            set_={"last_sequence": row.last_sequence + 1},
        ).returning(row.last_sequence)
        taken = await self._session.scalar(stmt)
        assert taken is not None
        return int(taken)

    async def add(self, document: Document) -> None:
        row = DocumentRow(
            id=document.id,
            kind=document.kind.value,
            number=document.number,
            year=document.year,
            sequence=document.sequence,
            issued_at=document.issued_at,
            recipient_id=document.recipient_id,
            booking_id=None if document.booking is None else document.booking.booking_id,
            ledger_entry_id=document.ledger_entry_id,
            period=document.period,
            content=document_json(document),
        )
        self._session.add(row)
        try:
            await self._session.flush()
        except IntegrityError as exc:  # the transaction is over: the caller rolls back
            raise Conflict("the document is issued already") from exc

    async def get(self, document_id: UUID) -> StoredDocument | None:
        row = await self._session.get(DocumentRow, document_id)
        return None if row is None else _stored(row)

    async def latest(self, booking_id: UUID, kind: DocumentKind) -> Document | None:
        row = await self._session.scalar(
            select(DocumentRow)
            .where(DocumentRow.booking_id == booking_id, DocumentRow.kind == kind.value)
            .order_by(DocumentRow.issued_at.desc(), DocumentRow.sequence.desc())
            .limit(1)
        )
        return None if row is None else document_from_json(row.content)

    async def undocumented(
        self,
        movements: Sequence[Movement],
        limit: int,
        *,
        after: tuple[datetime, UUID] | None = None,
        since: datetime | None = None,
    ) -> Sequence[LedgerEntry]:
        where: list[ColumnElement[bool]] = [
            LedgerEntryRow.movement.in_([m.value for m in movements]),
            DocumentRow.id.is_(None),
        ]
        if since is not None:  # ix_ledger_entry_occurred: only the recent part is read
            where.append(LedgerEntryRow.occurred_at >= since)
        if after is not None:
            at, entry_id = after
            where.append(
                or_(
                    LedgerEntryRow.occurred_at > at,
                    and_(LedgerEntryRow.occurred_at == at, LedgerEntryRow.id > entry_id),
                )
            )
        rows = await self._session.scalars(
            select(LedgerEntryRow)
            .outerjoin(DocumentRow, DocumentRow.ledger_entry_id == LedgerEntryRow.id)
            .where(*where)
            .order_by(LedgerEntryRow.occurred_at, LedgerEntryRow.id)
            .limit(limit)
        )
        return [LEDGER_ROW.load(r) for r in rows]

    async def earliest(self, movements: Sequence[Movement]) -> datetime | None:
        found: datetime | None = await self._session.scalar(
            select(func.min(LedgerEntryRow.occurred_at)).where(
                LedgerEntryRow.movement.in_([m.value for m in movements])
            )
        )
        return found

    async def unstated(
        self, movements: Sequence[Movement], start: datetime, end: datetime, period: date
    ) -> Sequence[UUID]:
        statement = (
            select(DocumentRow.id)
            .where(
                DocumentRow.kind == DocumentKind.STATEMENT.value,
                DocumentRow.period == period,
                DocumentRow.recipient_id == CaregiverRow.user_id,
            )
            .exists()
        )
        ids = await self._session.scalars(
            select(BookingRow.caregiver_id)
            .distinct()
            .select_from(LedgerEntryRow)
            .join(BookingRow, BookingRow.id == LedgerEntryRow.booking_id)
            .join(CaregiverRow, CaregiverRow.id == BookingRow.caregiver_id)
            .where(
                LedgerEntryRow.movement.in_([m.value for m in movements]),
                LedgerEntryRow.occurred_at >= start,
                LedgerEntryRow.occurred_at < end,
                ~statement,
            )
            .order_by(BookingRow.caregiver_id)
        )
        return list(ids)

    async def unsent(self, limit: int, *, after: UUID | None = None) -> Sequence[UUID]:
        where: list[ColumnElement[bool]] = [DocumentRow.notified_at.is_(None)]
        if after is not None:
            mark = select(DocumentRow.issued_at).where(DocumentRow.id == after).scalar_subquery()
            where.append(
                or_(
                    DocumentRow.issued_at > mark,
                    and_(DocumentRow.issued_at == mark, DocumentRow.id > after),
                )
            )
        ids = await self._session.scalars(
            select(DocumentRow.id)
            .where(*where)
            .order_by(DocumentRow.issued_at, DocumentRow.id)
            .limit(limit)
        )
        return list(ids)

    async def mark_sent(self, document_id: UUID, file_key: str, at: datetime) -> bool:
        # On PostgreSQL a concurrent sender's UPDATE waits for this one's
        # commit, then finds notified_at set and changes nothing.
        result = await self._session.execute(
            update(DocumentRow)
            .where(DocumentRow.id == document_id, DocumentRow.notified_at.is_(None))
            .values(file_key=file_key, stored_at=at, notified_at=at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def list(self, criteria: DocumentFilter, limit: int, offset: int) -> DocumentPage:
        where: list[ColumnElement[bool]] = []
        if criteria.recipient_id is not None:
            where.append(DocumentRow.recipient_id == criteria.recipient_id)
        if criteria.kind is not None:
            where.append(DocumentRow.kind == criteria.kind.value)
        if criteria.year is not None:
            where.append(DocumentRow.year == criteria.year)
        if criteria.booking_id is not None:
            where.append(DocumentRow.booking_id == criteria.booking_id)
        condition = and_(True, *where)
        total = await self._session.scalar(
            select(func.count()).select_from(DocumentRow).where(condition)
        )
        rows = await self._session.scalars(
            select(DocumentRow)
            .where(condition)
            .order_by(DocumentRow.issued_at.desc(), DocumentRow.number.desc())
            .limit(limit)
            .offset(offset)
        )
        return DocumentPage([_stored(r) for r in rows], total or 0)

    async def issued(
        self,
        start: datetime,
        end: datetime,
        kinds: Sequence[DocumentKind],
        after: tuple[str, int, int] | None,
        limit: int,
    ) -> Sequence[Document]:
        row = DocumentRow
        where = [
            row.issued_at >= start,
            row.issued_at < end,
            row.kind.in_([k.value for k in kinds]),
        ]
        if after is not None:
            where.append(tuple_(row.kind, row.year, row.sequence) > tuple_(*map(literal, after)))
        rows = await self._session.scalars(
            select(row.content)
            .where(*where)
            .order_by(row.kind, row.year, row.sequence)
            .limit(limit)
        )
        return [document_from_json(content) for content in rows]
