"""The PDF files of money documents: every kind in every language, read back
with a PDF text extractor."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from tailtribe.adapters.pdf import PdfDocumentRenderer, make_renderer
from tailtribe.adapters.pdf.renderer import load_catalog, printable
from tailtribe.domain.model.documents import (
    BookingFacts,
    Document,
    DocumentKind,
    Party,
    StatementLine,
    document_number,
    vat_split,
)
from tailtribe.domain.model.users import Locale

ISSUER = Party(
    "TailTribe BV", "Rue de la Loi 1", "1000", "Brussel", "BE", "0123.456.789", "BE0123456789"
)
OWNER = Party("Amélie Dubois", "Chaussée de Wavre 123", "1050", "Ixelles")
CAREGIVER = Party("Joris Van Aelst", "Kerkstraat 4", "9000", "Gent", "BE", None, "BE0987654321")
ISSUED_AT = datetime(2027, 3, 14, 23, 30, tzinfo=UTC)  # already 15 March in Brussels
SERVICES = ("dog_walking", "drop_in", "day_care", "house_sitting", "boarding")
LANGUAGES = ("nl", "fr", "en")

TITLES = {
    "en": {
        DocumentKind.RECEIPT: "Payment receipt",
        DocumentKind.REFUND_NOTE: "Refund note",
        DocumentKind.COMMISSION_INVOICE: "Invoice",
        DocumentKind.CREDIT_NOTE: "Credit note",
        DocumentKind.STATEMENT: "Monthly statement",
    },
    "nl": {
        DocumentKind.RECEIPT: "Betalingsbewijs",
        DocumentKind.REFUND_NOTE: "Terugbetalingsnota",
        DocumentKind.COMMISSION_INVOICE: "Factuur",
        DocumentKind.CREDIT_NOTE: "Creditnota",
        DocumentKind.STATEMENT: "Maandoverzicht",
    },
    "fr": {
        DocumentKind.RECEIPT: "Reçu de paiement",
        DocumentKind.REFUND_NOTE: "Note de remboursement",
        DocumentKind.COMMISSION_INVOICE: "Facture",
        DocumentKind.CREDIT_NOTE: "Note de crédit",
        DocumentKind.STATEMENT: "Relevé mensuel",
    },
}
VAT_WORDS = {
    "en": ("Net amount excl. VAT", "VAT 21 %", "Total incl. VAT"),
    "nl": ("Bedrag excl. btw", "Btw 21 %", "Totaal incl. btw"),
    "fr": ("Montant HTVA", "TVA 21 %", "Total TVAC"),
}
SERVICE_NAMES = {"en": "House sitting", "nl": "Huisoppas", "fr": "Garde à domicile"}
ISSUE_DAY = {"en": "15 March 2027", "nl": "15 maart 2027", "fr": "15 mars 2027"}


def euros(cents: int, language: str) -> str:
    """Belgian style, written out by hand: "€ 1.234,56" in Dutch, "1.234,56 €"
    in English (en_BE), "1 234,56 €" in French."""
    whole, rest = divmod(cents, 100)
    groups = f"{whole:,}".replace(",", " " if language == "fr" else ".")
    amount = f"{groups},{rest:02d}"
    return f"€ {amount}" if language == "nl" else f"{amount} €"


def text_of(pdf: bytes) -> str:
    """The text of every page, its spaces (no-break ones too) collapsed."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def pages_of(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def booking(owner: str = OWNER.name, caregiver: str = CAREGIVER.name) -> BookingFacts:
    return BookingFacts(
        booking_id=UUID(int=7),
        service="house_sitting",
        starts_at=datetime(2027, 3, 1, 8, tzinfo=UTC),
        ends_at=datetime(2027, 3, 4, 17, tzinfo=UTC),
        owner_name=owner,
        caregiver_name=caregiver,
        price_cents=24_000,
    )


