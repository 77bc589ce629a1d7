"""Money documents as PDF files, drawn with fpdf2.

fpdf2 is pure Python (its own dependencies, fontTools, Pillow and defusedxml,
ship wheels), so it runs in the slim image and the embedded laptop install
without system libraries. The text uses DejaVu Sans Condensed, which ships
in `fonts/` and is embedded (only the glyphs used) in each file: it prints
every Latin script (Łukasz, Ştefan, Dvořák), Greek and Cyrillic, and is about
as wide as Helvetica. Nothing depends on the fonts of the machine. A
character the font lacks is printed without its accent when that is enough,
or as "?" (`printable`).

Texts live in `catalog/<language>.toml`; service names come from the email
catalogs, and amounts and dates are formatted by Babel for the Belgian
locales, like the emails: "€ 12,34" in Dutch, "12,34 €" in French, dates and
times in Brussels time. The same document always gives the same bytes: the
file's dates are the document's issue time and its id is a digest of its
content.
"""

from __future__ import annotations

import tomllib
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from babel import Locale as BabelLocale
from babel.dates import format_date, format_time
from babel.numbers import format_currency
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from tailtribe.adapters.jinja.renderer import BABEL_LOCALE, BRUSSELS
from tailtribe.adapters.jinja.renderer import load_catalog as load_email_catalog
from tailtribe.domain.model.documents import Document, DocumentKind, Party, StatementLine
from tailtribe.domain.model.users import Locale

FONT = "DejaVuSansCondensed"
FONT_FILES = {"": f"{FONT}.ttf", "B": f"{FONT}-Bold.ttf"}
MARGIN = 18.0  # mm, all sides
WIDTH = 210.0 - 2 * MARGIN  # A4's printable width
LINE = 5.0  # the height of a line of body text
BRAND = (22, 94, 91)  # a dark teal for titles and rules
MUTED = (100, 100, 100)
SHADE = (239, 244, 243)
DASH = "\u2013"  # between a booking's start and end
# The statement's table: columns' widths (they add up to WIDTH) and alignment.
STATEMENT_COLUMNS = (
    ("start", 25.0, "L"),
    ("service", 37.0, "L"),
    ("paid_on", 25.0, "L"),
    ("gross", 22.0, "R"),
    ("commission", 22.0, "R"),
    ("vat", 21.0, "R"),
    ("paid_out", 22.0, "R"),
)
# Whose name the booking block shows: the other party's.
OTHER_PARTY = {
    DocumentKind.RECEIPT: "caregiver",
    DocumentKind.REFUND_NOTE: "caregiver",
    DocumentKind.COMMISSION_INVOICE: "owner",
    DocumentKind.CREDIT_NOTE: "owner",
}


def load_catalog(locale: Locale) -> dict[str, Any]:
    text = files("tailtribe.adapters.pdf").joinpath(f"catalog/{locale.value}.toml").read_text()
    return tomllib.loads(text)


def font_path(style: str) -> Path:
    return Path(__file__).parent / "fonts" / FONT_FILES[style]


@cache
def glyphs() -> frozenset[int]:
    """The code points both styles of the font can draw."""
    sheet = FPDF()
    for style in FONT_FILES:
        sheet.add_font(FONT, style, font_path(style))
    maps = [getattr(font, "cmap", {}) for font in sheet.fonts.values()]
    return frozenset.intersection(*(frozenset(m) for m in maps))


def printable(text: str) -> str:
    """`text` in what the font can draw: a character it lacks loses its accent
    if that is enough, else becomes "?"."""
    known = glyphs()
    if all(ord(char) in known for char in text):
        return text
    out = []
    for char in text:
        if ord(char) in known:
            out.append(char)
            continue
        bare = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        out.append(bare if bare and all(ord(c) in known for c in bare) else "?")
    return "".join(out)


