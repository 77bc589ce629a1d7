from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from tailtribe.domain.model.documents import DocumentKind
from tailtribe.domain.services.documents.read import DocumentView
from tailtribe.entrypoints.http.schemas.common import (
    CENTS,
    INSTANT,
    PAGE_ITEMS,
    PageLimit,
    PageOffset,
    Total,
)


class DocumentOut(msgspec.Struct):
    """An issued money document (docs/documents.md): it never changes."""

    id: Annotated[UUID, msgspec.Meta(description="The document's id.")]
    kind: Annotated[
        DocumentKind,
        msgspec.Meta(
            description="receipt and refund_note: to the owner, for a payment and a refund; "
            "commission_invoice and credit_note: to the caregiver, for the platform's "
            "commission and commission given back; statement: a caregiver's month."
        ),
    ]
    number: Annotated[
        str,
        msgspec.Meta(
            description="Its number: one gap-free series per kind and year, "
            "TT-2027-000001 for invoices, TT-C-, TT-R-, TT-N-, TT-S- for the others."
        ),
    ]
    issued_at: Annotated[datetime, msgspec.Meta(description=f"When it was issued; {INSTANT}.")]
    amount_cents: Annotated[
        int,
        msgspec.Meta(
            description=f"What it is for, VAT included; {CENTS}; positive, except a "
            "statement's: what its month paid out net of reversals, which may be zero or "
            "negative."
        ),
    ]
    net_cents: Annotated[
        int,
        msgspec.Meta(
            description=f"Without VAT, on invoices and credit notes; {CENTS}; 0 on the others."
        ),
    ]
    vat_cents: Annotated[
        int,
        msgspec.Meta(
            description=f"The VAT, on invoices and credit notes; {CENTS}; 0 on the others."
        ),
    ]
    currency: Annotated[str, msgspec.Meta(description="ISO 4217: EUR.")]
    booking_id: Annotated[
        UUID | None, msgspec.Meta(description="The booking it is about; null for a statement.")
    ]
    corrects: Annotated[
        str | None,
        msgspec.Meta(
            description="The number of the document it corrects: a credit note's invoice, "
            "a refund note's receipt; null otherwise."
        ),
    ]
    download_url: Annotated[
        str | None,
        msgspec.Meta(
            description="A signed address of its PDF, valid for 5 minutes: read the document "
            "again for a fresh one. Null until the file is stored (within minutes of issue)."
        ),
    ]
    recipient_id: Annotated[UUID, msgspec.Meta(description="The user it is issued to.")]

    @classmethod
    def of(cls, view: DocumentView) -> DocumentOut:
        d = view.stored.document
        return cls(
            id=d.id,
            kind=d.kind,
            number=d.number,
            issued_at=d.issued_at,
            amount_cents=d.amount_cents,
            net_cents=d.net_cents,
            vat_cents=d.vat_cents,
            currency=d.currency,
            booking_id=None if d.booking is None else d.booking.booking_id,
            corrects=d.corrects,
            download_url=view.download_url,
            recipient_id=d.recipient_id,
        )


class DocumentList(msgspec.Struct):
    items: Annotated[list[DocumentOut], msgspec.Meta(description=PAGE_ITEMS)]
    total: Total
    limit: PageLimit
    offset: PageOffset