def statement_lines(count: int) -> tuple[StatementLine, ...]:
    lines = []
    for i in range(count):
        gross = 3_000 + 137 * i  # every line's amounts differ from the others'
        commission = gross // 5
        _, vat = vat_split(commission, 21)
        lines.append(
            StatementLine(
                booking_id=UUID(int=100 + i),
                service=SERVICES[i % len(SERVICES)],
                starts_at=datetime(2027, 2, 1, 9, tzinfo=UTC) + timedelta(hours=i),
                paid_at=datetime(2027, 3, 1, 10, tzinfo=UTC) + timedelta(hours=i),
                gross_cents=gross,
                commission_cents=commission,
                vat_cents=vat,
                paid_out_cents=gross - commission,
            )
        )
    return tuple(lines)


def make(
    kind: DocumentKind,
    language: str = "en",
    *,
    amount: int = 4_800,
    owner: Party = OWNER,
    caregiver: Party = CAREGIVER,
    lines: int = 3,
    sequence: int = 42,
) -> Document:
    fields: dict[str, Any] = {
        "id": UUID(int=1),
        "kind": kind,
        "number": document_number(kind, 2027, sequence),
        "year": 2027,
        "sequence": sequence,
        "issued_at": ISSUED_AT,
        "language": language,
        "recipient_id": UUID(int=2),
        "issuer": ISSUER,
    }
    facts = booking(owner.name, caregiver.name)
    if kind in (DocumentKind.RECEIPT, DocumentKind.REFUND_NOTE):
        fields |= {"recipient": owner, "amount_cents": amount, "booking": facts}
        fields["payment_method"] = "bancontact"
        if kind is DocumentKind.REFUND_NOTE:
            fields["corrects"] = "TT-R-2027-000041"
    elif kind in (DocumentKind.COMMISSION_INVOICE, DocumentKind.CREDIT_NOTE):
        net, vat = vat_split(amount, 21)
        fields |= {"recipient": caregiver, "amount_cents": amount, "booking": facts}
        fields |= {"net_cents": net, "vat_cents": vat, "vat_rate_percent": 21}
        if kind is DocumentKind.CREDIT_NOTE:
            fields["corrects"] = "TT-2027-000041"
    else:
        rows = statement_lines(lines)
        fields |= {"recipient": caregiver, "lines": rows, "period": date(2027, 3, 1)}
        fields["amount_cents"] = sum(row.paid_out_cents for row in rows)
    return Document(**fields)


renderer = PdfDocumentRenderer()


def test_make_renderer_gives_a_pdf_renderer() -> None:
    made = make_renderer()
    assert made.content_type == "application/pdf"
    assert made.render(make(DocumentKind.RECEIPT)).startswith(b"%PDF-")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", list(DocumentKind))
def test_every_kind_in_every_language(kind: DocumentKind, language: str) -> None:
    document = make(kind, language, amount=123_456)
    text = text_of(renderer.render(document))

    assert TITLES[language][kind] in text
    assert document.number in text
    assert ISSUE_DAY[language] in text  # the issue date in Brussels time
    for line in ("TailTribe BV", "Rue de la Loi 1", "0123.456.789", "BE0123456789"):
        assert line in text
    assert document.recipient.name in text
    assert euros(document.amount_cents, language) in text
    if kind is DocumentKind.STATEMENT:
        for row in document.lines:
            assert euros(row.paid_out_cents, language) in text
            assert euros(row.commission_cents, language) in text
        return
    assert SERVICE_NAMES[language] in text
    if kind in (DocumentKind.COMMISSION_INVOICE, DocumentKind.CREDIT_NOTE):
        other = OWNER.name
        net_word, vat_word, total_word = VAT_WORDS[language]
        assert f"{net_word} {euros(document.net_cents, language)}" in text
        assert f"{vat_word} {euros(document.vat_cents, language)}" in text
        assert f"{total_word} {euros(document.amount_cents, language)}" in text
        assert "BE0987654321" in text  # the caregiver's VAT number
    else:
        other = CAREGIVER.name
        assert "Bancontact" in text
    assert other in text
    if document.corrects:
        assert document.corrects in text


