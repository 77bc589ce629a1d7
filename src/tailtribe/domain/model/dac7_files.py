"""The DAC7 report's files: the OECD DPI XML (schema version 1.0) and a CSV.

XML: namespace `urn:oecd:ties:dpi:v1`, with the OECD's common types
(`urn:oecd:ties:dpistf:v1`) and ISO types (`urn:oecd:ties:isodpitypes:v1`).
The schema's amounts (`MonAmnt_Type`) are whole currency units, so each
quarter's cents are rounded to whole euros, half away from zero
(`whole_euros`); the CSV keeps the exact cents next to those euros.

Every seller is an individual (`IndividualSeller`): the due-diligence data
describes a person (names, birth date); a seller trading under an enterprise
number carries their VAT number in `VAT` and stays an individual. A seller
whose data is missing is reported with what is known: the account's name, the
profile's postcode and city (Belgium), the TIN marked `unknown="true"`, no
birth date and no account number.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC
from xml.etree import ElementTree as ET

from tailtribe.domain.model.dac7 import Dac7Report, Operator, Seller, whole_euros

DPI = "urn:oecd:ties:dpi:v1"
STF = "urn:oecd:ties:dpistf:v1"
ISO = "urn:oecd:ties:isodpitypes:v1"
SCHEMA_VERSION = "1.0"
CURRENCY = "EUR"
UNKNOWN_TIN = "NOTIN"
NEXUS = "RPONEX1"  # the operator is resident for tax purposes in the member state

ET.register_namespace("dpi", DPI)
ET.register_namespace("stf", STF)
ET.register_namespace("iso", ISO)


def _el(
    parent: ET.Element, name: str, text: str | None = None, ns: str = DPI, **attrs: str
) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ns}}}{name}", attrs)
    if text is not None:
        el.text = text
    return el


def _doc_spec(parent: ET.Element, ref: str) -> None:
    spec = _el(parent, "DocSpec")
    _el(spec, "DocTypeIndic", "OECD1", ns=STF)
    _el(spec, "DocRefId", ref, ns=STF)


def _address(
    parent: ET.Element, country: str, street: str | None, postcode: str | None, city: str | None
) -> None:
    address = _el(parent, "Address", legalAddressType="OECD302")  # residential or business
    _el(address, "CountryCode", country)
    if city:
        fix = _el(address, "AddressFix")
        if street:
            _el(fix, "Street", street)
        if postcode:
            _el(fix, "PostCode", postcode)
        _el(fix, "City", city)
    else:
        _el(address, "AddressFree", postcode or "unknown")


def _operator(body: ET.Element, op: Operator, ref: str) -> None:
    el = _el(body, "PlatformOperator")
    _el(el, "ResCountryCode", op.country)
    if op.enterprise_number:
        _el(el, "TIN", op.enterprise_number, issuedBy=op.country)
    else:
        _el(el, "TIN", UNKNOWN_TIN, unknown="true")
    if op.vat_number:
        _el(el, "VAT", op.vat_number)
    _el(el, "Name", op.name)
    _el(el, "PlatformBusinessName", "TailTribe")
    _address(el, op.country, op.street, op.postcode, op.city)
    _el(el, "Nexus", NEXUS)
    _el(el, "AssumedReporting", "false")
    _doc_spec(el, ref)


def _seller(body: ET.Element, seller: Seller, ref: str) -> None:
    el = _el(body, "ReportableSeller")
    standard = _el(_el(_el(el, "Identity"), "IndividualSeller"), "Standard")
    person = _el(standard, "IndSellerID")
    d = seller.details
    if d is None:
        _el(person, "ResCountryCode", "BE")
        _el(person, "TIN", UNKNOWN_TIN, unknown="true")
        name = _el(person, "Name", nameType="OECD208")  # the name as known, not verified
        first, _, last = seller.name.strip().partition(" ")
        _el(name, "FirstName", first or "NFN")
        _el(name, "LastName", last or first or "unknown")
        _address(person, "BE", None, seller.postcode, seller.city)
    else:
        _el(person, "ResCountryCode", d.country)
        _el(person, "TIN", d.tin, issuedBy=d.tin_country)
        if d.vat_number:
            _el(person, "VAT", d.vat_number)
        name = _el(person, "Name", nameType="OECD208")
        _el(name, "FirstName", d.first_name)
        _el(name, "LastName", d.last_name)
        _address(person, d.country, d.street, d.postcode, d.city)
        _el(_el(person, "BirthInfo"), "BirthDate", d.birth_date.isoformat())
        account = _el(standard, "FinancialIdentifier")
        _el(account, "Identifier", d.iban, AccountNumberType="IBAN")
        _el(account, "AccountHolderName", f"{d.first_name} {d.last_name}")
    services = _el(_el(el, "RelevantActivities"), "PersonalServices")
    quarters = seller.figures.quarters
    for group, tag, values in (
        ("Consideration", "ConsQ", [whole_euros(q.consideration_cents) for q in quarters]),
        ("NumberOfActivities", "NumbQ", [q.activities for q in quarters]),
        ("Fees", "FeesQ", [whole_euros(q.fees_cents) for q in quarters]),
        ("Taxes", "TaxesQ", [0, 0, 0, 0]),  # the platform withholds no tax
    ):
        parent = _el(services, group)
        for i, value in enumerate(values, start=1):
            if tag == "NumbQ":
                _el(parent, f"{tag}{i}", str(value))
            else:
                _el(parent, f"{tag}{i}", str(value), currCode=CURRENCY)
    _doc_spec(el, ref)


def to_xml(report: Dac7Report) -> bytes:
    """The DPI message, UTF-8 with its XML declaration."""
    root = ET.Element(f"{{{DPI}}}DPI_OECD", {"version": SCHEMA_VERSION})
    spec = _el(root, "MessageSpec")
    op = report.operator
    if op.enterprise_number:
        _el(spec, "SendingEntityIN", op.enterprise_number)
    _el(spec, "TransmittingCountry", op.country)
    _el(spec, "ReceivingCountry", op.country)
    _el(spec, "MessageType", "DPI")
    _el(spec, "MessageRefId", report.message_ref_id)
    _el(spec, "MessageTypeIndic", "DPI401")  # new information
    _el(spec, "ReportingPeriod", report.reporting_period.isoformat())
    _el(spec, "Timestamp", f"{report.created_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}")
    body = _el(root, "DPIBody")
    _operator(body, op, f"{report.message_ref_id}-OP")
    for seller in report.sellers:
        _seller(body, seller, f"{report.message_ref_id}-{seller.figures.caregiver_id.hex}")
    ET.indent(root)
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return text


CSV_COLUMNS = (
    ["caregiver_id", "complete", "business", "name", "birth_date", "country", "tin"]
    + ["tin_country", "vat_number", "iban", "street", "postcode", "city"]
    + [f"consideration_q{q}_cents" for q in range(1, 5)]
    + [f"fees_q{q}_cents" for q in range(1, 5)]
    + [f"activities_q{q}" for q in range(1, 5)]
    + ["consideration_total_cents", "fees_total_cents", "activities_total"]
    + [f"consideration_q{q}_euros" for q in range(1, 5)]
    + [f"fees_q{q}_euros" for q in range(1, 5)]
)


# A cell a spreadsheet would read as a formula (CSV injection): a name typed
# as "=HYPERLINK(...)" must stay text when the accountant opens the file.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(cell: str) -> str:
    """The cell with a single quote in front when it would start a formula."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def to_csv(report: Dac7Report) -> str:
    """One row per reportable seller: exact cents, and the whole euros the XML reports."""
    out = io.StringIO()
    # CRLF (RFC 4180): a cell holding a CR or LF is then quoted on every Python.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for s in report.sellers:
        d, quarters = s.details, s.figures.quarters
        identity = (
            [s.name, "", "BE", "", "", "", "", "", s.postcode or "", s.city or ""]
            if d is None
            else [
                s.name,
                d.birth_date.isoformat(),
                d.country,
                d.tin,
                d.tin_country,
                d.vat_number or "",
                d.iban,
                d.street,
                d.postcode,
                d.city,
            ]
        )
        writer.writerow(
            [str(s.figures.caregiver_id), str(s.complete).lower(), str(s.business).lower()]
            + [as_text(cell) for cell in identity]  # typed by people; figures stay numbers
            + [q.consideration_cents for q in quarters]
            + [q.fees_cents for q in quarters]
            + [q.activities for q in quarters]
            + [s.figures.consideration_cents, s.figures.fees_cents, s.figures.activities]
            + [whole_euros(q.consideration_cents) for q in quarters]
            + [whole_euros(q.fees_cents) for q in quarters]
        )
    return out.getvalue()