class _Sheet(FPDF):
    """A4 pages with the document's footer and page numbers on each."""

    def __init__(self, footer_lines: list[str], page_label: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        for style in FONT_FILES:
            self.add_font(FONT, style, font_path(style))
        self.footer_lines = footer_lines
        self.page_label = page_label
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 18)
        self.alias_nb_pages("{nb}")

    def lines(
        self,
        width: float,
        height: float,
        text: str,
        align: str = "L",
        new_x: XPos = XPos.LMARGIN,
        new_y: YPos = YPos.NEXT,
    ) -> None:
        """`text` wrapped to `width`: one cell when it fits, which is much
        faster than fpdf's line breaking, else a multi-cell."""
        if self.get_string_width(text) <= width - 2 * self.c_margin:
            self.cell(width, height, text, align=align, new_x=new_x, new_y=new_y)
        else:
            self.multi_cell(width, height, text, align=align, new_x=new_x, new_y=new_y)

    def footer(self) -> None:
        self.set_y(-(MARGIN + 15))  # room for three lines above the page number
        self.set_draw_color(*BRAND)
        self.set_line_width(0.2)
        self.line(MARGIN, self.get_y(), MARGIN + WIDTH, self.get_y())
        self.ln(1.5)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*MUTED)
        for text in self.footer_lines:
            self.lines(WIDTH, 3.6, text)
        self.set_xy(MARGIN, -(MARGIN + 1))
        label = self.page_label.format(page=self.page_no(), pages="{nb}")
        self.cell(WIDTH, 3.6, label, align="R")


class PdfDocumentRenderer:
    content_type = "application/pdf"

    def __init__(self) -> None:
        self._catalogs = {locale: load_catalog(locale) for locale in Locale}
        self._services = {locale: load_email_catalog(locale)["services"] for locale in Locale}

    def render(self, document: Document) -> bytes:
        return _Drawing(document, self._catalogs, self._services).draw()