def test_the_vat_split_is_printed_as_the_domain_makes_it() -> None:
    # 48,00 incl. 21 %: net 39,67, VAT 8,33.
    text = text_of(renderer.render(make(DocumentKind.COMMISSION_INVOICE, "nl", amount=4_800)))
    assert "Bedrag excl. btw € 39,67" in text
    assert "Btw 21 % € 8,33" in text
    assert "Totaal incl. btw € 48,00" in text


def test_amounts_are_belgian_style_per_language() -> None:
    document = make(DocumentKind.RECEIPT, "nl", amount=123_456)
    assert "€ 1.234,56" in text_of(renderer.render(document))
    document = make(DocumentKind.RECEIPT, "fr", amount=123_456)
    assert "1 234,56 €" in text_of(renderer.render(document))


def test_the_booking_dates_are_brussels_time() -> None:
    text = text_of(renderer.render(make(DocumentKind.RECEIPT, "en")))
    # 08:00 and 17:00 UTC in March are 09:00 and 18:00 in Brussels.
    assert "1 March 2027 09:00 \u2013 4 March 2027 18:00" in text


# Dutch and French letters, and those of other European names the font prints.
LETTERS = (
    "abcdefghijklmnopqrstuvwxyzéèëêçàâôöïüÉ'-"
    + "ŁłŚśŻżŞşȚțřčŐőĞğ"
    + "αβγδεζηθλμπσωΩ"
    + "абвгджзиклмнпрстуфшщыюяЖЯ"
)
words = st.text(alphabet=LETTERS, min_size=1, max_size=12)
names = st.lists(words, min_size=1, max_size=5).map(" ".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(list(DocumentKind)),
    language=st.sampled_from(LANGUAGES),
    amount=st.integers(min_value=1, max_value=10_000_000),
    owner=names,
    caregiver=names,
    sequence=st.integers(min_value=1, max_value=999_999),
)
def test_any_document_shows_its_number_amounts_and_names(
    kind: DocumentKind, language: str, amount: int, owner: str, caregiver: str, sequence: int
) -> None:
    document = make(
        kind,
        language,
        amount=amount,
        owner=Party(owner, "Straat 1", "1000", "Brussel"),
        caregiver=Party(caregiver, "Rue 2", "4000", "Liège"),
        sequence=sequence,
    )
    text = text_of(renderer.render(document))
    assert document.number in text
    assert TITLES[language][kind] in text
    assert euros(document.amount_cents, language) in text
    assert document.recipient.name in text
    if kind in (DocumentKind.COMMISSION_INVOICE, DocumentKind.CREDIT_NOTE):
        assert euros(document.net_cents, language) in text
        assert euros(document.vat_cents, language) in text
        assert owner in text
    elif kind is not DocumentKind.STATEMENT:
        assert caregiver in text


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_the_same_document_gives_the_same_bytes(kind: DocumentKind) -> None:
    document = make(kind, "fr")
    first = renderer.render(document)
    assert PdfDocumentRenderer().render(document) == first
    assert renderer.render(make(kind, "fr", sequence=43)) != first


def test_the_file_is_dated_by_the_document() -> None:
    reader = PdfReader(io.BytesIO(renderer.render(make(DocumentKind.RECEIPT))))
    assert reader.metadata is not None
    assert reader.metadata.creation_date == ISSUED_AT


def test_long_names_and_addresses_wrap_without_losing_text() -> None:
    name = " ".join(["Anne-Françoise Marie-Thérèse de Ghellinck d'Elseghem Vaernewyck"] * 3)
    street = " ".join(["Avenue du Général Jacques de Dixmude-Lambermont"] * 3)
    owner = Party(name, street, "1000", "Bruxelles")
    for kind in (DocumentKind.RECEIPT, DocumentKind.COMMISSION_INVOICE):
        text = text_of(renderer.render(make(kind, "fr", owner=owner)))
        assert name in text
        if kind is DocumentKind.RECEIPT:
            assert street in text


