"""How many money documents the PDF renderer draws per second, in this process.

    uv run python bench/bench_pdf.py [--seconds 3]

No database, no server: one commission invoice, one receipt and one monthly
statement of 30 lines, each rendered over and over; prints documents/second
and milliseconds per document for each. A figure to watch, not a test.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from tailtribe.adapters.pdf import make_renderer
from tailtribe.domain.model.documents import (
    BookingFacts,
    Document,
    DocumentKind,
    Party,
    StatementLine,
    document_number,
    vat_split,
)

ISSUER = Party(
    "TailTribe BV", "Rue de la Loi 1", "1000", "Brussel", "BE", "0123.456.789", "BE0123456789"
)
OWNER = Party("Amélie Dubois", "Chaussée de Wavre 123", "1050", "Ixelles")
CAREGIVER = Party("Joris Van Aelst", "Kerkstraat 4", "9000", "Gent", vat_number="BE0987654321")
ISSUED_AT = datetime(2027, 3, 14, 16, 30, tzinfo=UTC)
BOOKING = BookingFacts(
    UUID(int=7),
    "house_sitting",
    datetime(2027, 3, 1, 8, tzinfo=UTC),
    datetime(2027, 3, 4, 17, tzinfo=UTC),
    OWNER.name,
    CAREGIVER.name,
    24_000,
)


def documents() -> dict[str, Document]:
    def base(kind: DocumentKind) -> dict[str, Any]:
        return {
            "id": UUID(int=1),
            "kind": kind,
            "number": document_number(kind, 2027, 1),
            "year": 2027,
            "sequence": 1,
            "issued_at": ISSUED_AT,
            "language": "nl",
            "recipient_id": UUID(int=2),
            "issuer": ISSUER,
        }

    net, vat = vat_split(4_800, 21)
    invoice = Document(
        **base(DocumentKind.COMMISSION_INVOICE),
        recipient=CAREGIVER,
        amount_cents=4_800,
        net_cents=net,
        vat_cents=vat,
        vat_rate_percent=21,
        booking=BOOKING,
    )
    receipt = Document(
        **base(DocumentKind.RECEIPT),
        recipient=OWNER,
        amount_cents=24_000,
        booking=BOOKING,
        payment_method="card",
    )
    lines = tuple(
        StatementLine(
            UUID(int=100 + i),
            "dog_walking",
            ISSUED_AT - timedelta(days=20 - i % 20),
            ISSUED_AT - timedelta(days=10),
            3_000,
            600,
            vat_split(600, 21)[1],
            2_400,
        )
        for i in range(30)
    )
    statement = Document(
        **base(DocumentKind.STATEMENT),
        recipient=CAREGIVER,
        amount_cents=30 * 2_400,
        lines=lines,
        period=date(2027, 3, 1),
    )
    return {"commission invoice": invoice, "receipt": receipt, "statement, 30 lines": statement}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=3.0, help="per document (default 3)")
    args = parser.parse_args()
    renderer = make_renderer()
    for name, document in documents().items():
        renderer.render(document)  # warm up: catalogs, Babel's locale data
        count, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < args.seconds:
            size = len(renderer.render(document))
            count += 1
        rate = count / elapsed
        print(f"{name:22} {rate:8.0f} documents/s  {1000 / rate:6.2f} ms each  {size:,} bytes")


if __name__ == "__main__":
    main()
