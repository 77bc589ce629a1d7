"""The DAC7 files: the DPI XML validates against the published schema; the CSV's cents.

The schema files come from the `dac7` package (a test-time dependency): it
ships the French tax authority's variant of the OECD DPI schema
(`DPIXML_v1.1-fr1.xsd`), the only DPI XSD published on a package registry.
`to_french_variant` makes exactly the changes that variant asks of an OECD
v1.0 message (docs/dac7.md lists them); everything else is validated as we
write it.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from importlib.resources import files
from pathlib import Path
from uuid import UUID
from xml.etree import ElementTree as ET

import pytest
import xmlschema
from hypothesis import given, settings
from hypothesis import strategies as st

from tailtribe.domain.model.dac7 import (
    Dac7Report,
    Operator,
    Quarter,
    Seller,
    SellerFigures,
    message_ref_id,
)
from tailtribe.domain.model.dac7_files import CSV_COLUMNS, DPI, ISO, STF, to_csv, to_xml
from tailtribe.domain.model.tax_details import TaxDetails

FR_DPI, FR_STF, FR_ISO = "urn:oecd:ties:dpi", "urn:oecd:ties:dpistf", "urn:oecd:ties:dpiisotypes"
CREATED = datetime(2028, 1, 2, 9, 30, tzinfo=UTC)
OPERATOR = Operator(
    name="TailTribe BV",
    street="Rue de la Loi 16",
    postcode="1000",
    city="Brussel",
    country="BE",
    enterprise_number="0403170701",
    vat_number="BE0403170701",
)


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    root = Path(str(files("dac7") / "schemas"))
    return xmlschema.XMLSchema(str(root / "DPIXML_v1.1-fr1.xsd"))


def details(caregiver_id: UUID, *, business: bool = False) -> TaxDetails:
    return TaxDetails(
        caregiver_id=caregiver_id,
        first_name="Lotte",
        last_name="Peeters",
        birth_date=date(1990, 5, 17),
        street="Meir 1",
        postcode="2000",
        city="Antwerpen",
        country="BE",
        tin="90051712345",
        tin_country="BE",
        iban="BE68539007547034",
        enterprise_number="0403170701" if business else None,
        vat_number="BE0403170701" if business else None,
        updated_at=CREATED,
    )


def seller(n: int, quarters: list[tuple[int, int, int]], *, complete: bool = True) -> Seller:
    cid = UUID(int=n)
    q = tuple(Quarter(c, f, a) for c, f, a in quarters)
    return Seller(
        SellerFigures(cid, q),  # type: ignore[arg-type]
        "Lotte Peeters",
        details(cid, business=n % 2 == 0) if complete else None,
        postcode="2000",
        city="Antwerpen",
    )


def report(sellers: list[Seller]) -> Dac7Report:
    return Dac7Report(2027, CREATED, message_ref_id(OPERATOR, 2027, CREATED), OPERATOR, sellers)


def to_french_variant(xml: bytes) -> bytes:
    """The deviations of the French variant from OECD DPI v1.0, applied to our message."""
    names = {DPI: FR_DPI, STF: FR_STF, ISO: FR_ISO}
    root = ET.fromstring(xml)
    spec = root.find(f"{{{DPI}}}MessageSpec")
    assert spec is not None
    sending = spec.find(f"{{{DPI}}}SendingEntityIN")
    if sending is not None:  # not in the French variant
        spec.remove(sending)
    for tag in ("TransmittingCountry", "ReceivingCountry"):  # only "FR"
        spec.find(f"{{{DPI}}}{tag}").text = "FR"  # type: ignore[union-attr]
    ref = spec.find(f"{{{DPI}}}MessageRefId")
    assert ref is not None and ref.text is not None  # OP_<year>_<SIREN>_...
    ref.text = f"OP_2027_123456789_{ref.text}"[:88]
    tin = root.find(f"{{{DPI}}}DPIBody/{{{DPI}}}PlatformOperator/{{{DPI}}}TIN")
    assert tin is not None
    tin.set("issuedBy", "FR")  # the operator's TIN: issued by France only
    for el in root.iter():
        ns, _, local = el.tag[1:].partition("}")
        el.tag = f"{{{names[ns]}}}{local}"
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return text


def test_the_message_validates_against_the_schema(schema: xmlschema.XMLSchema) -> None:
    xml = to_xml(
        report(
            [
                seller(1, [(8049, 2012, 1), (8050, 2013, 2), (0, 0, 0), (150, 49, 1)]),
                seller(2, [(0, 0, 0), (0, 0, 0), (123456, 30864, 7), (0, 0, 0)]),
            ]
        )
    )
    schema.validate(to_french_variant(xml))
    root = ET.fromstring(xml)
    ns = {"dpi": DPI, "stf": STF}
    assert root.get("version") == "1.0"
    assert root.findtext("dpi:MessageSpec/dpi:SendingEntityIN", namespaces=ns) == "0403170701"
    assert root.findtext("dpi:MessageSpec/dpi:MessageTypeIndic", namespaces=ns) == "DPI401"
    assert root.findtext("dpi:MessageSpec/dpi:ReportingPeriod", namespaces=ns) == "2027-12-31"
    assert root.findtext("dpi:MessageSpec/dpi:Timestamp", namespaces=ns) == "2028-01-02T09:30:00Z"
    first = root.find("dpi:DPIBody/dpi:ReportableSeller/dpi:RelevantActivities", ns)
    assert first is not None
    cons = [e.text for e in first.iterfind("dpi:PersonalServices/dpi:Consideration/*", ns)]
    fees = [e.text for e in first.iterfind("dpi:PersonalServices/dpi:Fees/*", ns)]
    assert cons == ["80", "81", "0", "2"]  # whole euros, half away from zero
    assert fees == ["20", "20", "0", "0"]
    refs = [e.text for e in root.iterfind(".//stf:DocRefId", ns)]
    assert len(refs) == 3 and len(set(refs)) == 3
    vat = root.findtext(".//dpi:ReportableSeller[2]//dpi:IndSellerID/dpi:VAT", namespaces=ns)
    assert vat == "BE0403170701"


def test_a_seller_without_details_is_reported_with_an_unknown_tin() -> None:
    xml = to_xml(report([seller(3, [(5000, 1000, 1)] + [(0, 0, 0)] * 3, complete=False)]))
    root = ET.fromstring(xml)
    ns = {"dpi": DPI}
    tin = root.find(".//dpi:IndSellerID/dpi:TIN", ns)
    assert tin is not None and tin.get("unknown") == "true" and tin.get("issuedBy") is None
    assert root.findtext(".//dpi:IndSellerID/dpi:Name/dpi:LastName", namespaces=ns) == "Peeters"
    assert root.find(".//dpi:BirthInfo", ns) is None
    assert root.find(".//dpi:FinancialIdentifier", ns) is None


amounts = st.integers(min_value=0, max_value=10**9)
quarters = st.lists(st.tuples(amounts, amounts, st.integers(0, 500)), min_size=4, max_size=4)


@settings(max_examples=25, deadline=None)
@given(st.lists(quarters, min_size=0, max_size=4))
def test_any_report_of_complete_sellers_validates(
    schema: xmlschema.XMLSchema, sellers: list[list[tuple[int, int, int]]]
) -> None:
    schema.validate(
        to_french_variant(to_xml(report([seller(i + 1, q) for i, q in enumerate(sellers)])))
    )


def test_the_csv_keeps_the_cents() -> None:
    text = to_csv(
        report(
            [
                seller(1, [(8049, 2012, 1), (-150, -49, 0), (0, 0, 0), (0, 0, 0)]),
                seller(3, [(5000, 1000, 1)] + [(0, 0, 0)] * 3, complete=False),
            ]
        )
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == CSV_COLUMNS
    assert rows[0]["consideration_q1_cents"] == "8049"
    assert rows[0]["consideration_q2_cents"] == "-150"
    assert rows[0]["consideration_q2_euros"] == "-2"
    assert rows[0]["consideration_total_cents"] == "7899"
    assert rows[0]["fees_total_cents"] == "1963"
    assert rows[0]["complete"] == "true" and rows[0]["tin"] == "90051712345"
    assert rows[1]["complete"] == "false" and rows[1]["tin"] == ""
    assert rows[1]["name"] == "Lotte Peeters"


FORMULA = st.sampled_from(["=", "+", "-", "@", "\t", "\r"])


@settings(max_examples=50)
@given(
    starts=st.lists(FORMULA, min_size=4, max_size=4),
    rest=st.text(st.characters(codec="utf-8", blacklist_characters="\x00"), max_size=20),
)
def test_csv_cells_typed_by_people_never_start_a_formula(starts: list[str], rest: str) -> None:
    import dataclasses

    cid = UUID(int=7)
    name, street, city, spare = (s + rest for s in starts)
    typed = dataclasses.replace(details(cid), street=street, city=city)
    unknown = Seller(
        SellerFigures(UUID(int=8), (Quarter(-150, -49, 0),) + (Quarter(0, 0, 0),) * 3),
        spare,
        None,
        postcode="2000",
        city=city,
    )
    known = Seller(
        SellerFigures(cid, (Quarter(100, 20, 1),) + (Quarter(0, 0, 0),) * 3),
        name,
        typed,
        postcode="2000",
        city=city,
    )
    text = to_csv(report([known, unknown]))
    rows = list(csv.DictReader(io.StringIO(text, newline=""), strict=True))
    assert rows[0]["name"] == "'" + name
    assert rows[0]["street"] == "'" + street and rows[0]["city"] == "'" + city
    assert rows[1]["name"] == "'" + spare and rows[1]["city"] == "'" + city
    assert rows[1]["consideration_q1_cents"] == "-150"  # figures stay numbers
    assert rows[0]["tin"] == "90051712345"  # nothing else changes