class _Drawing:
    """One document being drawn."""

    def __init__(
        self,
        document: Document,
        catalogs: dict[Locale, dict[str, Any]],
        services: dict[Locale, dict[str, str]],
    ) -> None:
        self.doc = document
        self.locale = Locale(document.language)  # ValueError for a language we do not print
        self.where = BabelLocale.parse(BABEL_LOCALE[self.locale])  # parsed once
        self.texts = catalogs[self.locale]
        self.services = services[self.locale]
        footers = self.texts["footers"]
        issuer = self.doc.issuer
        legal = [issuer.name]
        if issuer.enterprise_number:
            legal.append(self.label("enterprise_number", value=issuer.enterprise_number))
        if issuer.vat_number:
            legal.append(self.label("vat_number", value=issuer.vat_number))
        footer = [
            printable(str(footers[document.kind.value])),
            printable(
                str(footers["common"]).format(issuer=issuer.name) + " " + " · ".join(legal[1:])
            ).strip(),
        ]
        self.pdf = _Sheet(footer, printable(self.label("page")))

    # Words and values

    def label(self, key: str, **values: object) -> str:
        text = str(self.texts["labels"][key])
        return text.format(**values) if values else text

    def money(self, cents: int) -> str:
        amount = Decimal(cents).scaleb(-2)
        return printable(format_currency(amount, self.doc.currency, locale=self.where))

    def day(self, value: date) -> str:
        return format_date(value, "long", locale=self.where)

    def short_day(self, value: datetime) -> str:
        # Belgian style in every language: 01/03/2027.
        return format_date(value.astimezone(BRUSSELS).date(), "dd/MM/yyyy", locale=self.where)

    def moment(self, value: datetime) -> str:
        local = value.astimezone(BRUSSELS)
        return f"{self.day(local.date())} {format_time(local, 'short', locale=self.where)}"

    def span(self, starts_at: datetime, ends_at: datetime) -> str:
        start, end = starts_at.astimezone(BRUSSELS), ends_at.astimezone(BRUSSELS)
        if start.date() == end.date():
            until = format_time(end, "short", locale=self.where)
            return f"{self.moment(start)} {DASH} {until}"
        return f"{self.moment(start)} {DASH} {self.moment(end)}"

    def service(self, value: str) -> str:
        name = str(self.services.get(value, value))
        return name[:1].upper() + name[1:]

    def country(self, code: str) -> str:
        return str(self.where.territories.get(code.upper(), code))

    def month(self, value: date) -> str:
        return format_date(value, "LLLL y", locale=self.where)

    # Drawing

    def draw(self) -> bytes:
        pdf, doc = self.pdf, self.doc
        title = str(self.texts["titles"][doc.kind.value])
        if doc.kind is DocumentKind.STATEMENT and doc.period is not None:
            title = f"{title} · {self.month(doc.period)}"
        pdf.set_creation_date(doc.issued_at)
        pdf.set_title(printable(f"{title} {doc.number}"))
        pdf.set_author(printable(doc.issuer.name))
        pdf.set_subject(printable(title))
        pdf.set_lang(self.locale.value)
        pdf.add_page()
        self.heading(title)
        self.parties()
        if doc.booking is not None:
            self.booking()
        if doc.kind is DocumentKind.STATEMENT:
            self.statement()
        else:
            self.amounts()
        return bytes(pdf.output())

    def text(self, size: float, style: str = "", colour: tuple[int, int, int] = (0, 0, 0)) -> None:
        self.pdf.set_font(FONT, style, size)
        self.pdf.set_text_color(*colour)

    def section(self, name: str) -> None:
        pdf = self.pdf
        pdf.ln(6)
        self.text(10, "B", BRAND)
        pdf.cell(WIDTH, 6, printable(name.upper()), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_draw_color(*BRAND)
        pdf.set_line_width(0.3)
        pdf.line(MARGIN, pdf.get_y(), MARGIN + WIDTH, pdf.get_y())
        pdf.ln(2)

    def heading(self, title: str) -> None:
        pdf, doc = self.pdf, self.doc
        self.text(18, "B", BRAND)
        pdf.cell(50, 10, "TailTribe")
        self.text(16, "B")
        pdf.lines(WIDTH - 50, 10, printable(title), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
        rows = [
            (self.label("number"), doc.number),
            (self.label("issued"), self.day(doc.issued_at.astimezone(BRUSSELS).date())),
        ]
        for name, value in rows:
            self.text(9, "", MUTED)
            pdf.cell(WIDTH - 55, LINE, printable(name + self.label("colon")), align="R")
            self.text(9, "B")
            pdf.cell(55, LINE, printable(value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if doc.corrects:
            self.text(9, "B", BRAND)
            pdf.cell(
                WIDTH,
                LINE,
                printable(self.label("corrects", number=doc.corrects)),
                align="R",
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )

    def party_lines(self, party: Party) -> list[str]:
        lines = [
            party.street,
            f"{party.postcode} {party.city}".strip(),
            self.country(party.country),
        ]
        if party.enterprise_number:
            lines.append(self.label("enterprise_number", value=party.enterprise_number))
        if party.vat_number:
            lines.append(self.label("vat_number", value=party.vat_number))
        return [line for line in lines if line]

    def parties(self) -> None:
        pdf = self.pdf
        pdf.ln(6)
        top = pdf.get_y()
        column = (WIDTH - 10) / 2
        bottom = top
        for x, key, party in (
            (MARGIN, "issuer", self.doc.issuer),
            (MARGIN + column + 10, "recipient", self.doc.recipient),
        ):
            pdf.set_xy(x, top)
            self.text(8, "B", MUTED)
            pdf.cell(
                column, LINE, printable(self.label(key).upper()), new_x=XPos.LEFT, new_y=YPos.NEXT
            )
            self.text(10, "B")
            pdf.lines(column, LINE, printable(party.name), new_x=XPos.LEFT, new_y=YPos.NEXT)
            self.text(9)
            for line in self.party_lines(party):
                pdf.lines(column, 4.5, printable(line), new_x=XPos.LEFT, new_y=YPos.NEXT)
            bottom = max(bottom, pdf.get_y())
        pdf.set_xy(MARGIN, bottom)

    def pair(self, name: str, value: str, *, strong: bool = False) -> None:
        """A label and its value on one row (the value wraps if long)."""
        pdf = self.pdf
        self.text(9, "", MUTED)
        pdf.cell(45, LINE + 0.5, printable(name))
        self.text(10 if strong else 9, "B" if strong else "")
        pdf.lines(WIDTH - 45, LINE + 0.5, printable(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def item(self, description: str, amount: str) -> None:
        """A line of the invoice: what it is for, and its amount at the right."""
        pdf = self.pdf
        self.text(9)
        top = pdf.get_y()
        pdf.lines(WIDTH - 40, LINE + 0.5, printable(description))
        bottom = pdf.get_y()
        pdf.set_xy(MARGIN + WIDTH - 40, top)
        pdf.cell(40, LINE + 0.5, amount, align="R")
        pdf.set_xy(MARGIN, bottom)

    def booking(self) -> None:
        booking = self.doc.booking
        assert booking is not None
        self.section(self.label("booking"))
        self.pair(self.label("reference"), str(booking.booking_id))
        self.pair(self.label("service"), self.service(booking.service))
        self.pair(self.label("dates"), self.span(booking.starts_at, booking.ends_at))
        other = OTHER_PARTY.get(self.doc.kind)
        if other is not None:
            name = booking.caregiver_name if other == "caregiver" else booking.owner_name
            self.pair(self.label(other), name)

    def amounts(self) -> None:
        doc = self.doc
        self.section(self.label("amounts"))
        if doc.kind in (DocumentKind.COMMISSION_INVOICE, DocumentKind.CREDIT_NOTE):
            key = "commission" if doc.kind is DocumentKind.COMMISSION_INVOICE else "commission_back"
            self.item(self.label(key), self.money(doc.amount_cents))
            self.pdf.ln(3)
            self.totals(
                [
                    (self.label("net"), self.money(doc.net_cents), False),
                    (
                        self.label("vat", rate=doc.vat_rate_percent),
                        self.money(doc.vat_cents),
                        False,
                    ),
                    (self.label("total"), self.money(doc.amount_cents), True),
                ]
            )
            return
        key = "amount_paid" if doc.kind is DocumentKind.RECEIPT else "amount_refunded"
        if doc.payment_method:
            method = self.texts["payment_methods"].get(doc.payment_method, doc.payment_method)
            self.pair(self.label("payment_method"), str(method))
        self.pdf.ln(3)
        self.totals([(self.label(key), self.money(doc.amount_cents), True)])

    def totals(self, rows: list[tuple[str, str, bool]]) -> None:
        """The amounts' box at the right, the last row in bold on a shade."""
        pdf = self.pdf
        left = MARGIN + WIDTH - 95
        for name, value, strong in rows:
            pdf.set_x(left)
            if strong:
                pdf.set_fill_color(*SHADE)
                self.text(11, "B", BRAND)
            else:
                self.text(9.5)
            height = 8 if strong else 6
            pdf.cell(60, height, printable(name), fill=strong, border="T" if strong else 0)
            pdf.cell(
                35,
                height,
                value,
                align="R",
                fill=strong,
                border="T" if strong else 0,
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )

    def statement(self) -> None:
        pdf, doc = self.pdf, self.doc
        words = self.texts["statement"]
        self.section(self.label("amounts"))
        if doc.period is not None:
            self.text(9)
            pdf.lines(
                WIDTH,
                LINE,
                printable(str(words["intro"]).format(month=self.month(doc.period))),
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
            pdf.ln(2)
        # A statement always has lines (Document refuses one without).
        self.table_head(words)
        for index, line in enumerate(doc.lines):
            if pdf.will_page_break(6):
                pdf.add_page()
                self.table_head(words)
            self.table_row(line, shaded=index % 2 == 1)
        self.table_total(words)
        pdf.ln(4)
        self.totals([(str(words["paid_out"]), self.money(doc.amount_cents), True)])

    def table_head(self, words: dict[str, Any]) -> None:
        pdf = self.pdf
        pdf.set_fill_color(*BRAND)
        self.text(8, "B", (255, 255, 255))
        for key, width, align in STATEMENT_COLUMNS:
            pdf.cell(width, 7, printable(str(words[key])), align=align, fill=True)
        pdf.ln(7)

    def table_row(self, line: StatementLine, *, shaded: bool) -> None:
        pdf = self.pdf
        pdf.set_fill_color(*SHADE)
        self.text(8.5)
        values = {
            "start": self.short_day(line.starts_at),
            "service": self.service(line.service),
            "paid_on": self.short_day(line.paid_at),
            "gross": self.money(line.gross_cents),
            "commission": self.money(line.commission_cents),
            "vat": self.money(line.vat_cents),
            "paid_out": self.money(line.paid_out_cents),
        }
        for key, width, align in STATEMENT_COLUMNS:
            pdf.cell(width, 6, printable(values[key]), align=align, fill=shaded)
        pdf.ln(6)

    def table_total(self, words: dict[str, Any]) -> None:
        pdf, lines = self.pdf, self.doc.lines
        if pdf.will_page_break(7):
            pdf.add_page()
            self.table_head(words)
        self.text(8.5, "B")
        sums = {
            "gross": self.money(sum(line.gross_cents for line in lines)),
            "commission": self.money(sum(line.commission_cents for line in lines)),
            "vat": self.money(sum(line.vat_cents for line in lines)),
            "paid_out": self.money(sum(line.paid_out_cents for line in lines)),
        }
        pdf.set_draw_color(*BRAND)
        first = True
        for key, width, align in STATEMENT_COLUMNS:
            text = sums.get(key, "")
            if first:
                text, first = printable(str(words["total"])), False
            pdf.cell(width, 7, text, align=align, border="T")
        pdf.ln(7)