def test_a_long_statement_spans_pages_and_keeps_every_line() -> None:
    document = make(DocumentKind.STATEMENT, "nl", lines=90)
    pdf = renderer.render(document)
    text = text_of(pdf)
    assert pages_of(pdf) >= 3
    assert "Pagina 3 van" in text
    for row in document.lines:
        assert euros(row.paid_out_cents, "nl") in text
        assert euros(row.gross_cents, "nl") in text
    total = sum(row.gross_cents for row in document.lines)
    assert euros(total, "nl") in text
    assert euros(document.amount_cents, "nl") in text


def test_a_statement_has_lines_that_add_up_to_its_amount() -> None:
    document = make(DocumentKind.STATEMENT, "en", lines=1)
    with pytest.raises(ValueError, match="month with payouts"):
        Document(**{**_fields(document), "lines": ()})
    with pytest.raises(ValueError, match="sum of its lines"):
        Document(**{**_fields(document), "amount_cents": document.amount_cents + 1})


def _fields(document: Document) -> dict[str, Any]:
    return {name: getattr(document, name) for name in Document.__slots__}


def test_names_in_any_european_script_are_printed_as_written() -> None:
    for name in ("Łukasz Wołek", "Ştefan Dvořák", "Ζωή Παππά", "Жанна Коваль", "Zoë Ça"):
        assert printable(name) == name
    assert printable("1\u202f234,56\u00a0€") == "1\u202f234,56\u00a0€"
    owner = Party("Łukasz Dvořák", "Ulica Ślęży 1", "00-001", "Warszawa", "PL")
    text = text_of(renderer.render(make(DocumentKind.RECEIPT, "en", owner=owner)))
    assert "Łukasz Dvořák" in text
    assert "Ulica Ślęży 1" in text
    assert "Poland" in text


def test_characters_outside_the_font_are_printed_plainly() -> None:
    # The font has no Chinese; a letter it only lacks in a variant form is
    # printed in its plain form.
    assert printable("王 Li") == "? Li"
    assert printable("Ⓐnna") == "Anna"
    owner = Party("王 Li", "Street 1", "1000", "Brussel", "BE")
    text = text_of(renderer.render(make(DocumentKind.RECEIPT, "en", owner=owner)))
    assert "? Li" in text


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="de"):
        renderer.render(make(DocumentKind.RECEIPT, "de"))


def test_another_process_gives_the_same_bytes() -> None:
    # Nothing random nor taken from the clock: a fresh interpreter, with its
    # own hash seed, draws the very same file.
    script = (
        "import sys\n"
        "from tests.adapters.test_pdf_documents import DocumentKind, make, renderer\n"
        "sys.stdout.buffer.write(renderer.render(make(DocumentKind.STATEMENT, 'fr', lines=40)))\n"
    )
    root = Path(__file__).resolve().parents[2]
    other = subprocess.run(
        [sys.executable, "-c", script],
        cwd=root,
        capture_output=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    ).stdout
    assert other == renderer.render(make(DocumentKind.STATEMENT, "fr", lines=40))


def test_every_page_of_a_statement_has_the_table_header() -> None:
    reader = PdfReader(io.BytesIO(renderer.render(make(DocumentKind.STATEMENT, "fr", lines=90))))
    assert len(reader.pages) >= 3
    for page in reader.pages:
        text = " ".join((page.extract_text() or "").split())
        assert "Réservation du Service Versé le Brut Commission dont TVA Versé" in text


def test_every_language_has_every_text() -> None:
    def keys(table: dict[str, Any], prefix: str = "") -> set[str]:
        found = set()
        for key, value in table.items():
            found |= keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
        return found

    catalogs = {locale: load_catalog(locale) for locale in Locale}
    english = keys(catalogs[Locale.EN])
    assert {f"titles.{kind.value}" for kind in DocumentKind} <= english
    assert {f"footers.{kind.value}" for kind in DocumentKind} <= english
    for catalog in catalogs.values():
        assert keys(catalog) == english
